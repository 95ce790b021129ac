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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every private-API fault observably happens, seen by a real WebSocket client. "No reply" is
 * shown without waiting on a clock: a later request on the same connection is answered first
 * (the exchange answers one connection's requests in order).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangePrivateFaultsTest {

  private static final String ORDERS = "user.orders." + SimulatedExchangeOrdersTest.BTC + ".raw";
  private static final BigDecimal FAR_BELOW = new BigDecimal("1000");

  private SimulatedExchange exchange;

  private Future<TestClient> start(Vertx vertx, Fault fault) {
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setTradesPerSecond(0).setBookChangesPerSecond(0));
    return exchange.start(vertx).compose(port -> connect(vertx))
      .compose(c -> (fault == null ? Future.<Void>succeededFuture() : exchange.injectFault(fault)).map(v -> c));
  }

  private Future<TestClient> connect(Vertx vertx) {
    return TestClient.connect(vertx, exchange.port()).compose(c -> c.auth().map(a -> c));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject resting(String label) {
    return SimulatedExchangeOrdersTest.order(label, 10, FAR_BELOW);
  }

  private static Future<JsonArray> byLabel(TestClient c, String label) {
    return c.rpc("private/get_order_state_by_label", new JsonObject().put("currency", "BTC").put("label", label)).map(r -> (JsonArray) r);
  }

  private static int errorCode(JsonObject reply) {
    return reply.getJsonObject("error").getInteger("code");
  }

  @Test
  void aLostReplyLeavesTheOrderAcceptedWithNoAnswer(Vertx vertx, VertxTestContext ctx) {
    start(vertx, Fault.events(Fault.Type.ORDER_REPLY_LOST, 1, 1.0, 60_000)).compose(c -> {
      Future<JsonObject> lost = c.call("private/buy", resting("lost-1"));
      return byLabel(c, "lost-1").compose(orders -> c.rpc("private/buy", resting("after-1")).map(next -> {
        ctx.verify(() -> {
          assertThat(lost.isComplete()).as("the buy was never answered").isFalse();
          assertThat(orders).hasSize(1);
          assertThat(orders.getJsonObject(0).getString("order_state")).isEqualTo("open");
          assertThat(exchange.stats().toJson().getLong("orderRepliesWithheld")).isEqualTo(1);
        });
        return next;
      }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aDelayedReplyArrivesAfterLaterRequestsAreAnswered(Vertx vertx, VertxTestContext ctx) {
    start(vertx, Fault.replyDelay(300, 1, 1.0, 60_000)).compose(c -> {
      Future<JsonObject> delayed = c.call("private/buy", resting("late-1"));
      return c.call("public/test", new JsonObject()).compose(test -> {
        ctx.verify(() -> assertThat(delayed.isComplete()).as("answered before the later request").isFalse());
        return delayed;
      });
    }).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
      assertThat(reply.getJsonObject("result").getJsonObject("order").getString("label")).isEqualTo("late-1");
      ctx.completeNow();
    })));
  }

  @Test
  void aDisconnectAfterAcceptanceCutsTheConnectionButKeepsTheOrder(Vertx vertx, VertxTestContext ctx) {
    start(vertx, Fault.events(Fault.Type.ORDER_DISCONNECT, 1, 1.0, 60_000)).compose(c -> {
      Future<JsonObject> cut = c.call("private/buy", resting("cut-1"));
      return c.closed().compose(code -> {
        ctx.verify(() -> {
          assertThat(code == null || code == 1006).as("no close frame, got %s", code).isTrue();
          assertThat(cut.isComplete() && cut.succeeded()).as("no reply").isFalse();
        });
        return connect(vertx);
      }).compose(again -> byLabel(again, "cut-1"));
    }).onComplete(ctx.succeeding(orders -> ctx.verify(() -> {
      assertThat(orders).hasSize(1);
      ctx.completeNow();
    })));
  }

  @Test
  void notEnoughFundsRejectsWithoutCreatingAnOrder(Vertx vertx, VertxTestContext ctx) {
    start(vertx, Fault.events(Fault.Type.ORDER_NOT_ENOUGH_FUNDS, 1, 1.0, 60_000))
      .compose(c -> c.call("private/buy", resting("funds-1"))
        .compose(rejected -> byLabel(c, "funds-1").compose(none -> c.rpc("private/buy", resting("funds-2"))
          .map(ok -> List.<Object>of(rejected, none, ok)))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(errorCode((JsonObject) r.get(0))).isEqualTo(10009);
        assertThat((JsonArray) r.get(1)).isEmpty();
        assertThat(((JsonObject) r.get(2)).getJsonObject("order").getString("order_state")).isEqualTo("open");
        ctx.completeNow();
      })));
  }

  @Test
  void lateRegistrationMakesAnEarlyLookupByLabelAnswerEmptyThenTheOrderAppears(Vertx vertx, VertxTestContext ctx) {
    start(vertx, Fault.lateRegistration(300, 1, 1.0, 60_000)).compose(c -> c.privateSubscribe(ORDERS).compose(s -> {
      Future<JsonObject> unanswered = c.call("private/buy", resting("slow-1"));
      return byLabel(c, "slow-1").compose(early -> c.awaitFrame(f -> ORDERS.equals(f.channel()))
        .compose(registered -> byLabel(c, "slow-1"))
        .map(later -> {
          ctx.verify(() -> {
            assertThat(early).as("looked up before the matching engine had it").isEmpty();
            assertThat(later).hasSize(1);
            assertThat(later.getJsonObject(0).getString("order_state")).isEqualTo("open");
            assertThat(unanswered.isComplete()).as("the reply was lost").isFalse();
          });
          return later;
        }));
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRequestLostBeforeTheMatchingEngineLeavesNoOrderAndNoReply(Vertx vertx, VertxTestContext ctx) {
    start(vertx, Fault.events(Fault.Type.ORDER_LOST, 1, 1.0, 60_000)).compose(c -> {
      Future<JsonObject> lost = c.call("private/buy", resting("gone-1"));
      // Requests are handled in order: once the next one is answered, the lost one was handled.
      return c.rpc("private/buy", resting("next-1")).compose(next -> byLabel(c, "gone-1")).map(none -> {
        ctx.verify(() -> {
          assertThat(none).isEmpty();
          assertThat(lost.isComplete()).isFalse();
          assertThat(exchange.stats().toJson().getLong("ordersLost")).isEqualTo(1);
        });
        return none;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void ambiguousErrorsAreAnsweredAlthoughTheOrderWasRegistered(Vertx vertx, VertxTestContext ctx) {
    start(vertx, Fault.events(Fault.Type.ORDER_AMBIGUOUS_ERROR, 4, 1.0, 60_000)).compose(c -> {
      List<Future<JsonObject>> replies = List.of(c.call("private/buy", resting("amb-1")), c.call("private/buy", resting("amb-2")),
        c.call("private/buy", resting("amb-3")), c.call("private/buy", resting("amb-4")));
      return Future.all(replies).compose(all -> Future.all(byLabel(c, "amb-1"), byLabel(c, "amb-2"), byLabel(c, "amb-3"),
        byLabel(c, "amb-4"))).map(found -> {
          ctx.verify(() -> {
            assertThat(replies.stream().map(r -> errorCode(r.result()))).containsExactly(13888, 11094, 10040, 10047);
            for (int i = 0; i < 4; i++) {
              assertThat((JsonArray) found.resultAt(i)).as("order of ambiguous reply %d", i).hasSize(1);
            }
          });
          return found;
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void tooManyRequestsRejectsTheOrderAndClosesTheSession(Vertx vertx, VertxTestContext ctx) {
    start(vertx, Fault.events(Fault.Type.ORDER_TOO_MANY_REQUESTS, 1, 1.0, 60_000))
      .compose(c -> c.call("private/buy", resting("credits-1"))
        .compose(rejected -> c.closed().map(code -> rejected)))
      .compose(rejected -> connect(vertx).compose(again -> byLabel(again, "credits-1")).map(none -> List.<Object>of(rejected, none)))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(errorCode((JsonObject) r.get(0))).isEqualTo(10028);
        assertThat((JsonArray) r.get(1)).isEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  void aDuplicatedNotificationArrivesTwice(Vertx vertx, VertxTestContext ctx) {
    start(vertx, null)
      .compose(c -> c.privateSubscribe(ORDERS)
        .compose(s -> exchange.injectFault(Fault.events(Fault.Type.NOTIFY_DUPLICATE, 1, 1.0, 60_000)))
        .compose(v -> c.rpc("private/buy", resting("dup-1")))
        .compose(placed -> c.call("public/test", new JsonObject()))
        .map(v -> c.data(ORDERS)))
      .onComplete(ctx.succeeding(data -> ctx.verify(() -> {
        assertThat(data).hasSize(2);
        assertThat(data.get(0)).isEqualTo(data.get(1));
        ctx.completeNow();
      })));
  }

  @Test
  void aReorderedNotificationArrivesAfterTheNextOne(Vertx vertx, VertxTestContext ctx) {
    start(vertx, null)
      .compose(c -> c.privateSubscribe(ORDERS)
        .compose(s -> exchange.injectFault(Fault.events(Fault.Type.NOTIFY_REORDER, 1, 1.0, 60_000)))
        // Sent back to back: the second order's notification releases the held first one.
        .compose(v -> Future.all(c.rpc("private/buy", resting("first")), c.rpc("private/buy", resting("second"))))
        .compose(placed -> c.awaitFrame(f -> c.data(ORDERS).size() == 2))
        .map(f -> c.data(ORDERS)))
      .onComplete(ctx.succeeding(data -> ctx.verify(() -> {
        assertThat(data.stream().map(d -> ((JsonObject) d).getString("label"))).containsExactly("second", "first");
        ctx.completeNow();
      })));
  }

  @Test
  void tokenExpiryMakesTheNextPrivateCallUnauthorizedUntilRenewed(Vertx vertx, VertxTestContext ctx) {
    start(vertx, null)
      .compose(c -> exchange.injectFault(Fault.events(Fault.Type.TOKEN_EXPIRY, 1, 1.0, 60_000))
        .compose(v -> c.call("private/buy", resting("token-1")))
        .compose(expired -> c.auth().compose(renewed -> c.rpc("private/buy", resting("token-2")))
          .map(ok -> List.<Object>of(expired, ok))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(errorCode((JsonObject) r.get(0))).isEqualTo(13009);
        assertThat(((JsonObject) r.get(1)).getJsonObject("order").getString("label")).isEqualTo("token-2");
        ctx.completeNow();
      })));
  }

  @Test
  void aProbabilisticFaultHitsSomeOrdersButNotAll(Vertx vertx, VertxTestContext ctx) {
    WebClient web = WebClient.create(vertx);
    start(vertx, null)
      .compose(c -> web.request(HttpMethod.POST, exchange.port(), "127.0.0.1", "/admin/faults")
        .sendBuffer(Buffer.buffer("{\"type\":\"order_reply_lost\",\"probability\":0.5}"))
        .compose(posted -> {
          List<Future<JsonObject>> replies = new ArrayList<>();
          for (int i = 0; i < 40; i++) {
            replies.add(c.call("private/buy", resting("p-" + i)));
          }
          return c.call("public/test", new JsonObject()).compose(barrier -> exchange.privateOrders()).map(orders -> {
            long answered = replies.stream().filter(Future::isComplete).count();
            ctx.verify(() -> {
              assertThat(posted.statusCode()).isEqualTo(200);
              assertThat(orders).hasSize(40);
              assertThat(answered).isBetween(1L, 39L);
            });
            return answered;
          });
        }))
      .compose(v -> web.request(HttpMethod.POST, exchange.port(), "127.0.0.1", "/admin/faults")
        .sendBuffer(Buffer.buffer("{\"type\":\"order_reply_lost\",\"probability\":2}")).map(HttpResponse<Buffer>::bodyAsJsonObject))
      .onComplete(ctx.succeeding(bad -> ctx.verify(() -> {
        assertThat(bad.getString("error")).startsWith("probability:");
        ctx.completeNow();
      })));
  }
}
