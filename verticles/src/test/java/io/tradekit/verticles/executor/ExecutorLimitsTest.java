package io.tradekit.verticles.executor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Risk on every path (issue 19): an instrument outside the configured list is refused (it would be
 * neither subscribed nor reconciled, so its fills would never be recorded), an edit goes through the
 * limits, an intent with an unknown field is refused naming it, and every order flag is sent
 * explicitly (Deribit's schema defaults post_only to true).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class ExecutorLimitsTest {

  @Test
  void anInstrumentOutsideTheConfiguredListIsRefusedAndNeverSent(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    w.start(vertx, new JsonObject(), "temporary")
      .compose(x -> w.intent("type", "new", "intent_id", "tk-eth-1", "instrument", "ETH-PERPETUAL", "side", "buy",
        "amount", "10", "order_type", "market"))
      .compose(v -> w.outcome(vertx, "tk-eth-1"))
      .compose(outcome -> w.exchange.privateOrders().map(orders -> {
        ctx.verify(() -> {
          assertThat(outcome.get("status")).isEqualTo("rejected");
          assertThat(outcome.get("reason")).startsWith("instrument: ETH-PERPETUAL");
          assertThat(orders.stream().map(o -> ((JsonObject) o).getString("label"))).doesNotContain("tk-eth-1");
        });
        return orders;
      }))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anEditOverTheOrderLimitIsRefusedAndTheOrderKeepsItsAmountAndPostOnly(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    w.start(vertx, new JsonObject().put("maxOrderAmount", 100), "temporary")
      .compose(x -> w.newLimit("tk-ed-1", "buy", "10", "1"))
      .compose(v -> w.outcome(vertx, "tk-ed-1"))
      .compose(placed -> w.intent("type", "edit", "intent_id", "tk-ed-big", "target", "tk-ed-1", "amount", "1000", "price", "1"))
      .compose(v -> w.outcome(vertx, "tk-ed-big"))
      .compose(refused -> w.intent("type", "edit", "intent_id", "tk-ed-ok", "target", "tk-ed-1", "amount", "20", "price", "2")
        .compose(v -> w.outcome(vertx, "tk-ed-ok"))
        .compose(edited -> w.exchangeOrders("tk-ed-1").map(orders -> {
          ctx.verify(() -> {
            assertThat(refused.get("status")).isEqualTo("rejected");
            assertThat(refused.get("reason")).contains("maxOrderAmount");
            assertThat(edited.get("status")).as("outcome %s", edited).isEqualTo("edited");
            JsonObject order = orders.getJsonObject(0);
            assertThat(order.getValue("amount").toString()).isEqualTo("20.0");
            assertThat(order.getBoolean("post_only")).as("an edit keeps the order's post_only").isFalse();
          });
          return orders;
        })))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anIntentWithAnUnknownFieldIsRefusedNamingIt(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    w.start(vertx, new JsonObject(), "temporary")
      .compose(x -> w.intent("type", "new", "intent_id", "tk-typo-1", "instrument", ExecutorWorld.INSTRUMENT, "side", "buy",
        "amount", "10", "order_type", "limit", "price", "1", "postonly", "true"))
      .compose(v -> w.outcome(vertx, "tk-typo-1"))
      .compose(outcome -> w.exchangeOrders("tk-typo-1").map(orders -> {
        ctx.verify(() -> {
          assertThat(outcome.get("status")).isEqualTo("rejected");
          assertThat(outcome.get("reason")).startsWith("postonly: unknown field");
          assertThat((JsonArray) orders).isEmpty();
        });
        return orders;
      }))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }
}
