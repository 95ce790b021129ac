package io.tradekit.verticles.executor;

import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.pipeline.PipelineAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The executor against the simulated exchange's private API, real PostgreSQL and Redis (dev
 * services) and the real supervisor: intents in, outcomes out, rows converge with the exchange.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class ExecutorServiceTest {

  @Test
  void newEditCancelAndMarketIntentsGiveOutcomesRowsFillsAndAPositionEqualToTheExchanges(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    w.start(vertx, new JsonObject(), "temporary")
      .compose(x -> w.newLimit("tk-rest-1", "buy", "10", "1"))
      .compose(v -> w.outcome(vertx, "tk-rest-1")).compose(placed -> {
        ctx.verify(() -> {
          assertThat(placed.get("status")).as("outcome %s", placed).isEqualTo("placed");
          assertThat(placed.get("order_state")).isEqualTo("open");
          assertThat(placed.get("order_id")).isNotEmpty();
        });
        return w.intent("type", "edit", "intent_id", "tk-edit-1", "target", "tk-rest-1", "amount", "20", "price", "2");
      })
      .compose(v -> w.outcome(vertx, "tk-edit-1")).compose(edited -> {
        ctx.verify(() -> assertThat(edited.get("status")).as("outcome %s", edited).isEqualTo("edited"));
        return w.order("tk-rest-1").compose(row -> {
          ctx.verify(() -> {
            assertThat(row.getBigDecimal("amount")).isEqualByComparingTo("20");
            assertThat(row.getBigDecimal("price")).isEqualByComparingTo("2");
          });
          return w.intent("type", "cancel", "intent_id", "tk-cancel-1", "target", "tk-rest-1");
        });
      })
      .compose(v -> w.outcome(vertx, "tk-cancel-1")).compose(cancelled -> {
        ctx.verify(() -> assertThat(cancelled.get("status")).as("outcome %s", cancelled).isEqualTo("cancelled"));
        return w.order("tk-rest-1");
      }).compose(row -> {
        ctx.verify(() -> assertThat(row.getString("state")).isEqualTo("cancelled"));
        return w.intent("type", "new", "intent_id", "tk-mkt-1", "instrument", ExecutorWorld.INSTRUMENT, "side", "buy",
          "amount", "30", "order_type", "market");
      })
      .compose(v -> w.outcome(vertx, "tk-mkt-1")).compose(filled -> {
        ctx.verify(() -> {
          assertThat(filled.get("status")).as("outcome %s", filled).isEqualTo("filled");
          assertThat(new java.math.BigDecimal(filled.get("filled_amount"))).isEqualByComparingTo("30");
        });
        // Malformed: no side. Rejected with the field named, never dropped.
        return w.intent("type", "new", "intent_id", "tk-bad-1", "instrument", ExecutorWorld.INSTRUMENT, "amount", "10",
          "order_type", "market");
      })
      .compose(v -> w.outcome(vertx, "tk-bad-1")).compose(bad -> {
        ctx.verify(() -> {
          assertThat(bad.get("status")).isEqualTo("rejected");
          assertThat(bad.get("reason")).startsWith("side:");
        });
        return PipelineAccess.eventually(vertx, 10_000, () -> w.fx.pg().query(
          "SELECT COALESCE(sum(amount), 0) FROM fills WHERE exchange = $1", Tuple.of(w.exchangeName), true)
          .map(rows -> rows.iterator().next().getBigDecimal(0).compareTo(new java.math.BigDecimal(30)) == 0));
      })
      .compose(v -> w.fx.pg().query("SELECT size FROM positions WHERE exchange = $1 AND instrument = $2",
        Tuple.of(w.exchangeName, ExecutorWorld.INSTRUMENT), true))
      .compose(rows -> w.account.call("private/get_position", new JsonObject().put("instrument_name", ExecutorWorld.INSTRUMENT))
        .map(pos -> {
          ctx.verify(() -> assertThat(rows.iterator().next().getBigDecimal(0))
            .isEqualByComparingTo(new java.math.BigDecimal(((JsonObject) pos).getValue("size").toString())));
          return null;
        }))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aLostOrderReplyIsResolvedByLabelAndTheOrderExistsOnceAtTheExchange(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    // cancelOnDisconnect off: with it, the cut connection's order is cancelled by the exchange (also one order).
    w.start(vertx, new JsonObject().put("cancelOnDisconnect", false), "temporary")
      .compose(x -> w.exchange.injectFault(Fault.events(Fault.Type.ORDER_REPLY_LOST, 1, 1.0, 60_000)))
      .compose(v -> w.newLimit("tk-lost-1", "buy", "10", "1"))
      .compose(v -> w.outcome(vertx, "tk-lost-1"))
      .compose(o -> w.exchange.injectFault(Fault.events(Fault.Type.ORDER_DISCONNECT, 1, 1.0, 60_000)))
      .compose(v -> w.newLimit("tk-cut-1", "buy", "10", "1"))
      .compose(v -> w.outcome(vertx, "tk-cut-1"))
      .compose(o -> w.exchange.injectFault(Fault.replyDelay(1_500, 1, 1.0, 60_000)))
      .compose(v -> w.newLimit("tk-late-1", "buy", "10", "1"))
      .compose(v -> w.outcome(vertx, "tk-late-1"))
      .compose(o -> w.outcomes()).compose(all -> {
        Future<Void> chain = Future.succeededFuture();
        for (String label : new String[] {"tk-lost-1", "tk-cut-1", "tk-late-1"}) {
          chain = chain.compose(v -> w.exchangeOrders(label).compose(orders -> w.order(label).map(row -> {
            ctx.verify(() -> {
              assertThat(orders).as("orders at the exchange with label %s", label).hasSize(1);
              assertThat(all.get(label).get("status")).as("outcome of %s", label).isEqualTo("placed");
              assertThat(row.getString("state")).isEqualTo("open");
              assertThat(row.getString("order_id")).isEqualTo(orders.getJsonObject(0).getValue("order_id").toString());
            });
            return null;
          })));
        }
        return chain;
      })
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anUnknownOpenOrderWithOurPrefixFailsClosedAndNewIntentsAreRejectedWithTheReason(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    w.startExchange(vertx)
      // Placed directly at the exchange, outside the executor, with the executor's label prefix.
      .compose(x -> w.account.call("private/buy", new JsonObject().put("instrument_name", ExecutorWorld.INSTRUMENT)
        .put("amount", 10).put("type", "limit").put("price", 1).put("label", "tk-stranger")))
      .compose(x -> w.startExecutor(new JsonObject(), "temporary"))
      .compose(x -> w.newLimit("tk-after-1", "buy", "10", "1"))
      .compose(v -> w.outcome(vertx, "tk-after-1"))
      .compose(rejected -> w.readiness(vertx).map(ready -> {
        ctx.verify(() -> {
          assertThat(rejected.get("status")).isEqualTo("rejected");
          assertThat(rejected.get("reason")).contains("tk-stranger").contains("placed outside this executor");
          assertThat(ready.getString("status")).as("readiness %s", ready).isEqualTo("DOWN");
          assertThat(ready.encode()).contains("tk-stranger");
        });
        return null;
      }))
      .compose(v -> w.exchangeOrders("tk-after-1").map(orders -> {
        ctx.verify(() -> assertThat(orders).as("nothing sent while failed closed").isEmpty());
        return null;
      }))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aWrongSecretIsAPermanentErrorNamingTheExchangeAndClientAndIsNotRetried(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    w.startExchange(vertx)
      .compose(x -> w.startExecutor(new JsonObject().put("clientSecretFile", ExecutorWorld.secretFile("not-the-secret-7f3a").toString()),
        "temporary"))
      .compose(x -> PipelineAccess.eventually(vertx, 10_000, () -> w.readiness(vertx)
        .map(ready -> ready.encode().contains("refused authentication"))))
      .compose(v -> w.readiness(vertx)).map(ready -> {
        ctx.verify(() -> {
          String text = ready.encode();
          assertThat(text).contains(w.exchangeName).contains("tradekit-sim").contains("not retried");
          assertThat(text).as("the secret never appears").doesNotContain("not-the-secret-7f3a");
        });
        return null;
      })
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anExpiredTokenIsRenewedWithoutLosingTheIntent(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    w.start(vertx, new JsonObject(), "temporary")
      .compose(x -> w.exchange.injectFault(Fault.events(Fault.Type.TOKEN_EXPIRY, 1, 1.0, 60_000)))
      .compose(v -> w.newLimit("tk-tok-1", "buy", "10", "1"))
      .compose(v -> w.outcome(vertx, "tk-tok-1"))
      .compose(o -> w.exchangeOrders("tk-tok-1").map(orders -> {
        ctx.verify(() -> {
          assertThat(o.get("status")).as("outcome %s", o).isEqualTo("placed");
          assertThat(orders).hasSize(1);
        });
        return null;
      }))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }
}
