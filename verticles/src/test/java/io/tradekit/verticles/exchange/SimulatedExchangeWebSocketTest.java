package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON-RPC core of the simulated exchange over a real WebSocket: heartbeats, subscribe, data. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeWebSocketTest {

  private static final String BTC = "BTC-PERPETUAL";
  private static final String ETH = "ETH-PERPETUAL";

  private SimulatedExchange exchange;

  private Future<TestClient> start(Vertx vertx, SimulatedExchangeOptions options) {
    exchange = new SimulatedExchange(options.setMinHeartbeatIntervalMs(200));
    return exchange.start(vertx).compose(port -> TestClient.connect(vertx, port));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void setHeartbeatIsFollowedByHeartbeatsAndTestRequestsThatTheClientAnswers(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0))
      .compose(client -> client.setHeartbeat(0.3)
        .compose(reply -> {
          ctx.verify(() -> assertThat(reply.getString("result")).isEqualTo("ok"));
          return client.awaitFrame(TestClient.heartbeat("heartbeat"));
        })
        .compose(f -> client.awaitFrame(TestClient.heartbeat("test_request")))
        // The second test_request proves the first was answered in time (else the socket closes).
        .compose(f -> client.awaitFrame(x -> TestClient.heartbeat("test_request").test(x) && x != f)))
      .onComplete(ctx.succeeding(f -> ctx.verify(() -> {
        assertThat(exchange.stats().testRequestsSent()).isGreaterThanOrEqualTo(2);
        assertThat(exchange.stats().testRequestsAnswered()).isGreaterThanOrEqualTo(1);
        assertThat(exchange.stats().heartbeatTimeouts()).isZero();
        ctx.completeNow();
      })));
  }

  @Test
  void unansweredTestRequestMakesTheServerCloseTheConnection(Vertx vertx, VertxTestContext ctx) {
    long[] startedAt = new long[1];
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0))
      .compose(client -> {
        client.answerTestRequests(false);
        startedAt[0] = System.currentTimeMillis();
        return client.setHeartbeat(0.3).compose(r -> client.closed());
      })
      .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
        assertThat(code).isEqualTo((short) 1000);
        assertThat(System.currentTimeMillis() - startedAt[0]).isGreaterThanOrEqualTo(550);
        assertThat(exchange.stats().heartbeatTimeouts()).isEqualTo(1);
        ctx.completeNow();
      })));
  }

  @Test
  void heartbeatIntervalBelowTheMinimumIsRejectedNamingTheParameter(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0))
      .compose(client -> client.setHeartbeat(0.05))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
        assertThat(reply.getJsonObject("error").getJsonObject("data").getString("param")).isEqualTo("interval");
        ctx.completeNow();
      })));
  }

  @Test
  void subscribeResultOmitsRejectedChannelsAndIsEmptyWhenAllAreRejected(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0))
      .compose(client -> client.subscribe("trades." + BTC + ".100ms", "trades.NOPE-PERPETUAL.100ms",
          "trades." + BTC + ".1s", "book." + ETH + ".agg2", "not a channel", "chart.trades." + BTC + ".60")
        .compose(first -> client.subscribe("trades.NOPE.100ms", "ticker." + BTC + ".5s")
          .map(second -> List.of(first, second))))
      .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(results.get(0)).containsExactly("trades." + BTC + ".100ms", "book." + ETH + ".agg2",
          "chart.trades." + BTC + ".60");
        assertThat(results.get(1)).isEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  void unknownMethodBadParamsAndInvalidJsonGetErrorsThatNameTheProblem(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0))
      .compose(client -> client.call("public/nope", new JsonObject())
        .compose(unknown -> client.call("public/subscribe", new JsonObject().put("channels", "trades"))
          .compose(badParams -> {
            client.ws.writeTextMessage("{not json");
            return client.awaitFrame(f -> f.object() != null && f.object().getJsonObject("error") != null
                && f.object().getJsonObject("error").getInteger("code") == -32700)
              .map(parse -> List.of(unknown, badParams, parse.object()));
          })))
      .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
        assertThat(replies.get(0).getJsonObject("error").getInteger("code")).isEqualTo(-32601);
        assertThat(replies.get(0).getJsonObject("error").encode()).contains("public/nope");
        assertThat(replies.get(1).getJsonObject("error").getInteger("code")).isEqualTo(-32602);
        assertThat(replies.get(1).getJsonObject("error").getJsonObject("data").getString("param")).isEqualTo("channels");
        assertThat(replies.get(2).getValue("id")).isNull();
        ctx.completeNow();
      })));
  }

  @Test
  void tradesFlowWithConsecutiveTradeSeqAndExactlyTheCountsTheStatsReport(Vertx vertx, VertxTestContext ctx) {
    Map<String, List<JsonObject>> received = new HashMap<>();
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(400))
      .compose(client -> {
        client.onNotification(f -> {
          JsonArray data = f.object().getJsonObject("params").getJsonArray("data");
          synchronized (received) {
            for (int i = 0; i < data.size(); i++) {
              JsonObject t = data.getJsonObject(i);
              received.computeIfAbsent(t.getString("instrument_name"), k -> new ArrayList<>()).add(t);
            }
          }
        });
        return client.subscribe("trades." + BTC + ".100ms", "trades." + ETH + ".100ms")
          .compose(r -> client.awaitFrame(f -> exchange.tradesSent() >= 200))
          // Replies are ordered after every notification written before them, and none follow.
          .compose(f -> client.call("public/unsubscribe_all", new JsonObject()));
      })
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        synchronized (received) {
          long total = 0;
          for (String instrument : List.of(BTC, ETH)) {
            List<JsonObject> trades = received.get(instrument);
            assertThat(trades).isNotEmpty();
            total += trades.size();
            for (int i = 1; i < trades.size(); i++) {
              assertThat(trades.get(i).getLong("trade_seq")).isEqualTo(trades.get(i - 1).getLong("trade_seq") + 1);
              assertThat(Long.parseLong(trades.get(i).getString("trade_id")))
                .isGreaterThan(Long.parseLong(trades.get(i - 1).getString("trade_id")));
            }
            JsonObject last = trades.get(trades.size() - 1);
            assertThat(last.getLong("trade_seq")).isEqualTo(exchange.lastTradeSeqSent(instrument));
            assertThat(exchange.tradesSent(instrument)).isEqualTo(trades.size());
            for (JsonObject t : trades) {
              assertThat(new BigDecimal(t.getValue("amount").toString()).remainder(BigDecimal.TEN).signum()).isZero();
              assertThat(t.getString("direction")).isIn("buy", "sell");
              assertThat(t.getLong("timestamp")).isPositive();
            }
          }
          assertThat(total).isEqualTo(exchange.tradesSent());
          assertThat(received.get(BTC)).allSatisfy(t ->
            assertThat(new BigDecimal(t.getValue("price").toString()).remainder(new BigDecimal("0.5")).signum()).isZero());
        }
        ctx.completeNow();
      })));
  }

  @Test
  void bookStartsWithASnapshotThenChangesChainByPrevChangeIdWithNonConsecutiveIds(Vertx vertx, VertxTestContext ctx) {
    String channel = "book." + BTC + ".100ms";
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(50).setBookChangesPerSecond(400))
      .compose(client -> client.subscribe(channel)
        .compose(r -> client.awaitFrame(f -> client.notifications.size() >= 30))
        .map(f -> client.notifications))
      .onComplete(ctx.succeeding(notes -> ctx.verify(() -> {
        List<JsonObject> book = new ArrayList<>();
        notes.forEach(n -> book.add(n.object().getJsonObject("params").getJsonObject("data")));
        assertThat(book.get(0).getString("type")).isEqualTo("snapshot");
        assertThat(book.get(0).getJsonArray("bids")).isNotEmpty();
        boolean jumped = false;
        for (int i = 1; i < book.size(); i++) {
          assertThat(book.get(i).getString("type")).isEqualTo("change");
          assertThat(book.get(i).getLong("prev_change_id")).isEqualTo(book.get(i - 1).getLong("change_id"));
          jumped |= book.get(i).getLong("change_id") - book.get(i).getLong("prev_change_id") > 1;
        }
        assertThat(jumped).as("change ids are not consecutive").isTrue();
        ctx.completeNow();
      })));
  }

  @Test
  void tickerAndChartChannelsDeliverTheirDataObjects(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(100).setTickerIntervalMs(50).setChartIntervalMs(50))
      .compose(client -> client.subscribe("ticker." + BTC + ".100ms", "chart.trades." + ETH + ".1")
        .compose(r -> client.awaitFrame(f -> ("ticker." + BTC + ".100ms").equals(f.channel())))
        .compose(ticker -> client.awaitFrame(f -> ("chart.trades." + ETH + ".1").equals(f.channel()))
          .map(chart -> List.of(ticker, chart))))
      .onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
        JsonObject ticker = frames.get(0).object().getJsonObject("params").getJsonObject("data");
        assertThat(ticker.getString("instrument_name")).isEqualTo(BTC);
        assertThat(ticker.getValue("last_price")).isNotNull();
        assertThat(ticker.getJsonObject("stats").getValue("volume")).isNotNull();
        JsonObject chart = frames.get(1).object().getJsonObject("params").getJsonObject("data");
        assertThat(chart.getLong("tick") % 60_000).isZero();
        assertThat(chart.fieldNames()).contains("open", "high", "low", "close", "volume", "cost");
        ctx.completeNow();
      })));
  }
}
