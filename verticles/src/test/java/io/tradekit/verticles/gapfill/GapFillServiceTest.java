package io.tradekit.verticles.gapfill;

import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.distributor.DistributorService;
import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.pipeline.PipelineAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gapfill service against real PostgreSQL and Redis (dev services), the simulated exchange's
 * history endpoint over real HTTP, and the real distributor: gap entries are written into
 * {@code md:<exchange>:gaps} by the test, as the receiver would.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class GapFillServiceTest {

  /** One isolated world per test: its own exchange name, instrument and simulated exchange. */
  private static final class World {
    final String exchangeName = "gf" + UUID.randomUUID().toString().substring(0, 8);
    final String instrument = "GF" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-PERPETUAL";
    final SimulatedExchange exchange;
    PipelineAccess fx;
    TradeKit kit;

    World(SimulatedExchangeOptions options) {
      exchange = new SimulatedExchange(options.setInstruments(List.of(instrument)));
    }

    long firstSeq() {
      return exchange.stats().firstTradeSeqGenerated(instrument);
    }

    /** Starts the exchange, waits for {@code trades} generated trades, then the distributor and gapfill. */
    Future<World> start(Vertx vertx, long trades, JsonObject gapfillConfig) {
      return exchange.start(vertx).compose(port -> PipelineAccess.open(vertx).compose(f -> {
        fx = f;
        return PipelineAccess.eventually(vertx, 20_000, () -> Future.succeededFuture(
          exchange.stats().lastTradeSeqGenerated(instrument) - firstSeq() + 1 >= trades));
      }).compose(v -> {
        JsonObject distributor = new JsonObject().put("name", "distributor").put("verticle", DistributorService.class.getName())
          .put("uses", new JsonArray().add("postgres").add("redis"))
          .put("config", new JsonObject().put("exchange", exchangeName).put("instruments", new JsonArray().add(instrument))
            .put("blockMs", 200));
        JsonObject gapfill = new JsonObject().put("name", "gapfill").put("verticle", GapFillService.class.getName())
          .put("dependsOn", new JsonArray().add("distributor"))
          .put("uses", new JsonArray().add("postgres").add("redis").add("exchange-http"))
          .put("config", new JsonObject().put("exchange", exchangeName).put("requestsPerSecond", 100).put("blockMs", 200)
            .put("retryInitialMs", 20).put("retryMaxMs", 100).mergeIn(gapfillConfig));
        JsonObject config = PipelineAccess.config(distributor, gapfill);
        config.getJsonObject("resources").put("exchange-http", new JsonObject().put("type", "http")
          .put("baseUrl", "http://127.0.0.1:" + port));
        return TradeKit.start(vertx, config);
      })).map(k -> {
        kit = k;
        return this;
      });
    }

    Future<Void> writeGap(long from, long to, long atMs) {
      return fx.redis().send(Request.cmd(Command.XADD).arg(Streams.gaps(exchangeName)).arg("*")
        .arg("ex").arg(exchangeName).arg("in").arg(instrument).arg("from").arg(from).arg("to").arg(to)
        .arg("reason").arg("jump").arg("at").arg(atMs), false).mapEmpty();
    }

    /** @return the gap's row once its status is no longer open */
    Future<Row> closedRow(Vertx vertx, long from) {
      String sql = "SELECT status, filled_at, filled_trades, error, to_seq, reason, detected_at FROM gaps "
        + "WHERE exchange = $1 AND instrument = $2 AND from_seq = $3";
      Row[] found = new Row[1];
      return PipelineAccess.eventually(vertx, 30_000, () -> fx.pg().query(sql, Tuple.of(exchangeName, instrument, from), true)
        .map(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          found[0] = row;
          return row != null && !"open".equals(row.getString("status"));
        })).map(v -> found[0]);
    }

    /** @return {count(*), count(DISTINCT trade_id)} of trades with seq in [from, to], once all are persisted */
    Future<long[]> persisted(Vertx vertx, long from, long to, long expected) {
      String sql = "SELECT count(*), count(DISTINCT trade_id) FROM trades WHERE exchange = $1 AND instrument = $2 "
        + "AND trade_seq BETWEEN $3 AND $4";
      long[] counts = new long[2];
      return PipelineAccess.eventually(vertx, 30_000, () -> fx.pg().query(sql, Tuple.of(exchangeName, instrument, from, to), true)
        .map(rows -> {
          Row row = rows.iterator().next();
          counts[0] = row.getLong(0);
          counts[1] = row.getLong(1);
          return counts[1] >= expected;
        })).map(v -> counts);
    }

    Future<Long> xlen() {
      return fx.redis().send(Request.cmd(Command.XLEN).arg(Streams.key(exchangeName, Streams.TRADES, instrument)), true)
        .map(r -> r.toLong());
    }

    Future<Void> close() {
      Future<Void> stopped = kit == null ? Future.succeededFuture() : kit.stop().mapEmpty();
      return stopped.eventually(exchange::stop)
        .eventually(() -> fx == null ? Future.<Void>succeededFuture() : fx.close());
    }
  }

  @Test
  void aGapEntryIsFilledIntoTheTradeStreamPersistedOnceAndItsRowClosedWithFillTime(Vertx vertx, VertxTestContext ctx) {
    World w = new World(new SimulatedExchangeOptions().setTradesPerSecond(2_000));
    long[] gap = new long[2];
    w.start(vertx, 1_500, new JsonObject().put("pageSize", 500))
      .compose(x -> {
        gap[0] = w.firstSeq() + 100;
        gap[1] = gap[0] + 1_199;
        return w.writeGap(gap[0], gap[1], System.currentTimeMillis());
      })
      .compose(v -> w.closedRow(vertx, gap[0]))
      .compose(row -> w.persisted(vertx, gap[0], gap[1], 1_200).compose(counts -> w.xlen()
        // The same gap reported again (a redelivery, a receiver retry): one row, nothing added twice.
        .compose(len -> w.writeGap(gap[0], gap[1], System.currentTimeMillis())
          // A sentinel behind it, older than the lookback (closed without a fetch): once its row is
          // closed, the single consumer has handled the duplicate before it.
          .compose(v -> w.writeGap(gap[1] + 10, gap[1] + 10, System.currentTimeMillis() - 7_200_000))
          .compose(v -> w.closedRow(vertx, gap[1] + 10))
          .compose(v -> w.persisted(vertx, gap[0], gap[1], 1_200))
          .compose(again -> w.xlen().map(lenAfter -> {
            ctx.verify(() -> {
              assertThat(row.getString("status")).isEqualTo("filled");
              assertThat(row.getOffsetDateTime("filled_at")).as("fill time").isNotNull();
              assertThat(row.getInteger("filled_trades")).isEqualTo(1_200);
              assertThat(row.getString("error")).isNull();
              assertThat(row.getLong("to_seq")).isEqualTo(gap[1]);
              assertThat(row.getString("reason")).isEqualTo("jump");
              assertThat(len).as("stream entries written by the fill").isEqualTo(1_200);
              assertThat(counts[0]).as("rows in trades").isEqualTo(1_200);
              assertThat(counts[1]).as("distinct trade ids").isEqualTo(1_200);
              assertThat(again[0]).as("rows after the duplicate gap entry").isEqualTo(1_200);
              assertThat(lenAfter).as("a closed gap is not fetched again").isEqualTo(len);
            });
            return null;
          })))))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aGapOlderThanTheExchangeHistoryBecomesUnfillableWithTheReasonAndStaysVisible(Vertx vertx, VertxTestContext ctx) {
    World w = new World(new SimulatedExchangeOptions().setTradesPerSecond(2_000).setTradeHistorySize(200));
    long[] gap = new long[2];
    w.start(vertx, 1_000, new JsonObject())
      .compose(x -> {
        gap[0] = w.firstSeq() + 10;
        gap[1] = gap[0] + 49;
        return w.writeGap(gap[0], gap[1], System.currentTimeMillis());
      })
      .compose(v -> w.closedRow(vertx, gap[0]))
      .compose(row -> readinessData(vertx, w).compose(ready -> w.xlen().map(len -> {
        ctx.verify(() -> {
          assertThat(ready.getLong("unfillableGaps")).as("readiness data %s", ready).isEqualTo(1);
          assertThat(ready.getLong("openGaps")).as("readiness data %s", ready).isZero();
          assertThat(row.getString("status")).isEqualTo("unfillable");
          assertThat(row.getOffsetDateTime("filled_at")).isNull();
          assertThat(row.getInteger("filled_trades")).isZero();
          assertThat(row.getString("error")).contains("50 of 50").contains("no longer at the exchange")
            .contains("trade_seq " + gap[0] + ".." + gap[1]);
          assertThat(len).isZero();
        });
        return null;
      })))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  /** @return the data of the readiness procedure checks/gapfill/gaps from {@code /health/ready} */
  private static Future<JsonObject> readinessData(Vertx vertx, World w) {
    return io.vertx.ext.web.client.WebClient.create(vertx).get(w.kit.adminPort(), "127.0.0.1", "/health/ready").send()
      .map(response -> {
        JsonObject node = response.bodyAsJsonObject();
        for (String id : List.of("checks", "gapfill", "gaps")) {
          JsonObject next = null;
          JsonArray checks = node.getJsonArray("checks", new JsonArray());
          for (int i = 0; i < checks.size(); i++) {
            if (id.equals(checks.getJsonObject(i).getString("id"))) {
              next = checks.getJsonObject(i);
            }
          }
          if (next == null) {
            throw new AssertionError("no check " + id + " in " + response.bodyAsString());
          }
          node = next;
        }
        return node.getJsonObject("data", new JsonObject());
      });
  }

  @Test
  void aGapDetectedBeforeTheLookbackIsUnfillableWithoutFetching(Vertx vertx, VertxTestContext ctx) {
    World w = new World(new SimulatedExchangeOptions().setTradesPerSecond(2_000));
    long[] gap = new long[1];
    w.start(vertx, 300, new JsonObject().put("lookbackMs", 60_000))
      .compose(x -> {
        gap[0] = w.firstSeq() + 10;
        return w.writeGap(gap[0], gap[0] + 99, System.currentTimeMillis() - 120_000);
      })
      .compose(v -> w.closedRow(vertx, gap[0]))
      .compose(row -> w.xlen().map(len -> {
        ctx.verify(() -> {
          assertThat(row.getString("status")).isEqualTo("unfillable");
          assertThat(row.getString("error")).contains("lookbackMs=60000");
          assertThat(len).as("nothing fetched").isZero();
        });
        return null;
      }))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void http429WithRetryAfterAnd10028InTheBodyAreRetriedAndTheGapStillFills(Vertx vertx, VertxTestContext ctx) {
    World w = new World(new SimulatedExchangeOptions().setTradesPerSecond(2_000));
    long[] gap = new long[2];
    long[] writtenAt = new long[1];
    w.start(vertx, 800, new JsonObject().put("pageSize", 1000))
      .compose(x -> w.exchange.injectFault(Fault.http(Fault.Type.HTTP_429, 2, 1)))
      .compose(x -> w.exchange.injectFault(Fault.http(Fault.Type.HTTP_10028, 2, 0)))
      .compose(x -> {
        gap[0] = w.firstSeq() + 50;
        gap[1] = gap[0] + 599;
        writtenAt[0] = System.currentTimeMillis();
        return w.writeGap(gap[0], gap[1], writtenAt[0]);
      })
      .compose(v -> w.closedRow(vertx, gap[0]))
      .compose(row -> {
        long elapsedMs = System.currentTimeMillis() - writtenAt[0];
        return w.persisted(vertx, gap[0], gap[1], 600).compose(counts -> w.exchange.activeFaults().map(faults -> {
          ctx.verify(() -> {
            assertThat(row.getString("status")).as("error: %s", row.getString("error")).isEqualTo("filled");
            assertThat(row.getInteger("filled_trades")).isEqualTo(600);
            assertThat(counts[1]).isEqualTo(600);
            assertThat(faults).as("every injected rate-limit reply was used").isEmpty();
            assertThat(w.exchange.stats().errorsSent()).as("rate-limit replies sent").isEqualTo(4);
            assertThat(elapsedMs).as("two Retry-After: 1 honoured (backoff alone is <= 100 ms)").isGreaterThanOrEqualTo(2_000);
          });
          return null;
        }));
      })
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theShippedConfigsRunGapfillAfterTheReceiverWithAValidBlock(VertxTestContext ctx) throws Exception {
    for (String file : List.of("config.json", "production.json")) {
      JsonObject json = new JsonObject(java.nio.file.Files.readString(
        java.nio.file.Path.of(System.getProperty("tradekit.root", ".."), "conf", file)));
      JsonArray services = json.getJsonArray("services");
      int receiver = -1;
      JsonObject gapfill = null;
      for (int i = 0; i < services.size(); i++) {
        JsonObject s = services.getJsonObject(i);
        if ("receiver".equals(s.getString("name"))) {
          receiver = i;
        } else if (GapFillService.class.getName().equals(s.getString("verticle"))) {
          gapfill = s;
          int at = i;
          int receiverAt = receiver;
          ctx.verify(() -> assertThat(at).as("%s: gapfill after the receiver", file).isGreaterThan(receiverAt).isPositive());
        }
      }
      JsonObject block = gapfill;
      ctx.verify(() -> {
        assertThat(block).as("%s: a gapfill service", file).isNotNull();
        assertThat(block.getJsonArray("dependsOn")).as(file).contains("receiver");
        assertThat(block.getJsonArray("uses")).as(file).contains("postgres", "redis", "exchange-http");
        new GapFillService().validateConfig(io.tradekit.config.ConfigReader.of(block.getJsonObject("config"),
          "services[gapfill].config"));
      });
    }
    ctx.completeNow();
  }

  @Test
  void invalidConfigIsRejectedNamingTheKey(VertxTestContext ctx) {
    ctx.verify(() -> org.assertj.core.api.Assertions.assertThatThrownBy(() ->
        new GapFillOptions(new JsonObject().put("pageSize", 5_000)))
      .hasMessageContaining("config.pageSize"));
    ctx.verify(() -> org.assertj.core.api.Assertions.assertThatThrownBy(() ->
        new GapFillOptions(new JsonObject().put("requestPerSecond", 5)))
      .hasMessageContaining("requestPerSecond"));
    ctx.completeNow();
  }
}
