package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Every injectable fault, observed by a real WebSocket client. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeFaultsTest {

  private static final String BTC_TRADES = "trades.BTC-PERPETUAL.100ms";
  private static final String ETH_TRADES = "trades.ETH-PERPETUAL.100ms";
  /** Frames written just before a fault took effect may still be in flight. */
  private static final long IN_FLIGHT_MS = 100;

  /**
   * How the Vert.x client reports a connection that ended without a close frame: no code, or 1006
   * (abnormal closure), a code that RFC 6455 forbids on the wire, so it never comes from a frame.
   */
  private static final org.assertj.core.api.ThrowingConsumer<Short> TCP_CUT =
    code -> assertThat(code == null || code == 1006).as("no close frame, got code %s", code).isTrue();

  private SimulatedExchange exchange;

  private Future<TestClient> start(Vertx vertx, SimulatedExchangeOptions options) {
    exchange = new SimulatedExchange(options.setMinHeartbeatIntervalMs(200));
    return exchange.start(vertx).compose(port -> TestClient.connect(vertx, port));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  /** Completes after {@code ms}: waits for the clock on a timer, never by blocking a thread. */
  private static Future<Void> after(Vertx vertx, long ms) {
    Promise<Void> promise = Promise.promise();
    vertx.setTimer(ms, t -> promise.complete());
    return promise.future();
  }

  private static Future<TestClient> streaming(TestClient client, String... channels) {
    return client.setHeartbeat(0.3)
      .compose(r -> client.subscribe(channels))
      .compose(r -> client.awaitFrame(f -> f.channel() != null))
      .map(f -> client);
  }

  @Test
  void stallSendsNothingForItsDurationThenTrafficResumesOnTheSameSocket(Vertx vertx, VertxTestContext ctx) {
    long[] t0 = new long[1];
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(200))
      .compose(client -> streaming(client, BTC_TRADES))
      .compose(client -> exchange.injectFault(Fault.of(Fault.Type.STALL, 800))
        .compose(v -> {
          t0[0] = System.currentTimeMillis();
          return client.awaitFrame(f -> f.atMs > t0[0] + IN_FLIGHT_MS);
        })
        .compose(resumed -> client.awaitFrame(TestClient.heartbeat("test_request"))
          .compose(hb -> client.awaitFrame(f -> f.atMs > resumed.atMs && BTC_TRADES.equals(f.channel())))
          .map(f -> {
            ctx.verify(() -> {
              assertThat(resumed.atMs).as("first frame after the stall began").isGreaterThanOrEqualTo(t0[0] + 800 - 50);
              assertThat(client.ws.isClosed()).isFalse();
              assertThat(exchange.stats().heartbeatTimeouts()).isZero();
            });
            return f;
          })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void dropClosesTheTcpConnectionWithoutACloseFrameAlsoForNewConnections(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(100))
      .compose(client -> streaming(client, BTC_TRADES))
      .compose(client -> exchange.injectFault(Fault.of(Fault.Type.DROP, 2000)).compose(v -> client.closed()))
      .compose(code -> {
        ctx.verify(() -> assertThat(code).as("close code of a dropped connection").satisfies(TCP_CUT));
        return TestClient.connect(vertx, exchange.port()).compose(TestClient::closed);
      })
      .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
        assertThat(code).satisfies(TCP_CUT);
        ctx.completeNow();
      })));
  }

  @Test
  void closeSendsCloseFrame1001(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(100))
      .compose(client -> streaming(client, BTC_TRADES))
      .compose(client -> exchange.injectFault(Fault.of(Fault.Type.CLOSE, 500)).compose(v -> client.closed()))
      .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
        assertThat(code).isEqualTo((short) 1001);
        ctx.completeNow();
      })));
  }

  @Test
  void gapSkipsABookChangeSoPrevChangeIdNoLongerMatches(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(10).setBookChangesPerSecond(200))
      .compose(client -> client.subscribe("book.BTC-PERPETUAL.100ms")
        .compose(r -> client.awaitFrame(f -> client.notifications.size() >= 5))
        .compose(f -> exchange.injectFault(Fault.of(Fault.Type.GAP, 1000)))
        .compose(v -> client.awaitFrame(f -> mismatchIndex(client.notifications) > 0)))
      .onComplete(ctx.succeeding(f -> ctx.verify(() -> {
        assertThat(exchange.stats().bookChangesSkipped()).isGreaterThanOrEqualTo(1);
        ctx.completeNow();
      })));
  }

  private static int mismatchIndex(List<TestClient.Frame> notes) {
    for (int i = 1; i < notes.size(); i++) {
      JsonObject prev = notes.get(i - 1).object().getJsonObject("params").getJsonObject("data");
      JsonObject cur = notes.get(i).object().getJsonObject("params").getJsonObject("data");
      if (!prev.getLong("change_id").equals(cur.getLong("prev_change_id"))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void rejectMakesSubscribeReturnAnEmptyListUntilCleared(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0))
      .compose(client -> exchange.injectFault(Fault.of(Fault.Type.REJECT, 5000))
        .compose(v -> client.subscribe(BTC_TRADES))
        .compose(rejected -> exchange.clearFaults().compose(v -> client.subscribe(BTC_TRADES))
          .map(accepted -> List.of(rejected, accepted))))
      .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(results.get(0)).isEmpty();
        assertThat(results.get(1)).containsExactly(BTC_TRADES);
        ctx.completeNow();
      })));
  }

  @Test
  void ratelimitAnswersTheNextRequestWith10028ThenClosesTheSession(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0))
      .compose(client -> exchange.injectFault(Fault.of(Fault.Type.RATELIMIT, 1000))
        .compose(v -> client.call("public/test", new JsonObject()))
        .compose(reply -> client.closed().map(code -> {
          ctx.verify(() -> {
            assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(10028);
            assertThat(reply.getJsonObject("error").getString("message")).isEqualTo("too_many_requests");
          });
          return code;
        })))
      .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
        assertThat(code).isNotNull();
        ctx.completeNow();
      })));
  }

  @Test
  void silenceStopsOnlyThatChannelWhileHeartbeatsAndOtherChannelsContinue(Vertx vertx, VertxTestContext ctx) {
    long[] t0 = new long[1];
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(400))
      .compose(client -> streaming(client, BTC_TRADES, ETH_TRADES)
        .compose(c -> exchange.injectFault(Fault.silence(BTC_TRADES, 1000)))
        .compose(v -> {
          t0[0] = System.currentTimeMillis();
          return after(vertx, 700);
        })
        .compose(v -> {
          List<String> during = client.frames.stream()
            .filter(f -> f.atMs > t0[0] + IN_FLIGHT_MS && f.atMs < t0[0] + 700)
            .map(f -> f.channel() != null ? f.channel() : String.valueOf(f.method()))
            .collect(Collectors.toList());
          ctx.verify(() -> {
            assertThat(during).doesNotContain(BTC_TRADES).contains(ETH_TRADES, "heartbeat");
          });
          return client.awaitFrame(f -> f.atMs > t0[0] + 700 && BTC_TRADES.equals(f.channel()));
        }))
      .onComplete(ctx.succeeding(resumed -> ctx.verify(() -> {
        assertThat(resumed.atMs).isGreaterThanOrEqualTo(t0[0] + 1000 - 50);
        ctx.completeNow();
      })));
  }

  @Test
  void garbageInterleavesInvalidJsonArraysIncompleteNotificationsAndBinaryJunk(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(200))
      .compose(client -> streaming(client, BTC_TRADES)
        .compose(c -> exchange.injectFault(Fault.of(Fault.Type.GARBAGE, 400)))
        .compose(v -> client.awaitFrame(f -> f.json == null))
        .compose(f -> client.awaitFrame(f2 -> f2.json instanceof io.vertx.core.json.JsonArray))
        .compose(f -> client.awaitFrame(f2 -> f2.channel() != null
          && !f2.object().getJsonObject("params").containsKey("data")))
        .compose(f -> client.awaitFrame(f2 -> !client.binaryFrames.isEmpty()))
        .compose(f -> client.awaitFrame(f2 -> BTC_TRADES.equals(f2.channel()) && f2.atMs > f.atMs
          && f2.object().getJsonObject("params").getJsonArray("data").getJsonObject(0).containsKey("trade_seq"))))
      .onComplete(ctx.succeeding(f -> ctx.verify(() -> {
        assertThat(exchange.stats().garbageFramesSent()).isGreaterThanOrEqualTo(5);
        ctx.completeNow();
      })));
  }
}
