package io.tradekit.verticles.receiver;

import io.tradekit.redis.RedisResource;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.pipeline.PipelineAccess;
import io.tradekit.verticles.receiver.ReceiverHarness.GapEntry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.tradekit.verticles.receiver.ReceiverHarness.counter;
import static io.tradekit.verticles.receiver.ReceiverHarness.covered;
import static io.tradekit.verticles.receiver.ReceiverHarness.gauge;
import static io.tradekit.verticles.receiver.ReceiverHarness.missing;
import static io.tradekit.verticles.receiver.ReceiverHarness.receiver;
import static io.tradekit.verticles.receiver.ReceiverHarness.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receiver's memory budget, shedding and gap records against a real simulated exchange and the
 * dev services' Redis: whatever the exchange sent is either stored in the trade streams or inside
 * a gap entry of {@code md:<exchange>:gaps}, with the reason that explains it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ReceiverGapsTest {

  private static Future<SimulatedExchange> exchange(Vertx vertx, List<String> instruments, double tradesPerSecond) {
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(instruments)
      .setTradesPerSecond(tradesPerSecond).setMinHeartbeatIntervalMs(500));
    return exchange.start(vertx).map(port -> exchange);
  }

  private static Future<Long> streamLengths(RedisResource redis, String exchange, List<String> instruments) {
    List<Future<Long>> lengths = new ArrayList<>();
    for (String instrument : instruments) {
      lengths.add(redis.send(Request.cmd(Command.XLEN).arg(Streams.key(exchange, Streams.TRADES, instrument)), true)
        .map(r -> r.toLong()));
    }
    return Future.all(lengths).map(all -> lengths.stream().mapToLong(Future::result).sum());
  }

  /** What was sent per instrument, stored per instrument, and the gap entries, read after the receiver stopped. */
  private record Outcome(Map<String, TreeSet<Long>> stored, List<GapEntry> gaps, Map<String, String> lastSeq) {
  }

  private static Future<Outcome> outcome(RedisResource redis, String exchange, List<String> instruments) {
    Map<String, TreeSet<Long>> stored = new HashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (String instrument : instruments) {
      chain = chain.compose(v -> ReceiverHarness.storedSeqs(redis, exchange, instrument).map(seqs -> {
        stored.put(instrument, seqs);
        return null;
      }));
    }
    return chain.compose(v -> ReceiverHarness.gaps(redis, exchange))
      .compose(gaps -> redis.send(Request.cmd(Command.HGETALL).arg(Streams.lastSeq(exchange)), true).map(hash -> {
        Map<String, String> last = new HashMap<>();
        for (String field : hash.getKeys()) {
          last.put(field, hash.get(field).toString());
        }
        return new Outcome(stored, gaps, last);
      }));
  }

  /** Every seq the exchange sent is stored or in a gap entry (trailing shed trades included), never both. */
  private static void assertSentIsStoredOrInAGap(SimulatedExchange exchange, List<String> instruments, Outcome o) {
    for (String instrument : instruments) {
      long first = exchange.stats().firstTradeSeqSent(instrument);
      long last = exchange.stats().lastTradeSeqSent(instrument);
      TreeSet<Long> stored = o.stored().get(instrument);
      TreeSet<Long> inGaps = covered(o.gaps(), instrument);
      assertThat(inGaps).as("gap seqs of %s are exactly the ones sent but not stored", instrument)
        .isEqualTo(missing(first, last, stored));
    }
  }

  @Test
  void aBurstBeyondTheBudgetIsShedCountedAndEveryShedTradeIsInAShedGap(Vertx vertx, VertxTestContext ctx) {
    List<String> instruments = List.of(unique("SA"), unique("SB"));
    String ex = unique("shed").toLowerCase();
    String service = unique("recv-shed").toLowerCase();
    long budgetBytes = 512 * 1024;
    PipelineAccess.open(vertx).compose(fx -> exchange(vertx, instruments, SimulatedExchangeOptions.MAX_RATE).compose(exchange -> {
      JsonObject config = PipelineAccess.config(receiver(service, ex, exchange.port(), instruments,
        new JsonObject().put("memoryBudgetBytes", budgetBytes)));
      return TradeKit.start(vertx, config)
        .compose(kit -> PipelineAccess.eventually(vertx, 60_000, () -> Future.succeededFuture(
            counter(vertx, "tradekit.receiver.shed.trades", "service", service) >= 5_000 && exchange.tradesSent() >= 30_000))
          .compose(v -> ReceiverHarness.silenceTrades(exchange, instruments))
          // Quiet: everything sent was either stored or shed.
          .compose(v -> PipelineAccess.eventually(vertx, 30_000, () -> streamLengths(fx.redis(), ex, instruments)
            .map(stored -> stored + (long) counter(vertx, "tradekit.receiver.shed.trades", "service", service) == exchange.tradesSent())))
          .compose(v -> kit.stop()))
        .compose(code -> outcome(fx.redis(), ex, instruments).map(o -> {
          ctx.verify(() -> {
            assertThat(code).isZero();
            double shed = counter(vertx, "tradekit.receiver.shed.trades", "service", service);
            assertThat(shed).as("trades shed").isGreaterThanOrEqualTo(5_000);
            assertThat(counter(vertx, "tradekit.receiver.shed.messages", "service", service)).as("messages shed").isPositive();
            assertThat(gauge(vertx, "tradekit.receiver.budget.peak.bytes", service)).as("peak of the budget")
              .isPositive().isLessThanOrEqualTo(budgetBytes);
            assertThat(gauge(vertx, "tradekit.receiver.budget.used.bytes", service)).as("budget used after the stop").isZero();
            assertSentIsStoredOrInAGap(exchange, instruments, o);
            assertThat(o.gaps()).allSatisfy(g -> {
              assertThat(g.reason()).isEqualTo("shed");
              assertThat(g.exchange()).isEqualTo(ex);
            });
            long inGaps = o.gaps().stream().mapToLong(GapEntry::size).sum();
            assertThat(inGaps).as("trades in gap entries").isEqualTo((long) shed);
            assertThat(counter(vertx, "tradekit.feed.gap.trades", "exchange", ex)).as("gap trades metric").isEqualTo(shed);
            for (String instrument : instruments) {
              assertThat(o.lastSeq().get(instrument)).as("lastseq of %s", instrument)
                .isEqualTo(Long.toString(o.stored().get(instrument).last()));
            }
          });
          return null;
        }))
        .eventually(exchange::stop);
    }).eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aDroppedConnectionLeavesAReconnectGapWithExactlyTheTradesNotReceived(Vertx vertx, VertxTestContext ctx) {
    List<String> instruments = List.of(unique("DA"), unique("DB"));
    String ex = unique("drop").toLowerCase();
    String service = unique("recv-drop").toLowerCase();
    PipelineAccess.open(vertx).compose(fx -> exchange(vertx, instruments, 2_000).compose(exchange -> {
      JsonObject config = PipelineAccess.config(receiver(service, ex, exchange.port(), instruments, new JsonObject()));
      return TradeKit.start(vertx, config)
        .compose(kit -> PipelineAccess.eventually(vertx, 30_000, () -> Future.succeededFuture(exchange.tradesSent() >= 1_000))
          .compose(v -> exchange.injectFault(Fault.of(Fault.Type.DROP, 600)))
          .compose(v -> PipelineAccess.eventually(vertx, 30_000, () -> Future.succeededFuture(
            counter(vertx, "tradekit.receiver.gaps", "service", service) >= instruments.size())))
          .compose(v -> ReceiverHarness.silenceTrades(exchange, instruments))
          .compose(v -> PipelineAccess.eventually(vertx, 30_000, () -> streamLengths(fx.redis(), ex, instruments)
            .map(stored -> stored == exchange.tradesSent())))
          .compose(v -> kit.stop()))
        .compose(code -> outcome(fx.redis(), ex, instruments).map(o -> {
          ctx.verify(() -> {
            assertThat(code).isZero();
            assertThat(counter(vertx, "tradekit.receiver.shed.trades", "service", service)).as("nothing shed").isZero();
            assertSentIsStoredOrInAGap(exchange, instruments, o);
            for (String instrument : instruments) {
              List<GapEntry> mine = o.gaps().stream().filter(g -> g.instrument().equals(instrument)).toList();
              assertThat(mine).as("gaps of %s", instrument).isNotEmpty()
                .allSatisfy(g -> assertThat(g.reason()).isEqualTo("reconnect"));
              // The range is exactly the seqs between the last trade before and the first after the drop.
              for (GapEntry g : mine) {
                TreeSet<Long> stored = o.stored().get(instrument);
                assertThat(stored).contains(g.from() - 1, g.to() + 1);
                assertThat(stored.subSet(g.from(), true, g.to(), true)).isEmpty();
              }
            }
          });
          return null;
        }))
        .eventually(exchange::stop);
    }).eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRestartWithLastseqBehindRecordsAStartupGapFromTheStoredSeq(Vertx vertx, VertxTestContext ctx) {
    List<String> instruments = List.of(unique("RA"), unique("RB"));
    String ex = unique("restart").toLowerCase();
    Map<String, Long> firstRun = new HashMap<>();
    PipelineAccess.open(vertx).compose(fx -> exchange(vertx, instruments, 1_000).compose(exchange -> {
      JsonObject first = PipelineAccess.config(receiver(unique("recv-a").toLowerCase(), ex, exchange.port(), instruments, new JsonObject()));
      String second = unique("recv-b").toLowerCase();
      return TradeKit.start(vertx, first)
        .compose(kit -> PipelineAccess.eventually(vertx, 30_000, () -> Future.succeededFuture(exchange.tradesSent() >= 500))
          .compose(v -> kit.stop()))
        .compose(code -> outcome(fx.redis(), ex, instruments)).map(o -> {
          ctx.verify(() -> {
            for (String instrument : instruments) {
              long stored = o.stored().get(instrument).last();
              assertThat(o.lastSeq().get(instrument)).as("lastseq of %s after the first run", instrument)
                .isEqualTo(Long.toString(stored));
              firstRun.put(instrument, stored);
            }
          });
          return null;
        })
        // The exchange goes on generating while no receiver listens.
        .compose(v -> {
          long generated = exchange.stats().tradesGenerated();
          return PipelineAccess.eventually(vertx, 30_000, () -> Future.succeededFuture(exchange.stats().tradesGenerated() > generated + 300));
        })
        .compose(v -> TradeKit.start(vertx, PipelineAccess.config(receiver(second, ex, exchange.port(), instruments, new JsonObject()))))
        .compose(kit -> PipelineAccess.eventually(vertx, 30_000, () -> Future.succeededFuture(
            counter(vertx, "tradekit.receiver.gaps", "service", second) >= instruments.size()))
          .compose(v -> kit.stop()))
        .compose(code -> outcome(fx.redis(), ex, instruments).map(o -> {
          ctx.verify(() -> {
            for (String instrument : instruments) {
              List<GapEntry> mine = o.gaps().stream().filter(g -> g.instrument().equals(instrument)).toList();
              long before = firstRun.get(instrument);
              long firstAfter = o.stored().get(instrument).higher(before);
              assertThat(mine).as("gaps of %s", instrument).hasSize(1);
              assertThat(mine.get(0).reason()).isEqualTo("startup");
              assertThat(mine.get(0).from()).isEqualTo(before + 1);
              assertThat(mine.get(0).to()).isEqualTo(firstAfter - 1);
              assertThat(firstAfter - 1).as("trades generated between the runs").isGreaterThan(before);
            }
          });
          return null;
        }))
        .eventually(exchange::stop);
    }).eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }
}
