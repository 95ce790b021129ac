package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP side: public methods (chart history, instruments) and the admin fault/stats API. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeHttpTest {

  private static final long DAY = 86_400_000L;

  private final List<SimulatedExchange> exchanges = new ArrayList<>();
  private WebClient web;

  @BeforeEach
  void client(Vertx vertx) {
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    List<Future<Void>> stops = new ArrayList<>();
    exchanges.forEach(e -> stops.add(e.stop()));
    Future.all(stops).onComplete(ctx.succeedingThenComplete());
  }

  private Future<Integer> start(Vertx vertx, long seed) {
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setSeed(seed).setTradesPerSecond(0));
    exchanges.add(exchange);
    return exchange.start(vertx);
  }

  private Future<HttpResponse<Buffer>> get(int port, String uri) {
    return web.get(port, "127.0.0.1", uri).send();
  }

  private Future<HttpResponse<Buffer>> send(int port, HttpMethod method, String uri, String body) {
    return web.request(method, port, "127.0.0.1", uri).sendBuffer(Buffer.buffer(body));
  }

  private static String chartUri(long start, long end, String resolution) {
    return "/api/v2/public/get_tradingview_chart_data?instrument_name=BTC-PERPETUAL&start_timestamp=" + start
      + "&end_timestamp=" + end + "&resolution=" + resolution;
  }

  @Test
  void chartDataIsDeterministicForASeedAndDiffersForAnother(Vertx vertx, VertxTestContext ctx) {
    long end = System.currentTimeMillis() - DAY;
    long start = end - DAY;
    String uri = chartUri(start, end, "60");
    Future.all(start(vertx, 7), start(vertx, 7), start(vertx, 8))
      .compose(all -> Future.all(get(all.resultAt(0), uri), get(all.resultAt(1), uri), get(all.resultAt(2), uri)))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        JsonObject a = all.<HttpResponse<Buffer>>resultAt(0).bodyAsJsonObject().getJsonObject("result");
        JsonObject b = all.<HttpResponse<Buffer>>resultAt(1).bodyAsJsonObject().getJsonObject("result");
        JsonObject c = all.<HttpResponse<Buffer>>resultAt(2).bodyAsJsonObject().getJsonObject("result");
        assertThat(a.getString("status")).isEqualTo("ok");
        JsonArray ticks = a.getJsonArray("ticks");
        assertThat(ticks.size()).isBetween(24, 25);
        assertThat(ticks.getLong(0) % 3_600_000).isZero();
        for (String key : List.of("open", "high", "low", "close", "volume", "cost")) {
          assertThat(a.getJsonArray(key).size()).as(key).isEqualTo(ticks.size());
        }
        for (int i = 0; i < ticks.size(); i++) {
          assertThat(a.getJsonArray("high").getDouble(i)).isGreaterThanOrEqualTo(a.getJsonArray("open").getDouble(i));
          assertThat(a.getJsonArray("low").getDouble(i)).isLessThanOrEqualTo(a.getJsonArray("close").getDouble(i));
        }
        assertThat(b).isEqualTo(a);
        assertThat(c.getJsonArray("close")).isNotEqualTo(a.getJsonArray("close"));
        ctx.completeNow();
      })));
  }

  @Test
  void chartDataBeforeTheHistoryStartIsNoDataAndABadResolutionIsRejectedByName(Vertx vertx, VertxTestContext ctx) {
    long longAgo = System.currentTimeMillis() - 400 * DAY;
    start(vertx, 1)
      .compose(port -> get(port, chartUri(longAgo, longAgo + DAY, "1D"))
        .compose(noData -> get(port, chartUri(longAgo, longAgo + DAY, "7")).map(bad -> List.of(noData, bad))))
      .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
        assertThat(replies.get(0).bodyAsJsonObject().getJsonObject("result").getString("status")).isEqualTo("no_data");
        assertThat(replies.get(1).statusCode()).isEqualTo(400);
        JsonObject error = replies.get(1).bodyAsJsonObject().getJsonObject("error");
        assertThat(error.getInteger("code")).isEqualTo(-32602);
        assertThat(error.getJsonObject("data").getString("param")).isEqualTo("resolution");
        ctx.completeNow();
      })));
  }

  @Test
  void getInstrumentsAndTestWorkOverHttp(Vertx vertx, VertxTestContext ctx) {
    start(vertx, 1)
      .compose(port -> get(port, "/api/v2/public/get_instruments?currency=BTC&kind=future")
        .compose(instruments -> get(port, "/api/v2/public/test").map(test -> List.of(instruments, test))))
      .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
        JsonArray instruments = replies.get(0).bodyAsJsonObject().getJsonArray("result");
        assertThat(instruments).hasSize(1);
        assertThat(instruments.getJsonObject(0).getString("instrument_name")).isEqualTo("BTC-PERPETUAL");
        assertThat(replies.get(1).bodyAsJsonObject().getJsonObject("result").getString("version")).isEqualTo("1.2.26");
        ctx.completeNow();
      })));
  }

  @Test
  void adminFaultsCanBeInjectedListedAndClearedAndStatsAreJson(Vertx vertx, VertxTestContext ctx) {
    start(vertx, 1)
      .compose(port -> send(port, HttpMethod.POST, "/admin/faults", "{\"type\":\"silence\",\"durationMs\":5000,\"channel\":\"trades.BTC-PERPETUAL.100ms\"}")
        .compose(posted -> get(port, "/admin/faults")
          .compose(listed -> send(port, HttpMethod.DELETE, "/admin/faults", "")
            .compose(cleared -> get(port, "/admin/stats").map(stats -> List.of(posted, listed, cleared, stats))))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(r.get(0).statusCode()).isEqualTo(200);
        JsonArray listed = r.get(1).bodyAsJsonObject().getJsonArray("faults");
        assertThat(listed).hasSize(1);
        assertThat(listed.getJsonObject(0).getString("type")).isEqualTo("silence");
        assertThat(listed.getJsonObject(0).getLong("remainingMs")).isBetween(1L, 5000L);
        assertThat(r.get(2).bodyAsJsonObject().getJsonArray("faults")).isEmpty();
        assertThat(r.get(3).bodyAsJsonObject().getLong("faultsInjected")).isEqualTo(1);
        ctx.completeNow();
      })));
  }

  @Test
  void badFaultInputIsA400NamingTheField(Vertx vertx, VertxTestContext ctx) {
    List<String> bodies = List.of(
      "{\"type\":\"meteor\",\"durationMs\":100}",
      "{\"type\":\"stall\"}",
      "{\"type\":\"silence\",\"durationMs\":100}",
      "{\"type\":\"stall\",\"durationMs\":100,\"channel\":\"x\"}",
      "{\"type\":\"stall\",\"durationMs\":100,\"colour\":\"red\"}",
      "{not json");
    List<String> fields = List.of("type", "durationMs", "channel", "channel", "colour", "body");
    start(vertx, 1)
      .compose(port -> {
        List<Future<HttpResponse<Buffer>>> replies = new ArrayList<>();
        bodies.forEach(b -> replies.add(send(port, HttpMethod.POST, "/admin/faults", b)));
        return Future.all(replies);
      })
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        for (int i = 0; i < bodies.size(); i++) {
          HttpResponse<Buffer> reply = all.resultAt(i);
          assertThat(reply.statusCode()).as(bodies.get(i)).isEqualTo(400);
          assertThat(reply.bodyAsJsonObject().getString("error")).as(bodies.get(i)).startsWith(fields.get(i) + ":");
        }
        ctx.completeNow();
      })));
  }
}
