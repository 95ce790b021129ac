package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trade history ({@code public/get_last_trades_by_instrument} by trade_seq, over HTTP and
 * JSON-RPC), the withhold fault (a silent gap on an open socket) and the HTTP rate-limit faults.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeTradeHistoryTest {

  private static final String BTC = "BTC-PERPETUAL";
  private static final String BTC_TRADES = "trades.BTC-PERPETUAL.100ms";

  private SimulatedExchange exchange;
  private WebClient web;

  @BeforeEach
  void client(Vertx vertx) {
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  private Future<Integer> start(Vertx vertx, SimulatedExchangeOptions options) {
    exchange = new SimulatedExchange(options.setInstruments(List.of(BTC)).setMinHeartbeatIntervalMs(200));
    return exchange.start(vertx);
  }

  /** Completes once {@code condition} holds, checked every 20 ms on a timer (no thread blocked). */
  private static Future<Void> until(Vertx vertx, BooleanSupplier condition) {
    Promise<Void> done = Promise.promise();
    long timer = vertx.setPeriodic(20, t -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(t);
        done.tryComplete();
      }
    });
    return done.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private Future<HttpResponse<Buffer>> lastTrades(long startSeq, long endSeq, int count, String sorting) {
    return web.get(exchange.port(), "127.0.0.1", "/api/v2/public/get_last_trades_by_instrument")
      .addQueryParam("instrument_name", BTC).addQueryParam("start_seq", Long.toString(startSeq))
      .addQueryParam("end_seq", Long.toString(endSeq)).addQueryParam("count", Integer.toString(count))
      .addQueryParam("sorting", sorting).send();
  }

  private static List<Long> seqs(JsonObject result) {
    List<Long> seqs = new ArrayList<>();
    result.getJsonArray("trades").forEach(t -> seqs.add(((JsonObject) t).getLong("trade_seq")));
    return seqs;
  }

  private static List<Long> range(long from, long to) {
    List<Long> list = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      list.add(s);
    }
    return list;
  }

  @Test
  void historyEndpointPagesAscendingBySeqWithHasMoreAndNewestFirstWhenDescending(Vertx vertx, VertxTestContext ctx) {
    long[] first = new long[1];
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(5_000))
      .compose(port -> until(vertx, () -> exchange.stats().lastTradeSeqGenerated(BTC)
        - exchange.stats().firstTradeSeqGenerated(BTC) >= 2_500))
      .compose(v -> {
        first[0] = exchange.stats().firstTradeSeqGenerated(BTC);
        long end = first[0] + 2_499;
        return Future.all(lastTrades(first[0], end, 1000, "asc"), lastTrades(first[0] + 1000, end, 1000, "asc"),
          lastTrades(first[0] + 2000, end, 1000, "asc"), lastTrades(first[0], end, 5, "desc"));
      })
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        long f = first[0];
        JsonObject[] pages = new JsonObject[4];
        for (int i = 0; i < 4; i++) {
          HttpResponse<Buffer> response = all.resultAt(i);
          assertThat(response.statusCode()).as("page %d: %s", i, response.bodyAsString()).isEqualTo(200);
          pages[i] = response.bodyAsJsonObject().getJsonObject("result");
        }
        assertThat(seqs(pages[0])).containsExactlyElementsOf(range(f, f + 999));
        assertThat(pages[0].getBoolean("has_more")).isTrue();
        assertThat(seqs(pages[1])).containsExactlyElementsOf(range(f + 1000, f + 1999));
        assertThat(pages[1].getBoolean("has_more")).isTrue();
        assertThat(seqs(pages[2])).containsExactlyElementsOf(range(f + 2000, f + 2499));
        assertThat(pages[2].getBoolean("has_more")).as("last page").isFalse();
        assertThat(seqs(pages[3])).containsExactly(f + 2499, f + 2498, f + 2497, f + 2496, f + 2495);
        assertThat(pages[3].getBoolean("has_more")).isTrue();
        JsonObject trade = pages[0].getJsonArray("trades").getJsonObject(0);
        assertThat(trade.fieldNames()).containsExactlyInAnyOrder("trade_seq", "trade_id", "timestamp", "tick_direction",
          "price", "mark_price", "instrument_name", "index_price", "direction", "amount");
        assertThat(trade.getString("instrument_name")).isEqualTo(BTC);
        ctx.completeNow();
      })));
  }

  @Test
  void historyOverJsonRpcReturnsTheVeryTradeObjectsTheTradesChannelSent(Vertx vertx, VertxTestContext ctx) {
    Map<Long, JsonObject> streamed = new LinkedHashMap<>();
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(500))
      .compose(port -> TestClient.connect(vertx, port))
      .compose(client -> client.onNotification(frame -> {
          JsonArray data = frame.object().getJsonObject("params").getJsonArray("data");
          data.forEach(t -> streamed.put(((JsonObject) t).getLong("trade_seq"), (JsonObject) t));
        })
        .subscribe(BTC_TRADES)
        .compose(r -> until(vertx, () -> streamed.size() >= 200))
        .compose(v -> {
          long from = streamed.keySet().iterator().next();
          return client.call("public/get_last_trades_by_instrument", new JsonObject().put("instrument_name", BTC)
            .put("start_seq", from).put("end_seq", from + 149).put("count", 1000).put("sorting", "asc"));
        }))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        JsonArray trades = reply.getJsonObject("result").getJsonArray("trades");
        assertThat(trades.size()).isEqualTo(150);
        assertThat(reply.getJsonObject("result").getBoolean("has_more")).isFalse();
        for (Object t : trades) {
          JsonObject trade = (JsonObject) t;
          assertThat(trade).isEqualTo(streamed.get(trade.getLong("trade_seq")));
        }
        ctx.completeNow();
      })));
  }

  @Test
  void tradesOlderThanTheHistoryAnswerAnEmptyPage(Vertx vertx, VertxTestContext ctx) {
    long[] first = new long[1];
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(5_000).setTradeHistorySize(100))
      .compose(port -> until(vertx, () -> exchange.stats().lastTradeSeqGenerated(BTC)
        - exchange.stats().firstTradeSeqGenerated(BTC) >= 300))
      .compose(v -> {
        first[0] = exchange.stats().firstTradeSeqGenerated(BTC);
        return lastTrades(first[0], first[0] + 49, 1000, "asc");
      })
      .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject result = response.bodyAsJsonObject().getJsonObject("result");
        assertThat(result.getJsonArray("trades")).isEmpty();
        assertThat(result.getBoolean("has_more")).isFalse();
        ctx.completeNow();
      })));
  }

  @Test
  void withholdSilentlySkipsExactlyTheNextNTradesOnAnOpenSocket(Vertx vertx, VertxTestContext ctx) {
    List<Long> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    long[] injectedAfter = new long[1];
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(1_000))
      .compose(port -> TestClient.connect(vertx, port))
      .compose(client -> client.onNotification(frame -> frame.object().getJsonObject("params").getJsonArray("data")
          .forEach(t -> received.add(((JsonObject) t).getLong("trade_seq"))))
        .setHeartbeat(0.3)
        .compose(r -> client.subscribe(BTC_TRADES))
        .compose(r -> until(vertx, () -> received.size() >= 50))
        .compose(v -> {
          injectedAfter[0] = exchange.stats().lastTradeSeqGenerated(BTC);
          return exchange.injectFault(Fault.withhold(250));
        })
        .compose(v -> until(vertx, () -> exchange.stats().tradesWithheld() == 250
          && received.get(received.size() - 1) > injectedAfter[0] + 400))
        .compose(v -> client.awaitFrame(TestClient.heartbeat("test_request")).map(f -> client)))
      .onComplete(ctx.succeeding(client -> ctx.verify(() -> {
        List<Long> missing = new ArrayList<>();
        for (int i = 1; i < received.size(); i++) {
          for (long s = received.get(i - 1) + 1; s < received.get(i); s++) {
            missing.add(s);
          }
        }
        assertThat(missing).as("one silent gap of exactly the withheld trades").hasSize(250);
        assertThat(missing.get(249) - missing.get(0)).as("consecutive").isEqualTo(249);
        assertThat(missing.get(0)).isGreaterThan(injectedAfter[0]);
        assertThat(client.ws.isClosed()).as("no disconnect").isFalse();
        assertThat(exchange.stats().connectionsTotal()).isEqualTo(1);
        ctx.completeNow();
      })));
  }

  @Test
  void http429CarriesRetryAfterAndHttp10028ComesInTheBodyForTheConfiguredNumberOfRequests(Vertx vertx,
                                                                                        VertxTestContext ctx) {
    List<HttpResponse<Buffer>> responses = new ArrayList<>();
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(1_000))
      .compose(port -> until(vertx, () -> exchange.stats().lastTradeSeqGenerated(BTC) > 0))
      .compose(v -> exchange.injectFault(Fault.http(Fault.Type.HTTP_429, 2, 3)))
      .compose(v -> get(responses)).compose(v -> get(responses)).compose(v -> get(responses))
      .compose(v -> exchange.injectFault(Fault.fromJson(new JsonObject().put("type", "http_10028").put("count", 1))))
      .compose(v -> get(responses)).compose(v -> get(responses))
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        assertThat(responses.get(0).statusCode()).isEqualTo(429);
        assertThat(responses.get(0).getHeader("Retry-After")).isEqualTo("3");
        assertThat(responses.get(1).statusCode()).isEqualTo(429);
        assertThat(responses.get(2).statusCode()).as("count used up").isEqualTo(200);
        assertThat(responses.get(3).statusCode()).isEqualTo(400);
        assertThat(responses.get(3).bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(10028);
        assertThat(responses.get(4).statusCode()).isEqualTo(200);
        ctx.completeNow();
      })));
  }

  private Future<Void> get(List<HttpResponse<Buffer>> responses) {
    long last = exchange.stats().lastTradeSeqGenerated(BTC);
    return lastTrades(last - 5, last, 10, "asc").map(r -> {
      responses.add(r);
      return null;
    });
  }

  @Test
  void faultJsonAcceptsACountInsteadOfADurationOnlyForCountableTypes(VertxTestContext ctx) {
    ctx.verify(() -> {
      Fault withhold = Fault.fromJson(new JsonObject().put("type", "withhold").put("count", 500));
      assertThat(withhold.count()).isEqualTo(500);
      assertThat(withhold.durationMs()).isEqualTo(Fault.MAX_DURATION_MS);
      assertThat(Fault.fromJson(withhold.toJson()).toJson()).isEqualTo(withhold.toJson());
      assertThat(Fault.fromJson(new JsonObject().put("type", "withhold").put("durationMs", 800)).count()).isZero();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Fault.fromJson(new JsonObject().put("type", "stall").put("count", 5)))
        .hasMessageStartingWith("count:");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Fault.fromJson(new JsonObject().put("type", "withhold").put("count", 0)))
        .hasMessageStartingWith("count:");
    });
    ctx.completeNow();
  }
}
