package io.tradekit.verticles.pipeline;

import io.tradekit.supervisor.LifecycleEvents;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.janitor.JanitorTask;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class JanitorTest {

  private static final long DAY_MS = 86_400_000L;

  @Test
  void removesOnlyWhatIsOlderThanRetentionThenExitsZeroWithResourcesClosed(Vertx vertx, VertxTestContext ctx) {
    String instrument = "J-" + UUID.randomUUID().toString().substring(0, 8);
    String stream = "md:deribit:trades:" + instrument;
    long now = System.currentTimeMillis();
    OffsetDateTime old = OffsetDateTime.now(ZoneOffset.UTC).minusDays(3);
    OffsetDateTime fresh = OffsetDateTime.now(ZoneOffset.UTC).minusHours(1);
    List<String> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(LifecycleEvents.ADDRESS, m -> events.add(m.body().getString("event") + ":"
      + m.body().getString("service", m.body().getString("resource", String.valueOf(m.body().getValue("exitCode"))))));
    String insertTrade = "INSERT INTO trades (exchange, instrument, trade_id, trade_seq, price, amount, direction, ts) "
      + "VALUES ('deribit', $1, $2, $3, 100.5, 10, 'buy', $4)";
    String insertBar = "INSERT INTO ohlc (exchange, instrument, resolution, bucket_start, open, high, low, close, volume, source) "
      + "VALUES ('deribit', $1, '1', $2, 1, 1, 1, 1, 1, 'live')";
    JsonObject janitor = new JsonObject().put("name", "janitor").put("verticle", JanitorTask.class.getName())
      .put("kind", "task").put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("tradesRetentionMs", DAY_MS).put("ohlcRetentionMs", DAY_MS)
        .put("streamRetentionMs", DAY_MS).put("batchSize", 2).put("streamPattern", "md:deribit:trades:J-*"));
    PipelineFixture.open(vertx).compose(fx -> {
      Future<Void> seed = Future.succeededFuture();
      for (int i = 0; i < 5; i++) {
        int n = i;
        seed = seed.compose(v -> fx.pg.pool().preparedQuery(insertTrade).execute(Tuple.of(instrument, "old-" + n, n, old.minusMinutes(n))))
          .compose(v -> fx.pg.pool().preparedQuery(insertTrade).execute(Tuple.of(instrument, "new-" + n, 100 + n, fresh.minusMinutes(n))))
          .compose(v -> fx.pg.pool().preparedQuery(insertBar).execute(Tuple.of(instrument, old.minusMinutes(n))))
          .compose(v -> fx.pg.pool().preparedQuery(insertBar).execute(Tuple.of(instrument, fresh.minusMinutes(n))))
          .mapEmpty();
      }
      return seed
        .compose(v -> fx.redis.api().xadd(List.of(stream, (now - 3 * DAY_MS) + "-0", "k", "old")))
        .compose(v -> fx.redis.api().xadd(List.of(stream, "*", "k", "new")))
        // The old entry was delivered to and acknowledged by the stream's consumer group: trimmable.
        .compose(v -> fx.redis.api().xgroup(List.of("CREATE", stream, "distributor", "0")))
        .compose(v -> fx.redis.api().xreadgroup(List.of("GROUP", "distributor", "c", "COUNT", "1", "STREAMS", stream, ">")))
        .compose(v -> fx.redis.api().xack(List.of(stream, "distributor", (now - 3 * DAY_MS) + "-0")))
        .compose(v -> TradeKit.start(vertx, PipelineFixture.config(janitor)))
        .compose(TradeKit::terminated)
        .compose(code -> Future.all(
            DistributorAnalyzerTest.count(fx, "SELECT count(*) FROM trades WHERE instrument = $1 AND trade_id LIKE 'old-%'", instrument),
            DistributorAnalyzerTest.count(fx, "SELECT count(*) FROM trades WHERE instrument = $1 AND trade_id LIKE 'new-%'", instrument),
            DistributorAnalyzerTest.count(fx, "SELECT count(*) FROM ohlc WHERE instrument = $1", instrument),
            fx.redis.api().xlen(stream).map(r -> r.toLong()))
          .map(all -> {
            ctx.verify(() -> {
              assertThat(code).isZero();
              assertThat(all.<Long>resultAt(0)).as("old trades").isZero();
              assertThat(all.<Long>resultAt(1)).as("recent trades").isEqualTo(5);
              assertThat(all.<Long>resultAt(2)).as("recent bars only").isEqualTo(5);
              assertThat(all.<Long>resultAt(3)).as("recent stream entries only").isEqualTo(1);
              assertThat(events).containsSubsequence("service.completed:janitor", "service.stopped:janitor",
                "resource.closed:redis", "resource.closed:postgres", "supervisor.stopped:0");
            });
            return null;
          }))
        .eventually(fx::close);
    }).onComplete(ctx.succeedingThenComplete());
  }

  /**
   * The janitor trims only what every group acknowledged AND is past retention: dead letters and
   * gap records are never trimmed (even fully acknowledged and old), pending and undelivered entries
   * stay, a trades stream nobody has a group on stays whole, a ticker stream (read by no group) is
   * trimmed by age.
   */
  @Test
  void leavesDeadLettersGapRecordsAndUnacknowledgedEntriesInPlace(Vertx vertx, VertxTestContext ctx) {
    // "qzq..." so that the pattern md:[dq][ez][aq]* matches md:deadletter and this test's streams only.
    String exchange = "qzq" + UUID.randomUUID().toString().substring(0, 8);
    String trades = "md:" + exchange + ":trades:I";
    String orphan = "md:" + exchange + ":trades:NOGROUP";
    String ticker = "md:" + exchange + ":ticker:I";
    String gaps = "md:" + exchange + ":gaps";
    String deadLetter = "md:deadletter";
    String group = "janitor-test-" + exchange;
    JsonObject janitor = new JsonObject().put("name", "janitor").put("verticle", JanitorTask.class.getName())
      .put("kind", "task").put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("streamRetentionMs", 1).put("streamPattern", "md:[dq][ez][aq]*"));
    PipelineFixture.open(vertx).compose(fx -> {
      List<String> tradeIds = new ArrayList<>();
      Future<Void> seed = Future.succeededFuture();
      for (int i = 0; i < 5; i++) {
        seed = seed.compose(v -> fx.redis.send(Request.cmd(Command.XADD).arg(trades).arg("*").arg("k").arg("v"), false))
          .map(id -> {
            tradeIds.add(id.toString());
            return null;
          });
      }
      for (String key : List.of(orphan, ticker, gaps, deadLetter)) {
        seed = seed.compose(v -> fx.redis.send(Request.cmd(Command.XADD).arg(key).arg("*").arg("k").arg("v"), false).mapEmpty());
      }
      // trades: 1..2 acknowledged, 3 pending, 4..5 never delivered. gaps and dead letters: all acknowledged.
      seed = seed.compose(v -> consume(fx, trades, group, 3)).compose(v -> ack(fx, trades, group, tradeIds.subList(0, 2)))
        .compose(v -> consumeAndAckAll(fx, gaps, group)).compose(v -> consumeAndAckAll(fx, deadLetter, group));
      return seed
        .compose(v -> Future.all(xlen(fx, deadLetter), xlen(fx, gaps)))
        .compose(before -> vertx.timer(5).compose(t -> TradeKit.start(vertx, PipelineFixture.config(janitor)))
          .compose(TradeKit::terminated)
          .compose(code -> Future.all(xrangeIds(fx, trades), xlen(fx, orphan), xlen(fx, ticker), xlen(fx, gaps), xlen(fx, deadLetter))
            .map(after -> {
              ctx.verify(() -> {
                assertThat(code).isZero();
                assertThat(after.<List<String>>resultAt(0)).as("pending and undelivered entries stay")
                  .isEqualTo(tradeIds.subList(2, 5));
                assertThat(after.<Long>resultAt(1)).as("a trades stream without groups stays whole").isEqualTo(1);
                assertThat(after.<Long>resultAt(2)).as("a ticker stream is trimmed by age").isZero();
                assertThat(after.<Long>resultAt(3)).as("gap records untouched").isEqualTo(before.<Long>resultAt(1));
                assertThat(after.<Long>resultAt(4)).as("dead letters untouched").isEqualTo(before.<Long>resultAt(0));
              });
              return null;
            })))
        .eventually(() -> fx.redis.send(Request.cmd(Command.XGROUP).arg("DESTROY").arg(deadLetter).arg(group), false))
        .eventually(fx::close);
    }).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> consume(PipelineFixture fx, String stream, String group, int count) {
    return fx.redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(group).arg("0"), false)
      .compose(v -> fx.redis.send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg(group).arg("c").arg("COUNT").arg(count)
        .arg("STREAMS").arg(stream).arg(">"), false)).mapEmpty();
  }

  private static Future<Void> ack(PipelineFixture fx, String stream, String group, List<String> ids) {
    Request xack = Request.cmd(Command.XACK).arg(stream).arg(group);
    ids.forEach(xack::arg);
    return fx.redis.send(xack, true).mapEmpty();
  }

  private static Future<Void> consumeAndAckAll(PipelineFixture fx, String stream, String group) {
    return consume(fx, stream, group, 1_000_000).compose(v -> xrangeIds(fx, stream)).compose(ids -> ack(fx, stream, group, ids));
  }

  private static Future<List<String>> xrangeIds(PipelineFixture fx, String stream) {
    return fx.redis.send(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+"), true).map(reply -> {
      List<String> ids = new ArrayList<>();
      reply.forEach(entry -> ids.add(entry.get(0).toString()));
      return ids;
    });
  }

  private static Future<Long> xlen(PipelineFixture fx, String stream) {
    return fx.redis.send(Request.cmd(Command.XLEN).arg(stream), true).map(r -> r.toLong());
  }
}
