package io.tradekit.verticles.pipeline;

import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.backfill.BackfillTask;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class BackfillTest {

  private static JsonObject config(int httpPort, String instrument, JsonObject extra) {
    JsonObject taskConfig = new JsonObject().put("instruments", new JsonArray().add(instrument)).put("lookbackMs", 3_600_000)
      .put("chunkBars", 17).put("maxConcurrency", 3).put("requestsPerSecond", 100).put("retryInitialMs", 10)
      .put("retryMaxMs", 50).mergeIn(extra);
    JsonObject config = PipelineFixture.config(new JsonObject().put("name", "backfill").put("verticle", BackfillTask.class.getName())
      .put("kind", "task").put("uses", new JsonArray().add("postgres").add("exchange-http")).put("config", taskConfig));
    config.getJsonObject("resources").put("exchange-http", new JsonObject().put("type", "http")
      .put("baseUrl", "http://127.0.0.1:" + httpPort));
    return config;
  }

  private static Future<Integer> runTask(Vertx vertx, JsonObject config) {
    return TradeKit.start(vertx, config).compose(TradeKit::terminated);
  }

  private static Future<List<Row>> bars(PipelineFixture fx, String instrument) {
    return fx.pg.pool().preparedQuery("SELECT (extract(epoch FROM bucket_start) * 1000)::bigint AS t, open, close, source "
        + "FROM ohlc WHERE instrument = $1 AND resolution = '1' ORDER BY bucket_start")
      .execute(Tuple.of(instrument)).map(rows -> {
        List<Row> list = new ArrayList<>();
        rows.forEach(list::add);
        return list;
      });
  }

  @Test
  void fillsTheMissingRangeWithExactlyTheServedBarsAndIsIdempotent(Vertx vertx, VertxTestContext ctx) {
    String instrument = "BF" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-PERPETUAL";
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(instrument))
      .setTradesPerSecond(0).setHistoryStartMs(System.currentTimeMillis() - 3 * 3_600_000L));
    PipelineFixture.open(vertx).compose(fx -> exchange.start(vertx).compose(port -> runTask(vertx, config(port, instrument, new JsonObject()))
      .compose(code -> bars(fx, instrument).compose(first -> {
        long from = first.get(0).getLong("t");
        long to = first.get(first.size() - 1).getLong("t");
        return WebClient.create(vertx).getAbs("http://127.0.0.1:" + port + "/api/v2/public/get_tradingview_chart_data")
          .addQueryParam("instrument_name", instrument).addQueryParam("start_timestamp", Long.toString(from))
          .addQueryParam("end_timestamp", Long.toString(to)).addQueryParam("resolution", "1").send()
          .compose(served -> runTask(vertx, config(port, instrument, new JsonObject())).compose(secondCode -> bars(fx, instrument)
            .map(second -> {
              JsonObject result = served.bodyAsJsonObject().getJsonObject("result");
              ctx.verify(() -> {
                assertThat(code).isZero();
                assertThat(secondCode).isZero();
                assertThat(first.size()).as("bars in a one-hour window").isBetween(59, 61);
                assertThat(result.getJsonArray("ticks").size()).as("served == stored").isEqualTo(first.size());
                for (int i = 0; i < first.size(); i++) {
                  assertThat(first.get(i).getLong("t")).isEqualTo(result.getJsonArray("ticks").getLong(i));
                  assertThat(first.get(i).getBigDecimal("open")).isEqualByComparingTo(result.getJsonArray("open").getValue(i).toString());
                  assertThat(first.get(i).getBigDecimal("close")).isEqualByComparingTo(result.getJsonArray("close").getValue(i).toString());
                  assertThat(first.get(i).getString("source")).isEqualTo("backfill");
                }
                assertThat(second.size()).as("second run adds nothing missing").isBetween(first.size(), first.size() + 1);
              });
              return null;
            })));
      }))
      .eventually(exchange::stop))
      .eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  /** A real HTTP server standing in for an exchange that misbehaves in a scripted way. */
  private static Future<HttpServer> scriptedExchange(Vertx vertx, AtomicInteger requests, int... statuses) {
    return vertx.createHttpServer().requestHandler(req -> {
      int n = requests.getAndIncrement();
      int status = n < statuses.length ? statuses[n] : 200;
      if (status != 200) {
        req.response().setStatusCode(status).end("{\"error\":\"scripted " + status + "\"}");
        return;
      }
      long start = Long.parseLong(req.getParam("start_timestamp"));
      long end = Long.parseLong(req.getParam("end_timestamp"));
      JsonArray ticks = new JsonArray();
      JsonArray price = new JsonArray();
      for (long t = start; t <= end; t += 60_000) {
        ticks.add(t);
        price.add("100.5");
      }
      JsonObject result = new JsonObject().put("status", "ok").put("ticks", ticks).put("open", price).put("high", price)
        .put("low", price).put("close", price).put("volume", price);
      req.response().end(new JsonObject().put("jsonrpc", "2.0").put("result", result).encode().replace("\"100.5\"", "100.5"));
    }).listen(0);
  }

  @Test
  void retriesTooManyRequestsAndServerErrorsThenSucceeds(Vertx vertx, VertxTestContext ctx) {
    String instrument = "BR-" + UUID.randomUUID().toString().substring(0, 8);
    AtomicInteger requests = new AtomicInteger();
    PipelineFixture.open(vertx).compose(fx -> scriptedExchange(vertx, requests, 429, 503).compose(server ->
      runTask(vertx, config(server.actualPort(), instrument, new JsonObject().put("lookbackMs", 300_000).put("maxConcurrency", 1)))
        .compose(code -> bars(fx, instrument).map(bars -> {
          ctx.verify(() -> {
            assertThat(code).isZero();
            assertThat(requests.get()).as("two retried failures, then one success").isEqualTo(3);
            assertThat(bars).isNotEmpty().allSatisfy(b -> assertThat(b.getBigDecimal("open")).isEqualByComparingTo("100.5"));
          });
          return null;
        }))
        .eventually(server::close))
      .eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badRequestIsNotRetriedAndFailsTheTask(Vertx vertx, VertxTestContext ctx) {
    String instrument = "BX-" + UUID.randomUUID().toString().substring(0, 8);
    AtomicInteger requests = new AtomicInteger();
    PipelineFixture.open(vertx).compose(fx -> scriptedExchange(vertx, requests, 400, 400, 400).compose(server ->
      runTask(vertx, config(server.actualPort(), instrument, new JsonObject().put("lookbackMs", 300_000).put("maxConcurrency", 1)))
        .map(code -> {
          ctx.verify(() -> {
            assertThat(code).as("a failed task exits 1").isEqualTo(1);
            assertThat(requests.get()).as("no retry of a 400").isEqualTo(1);
          });
          return null;
        })
        .eventually(server::close))
      .eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }
}
