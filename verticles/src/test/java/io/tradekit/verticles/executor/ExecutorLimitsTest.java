package io.tradekit.verticles.executor;

import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.exchange.MovableClock;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.pipeline.PipelineAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
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

  /** @return how many orders the exchange holds with {@code label} (its own records, read in-process) */
  private static Future<Long> labelled(ExecutorWorld w, String label) {
    return w.exchange.privateOrders().map(orders -> orders.stream().filter(o -> label.equals(((JsonObject) o).getString("label"))).count());
  }

  @Test
  void afterAReconnectNothingIsSentUntilThatConnectionIsReconciled(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    String reconcileCall = "private/get_open_orders_by_instrument";
    w.start(vertx, new JsonObject(), "temporary")
      .compose(x -> w.newLimit("tk-before", "buy", "10", "1")).compose(v -> w.outcome(vertx, "tk-before"))
      // Every reconciliation of the next connection fails (the exchange's own 11094), then the connection drops.
      .compose(o -> w.exchange.injectFault(Fault.methodError(reconcileCall, 0, 600_000)))
      .compose(v -> w.exchange.injectFault(Fault.of(Fault.Type.DROP, 100)))
      .compose(v -> w.newLimit("tk-after", "buy", "10", "1"))
      // Reconciliation has failed several times on the new connection: time enough to have sent.
      .compose(v -> PipelineAccess.eventually(vertx, 30_000, () -> Future.succeededFuture(
        w.exchange.stats().toJson().getLong("errorsSent") >= 5)))
      // Read in-process: the drop cut the account view's connection too.
      .compose(v -> Future.all(labelled(w, "tk-after"), w.readiness(vertx)))
      .compose(held -> {
        ctx.verify(() -> {
          assertThat((Long) held.resultAt(0)).as("orders sent before reconciliation").isZero();
          assertThat(((JsonObject) held.resultAt(1)).getString("status")).isEqualTo("DOWN");
        });
        return w.exchange.clearFaults();
      })
      .compose(v -> w.outcome(vertx, "tk-after"))
      .compose(after -> labelled(w, "tk-after").map(orders -> {
        ctx.verify(() -> {
          assertThat(after.get("status")).isEqualTo("placed");
          assertThat(orders).isEqualTo(1L);
        });
        return orders;
      }))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPositionFromBeforeOurHistoryCountsAgainstThePositionLimit(Vertx vertx, VertxTestContext ctx) {
    // The account is short 1000 USD of BTC-PERPETUAL from a trade more than 24 h old: outside the
    // exchange's default user-trade window, so reconciliation's trade fetch cannot see it.
    MovableClock clock = new MovableClock();
    ExecutorWorld w = new ExecutorWorld(new SimulatedExchangeOptions().setClock(clock).setAccounts(List.of(
      new SimulatedExchangeOptions.Account(SimulatedExchangeOptions.DEFAULT_CLIENT_ID, SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET,
        SimulatedExchangeOptions.Account.DEFAULT_BALANCES, Map.of(ExecutorWorld.INSTRUMENT, new BigDecimal("-1000")), 0))));
    w.startExchange(vertx)
      .compose(x -> {
        clock.advanceMs(SimulatedExchangeOptions.DEFAULT_USER_TRADES_WINDOW_MS);
        return w.startExecutor(new JsonObject().put("maxPositionPerInstrument", 1500), "temporary");
      })
      .compose(x -> w.intent("type", "new", "intent_id", "tk-short-more", "instrument", ExecutorWorld.INSTRUMENT, "side", "sell",
        "amount", "600", "order_type", "limit", "price", "1000000", "post_only", "true"))
      .compose(v -> w.outcome(vertx, "tk-short-more"))
      .compose(outcome -> labelled(w, "tk-short-more").map(orders -> {
        ctx.verify(() -> {
          assertThat(outcome.get("status")).as("outcome %s", outcome).isEqualTo("rejected");
          assertThat(outcome.get("reason")).contains("could reach -1600");
          assertThat(orders).isZero();
        });
        return orders;
      }))
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
