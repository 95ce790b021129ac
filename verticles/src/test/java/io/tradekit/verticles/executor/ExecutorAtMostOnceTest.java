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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * At most one order per intent under the real exchange's semantics (issue 19): an order whose reply
 * was lost may be registered AFTER a look-up by label answered "none"; an ambiguous error code does
 * not mean "refused"; a producer may XADD the same intent twice. The executor never sends an intent
 * a second time; it keeps looking and adopts the order whenever it appears.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class ExecutorAtMostOnceTest {

  /** @return label → how many orders the exchange holds with it (its own records) */
  private static Future<Map<String, Integer>> exchangeLabelCounts(ExecutorWorld w) {
    return w.exchange.privateOrders().map(orders -> {
      Map<String, Integer> counts = new HashMap<>();
      for (Object o : orders) {
        counts.merge(((JsonObject) o).getString("label"), 1, Integer::sum);
      }
      return counts;
    });
  }

  /** @return intent id → status of the stored outcomes of this world */
  private static Future<Map<String, String>> storedOutcomes(ExecutorWorld w) {
    return w.fx.pg().query("SELECT intent_id, status FROM intent_outcomes WHERE exchange = $1", Tuple.of(w.exchangeName), true)
      .map(rows -> {
        Map<String, String> out = new HashMap<>();
        rows.forEach(r -> out.put(r.getString(0), r.getString(1)));
        return out;
      });
  }

  @Test
  void ordersRegisteredAfterTheFirstLookupAreAdoptedNeverSentTwice(Vertx vertx, VertxTestContext ctx) {
    int intents = 1_000;
    ExecutorWorld w = new ExecutorWorld();
    List<String> labels = new ArrayList<>();
    // Every tenth order (on average) loses its reply and reaches the matching engine 900 ms later:
    // after the executor's request timeout (500 ms) and its first look-up by label.
    w.start(vertx, new JsonObject().put("cancelOnDisconnect", false), "temporary")
      .compose(x -> w.exchange.injectFault(Fault.lateRegistration(900, 0, 0.1, 600_000)))
      .compose(v -> {
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < intents; i++) {
          String label = "tk-late-" + i;
          labels.add(label);
          chain = chain.compose(x -> w.newLimit(label, "buy", "10", "1"));
        }
        return chain;
      })
      .compose(v -> PipelineAccess.eventually(vertx, 150_000, () -> storedOutcomes(w).map(all -> all.size() == intents)))
      .compose(v -> Future.all(exchangeLabelCounts(w), storedOutcomes(w), Future.succeededFuture(w.exchange.stats().toJson())))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        Map<String, Integer> counts = all.resultAt(0);
        Map<String, String> outcomes = all.resultAt(1);
        JsonObject stats = all.resultAt(2);
        assertThat(stats.getLong("orderRepliesWithheld")).as("late registrations happened").isGreaterThan(50);
        for (String label : labels) {
          assertThat(counts.getOrDefault(label, 0)).as("orders at the exchange with label %s", label).isEqualTo(1);
          assertThat(outcomes.get(label)).as("outcome of %s", label).isEqualTo("placed");
        }
        w.close().onComplete(ctx.succeedingThenComplete());
      })));
  }

  @Test
  void anOrderThatAppearsAfterTheHorizonTurnsItsUnknownOutcomeIntoTheRealOne(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    List<String> statuses = new ArrayList<>();
    w.start(vertx, new JsonObject().put("cancelOnDisconnect", false).put("unknownAfterMs", 300), "temporary")
      .compose(x -> w.exchange.injectFault(Fault.lateRegistration(2_500, 1, 1.0, 600_000)))
      .compose(v -> w.newLimit("tk-slow-1", "buy", "10", "1"))
      .compose(v -> w.outcome(vertx, "tk-slow-1"))
      .compose(first -> {
        statuses.add(first.get("status"));
        return w.order("tk-slow-1").map(row -> {
          statuses.add(row.getString("state"));
          return row;
        });
      })
      // The order reaches the matching engine 2.5 s after the send: its user.orders notification adopts it.
      .compose(v -> PipelineAccess.eventually(vertx, 20_000, () -> w.outcomes().map(all ->
        "placed".equals(all.get("tk-slow-1").get("status")))))
      .compose(v -> Future.all(exchangeLabelCounts(w), w.order("tk-slow-1"), storedOutcomes(w)))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        assertThat(statuses).containsExactly("unknown", "unknown");
        Map<String, Integer> counts = all.resultAt(0);
        assertThat(counts.get("tk-slow-1")).isEqualTo(1);
        assertThat(((io.vertx.sqlclient.Row) all.resultAt(1)).getString("state")).isEqualTo("open");
        assertThat(((Map<String, String>) all.resultAt(2)).get("tk-slow-1")).isEqualTo("placed");
        w.close().onComplete(ctx.succeedingThenComplete());
      })));
  }

  @Test
  void ambiguousErrorCodesAreResolvedByLookupNotTakenForRefusals(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    List<String> labels = List.of("tk-amb-1", "tk-amb-2", "tk-amb-3", "tk-amb-4");
    w.start(vertx, new JsonObject(), "temporary")
      .compose(x -> w.exchange.injectFault(Fault.events(Fault.Type.ORDER_AMBIGUOUS_ERROR, 4, 1.0, 600_000)))
      .compose(v -> {
        Future<Void> chain = Future.succeededFuture();
        for (String label : labels) {
          chain = chain.compose(x -> w.newLimit(label, "buy", "10", "1")).compose(x -> w.outcome(vertx, label)).mapEmpty();
        }
        return chain;
      })
      .compose(v -> Future.all(exchangeLabelCounts(w), w.outcomes(), Future.succeededFuture(w.exchange.stats().toJson())))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        Map<String, Integer> counts = all.resultAt(0);
        Map<String, Map<String, String>> outcomes = all.resultAt(1);
        assertThat(((JsonObject) all.resultAt(2)).getLong("ordersAmbiguous")).isEqualTo(4);
        for (String label : labels) {
          assertThat(counts.get(label)).as("orders with label %s", label).isEqualTo(1);
          assertThat(outcomes.get(label).get("status")).as("outcome of %s", label).isEqualTo("placed");
        }
        w.close().onComplete(ctx.succeedingThenComplete());
      })));
  }

  @Test
  void everyFillAndOrderChangeIsPublishedOnceEvenWhenNotificationsRepeat(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    w.start(vertx, new JsonObject(), "temporary")
      // Every user notification is sent twice: the reply, the notifications and their copies all
      // deliver the same fills and states.
      .compose(x -> w.exchange.injectFault(Fault.events(Fault.Type.NOTIFY_DUPLICATE, 0, 1.0, 600_000)))
      .compose(v -> w.intent("type", "new", "intent_id", "tk-ev-mkt", "instrument", ExecutorWorld.INSTRUMENT, "side", "buy",
        "amount", "50", "order_type", "market"))
      .compose(v -> w.outcome(vertx, "tk-ev-mkt"))
      .compose(v -> w.newLimit("tk-ev-rest", "buy", "10", "1")).compose(v -> w.outcome(vertx, "tk-ev-rest"))
      .compose(v -> w.intent("type", "cancel", "intent_id", "tk-ev-cancel", "target", "tk-ev-rest"))
      .compose(v -> w.outcome(vertx, "tk-ev-cancel"))
      .compose(v -> w.exchange.privateFills())
      .compose(fills -> PipelineAccess.eventually(vertx, 10_000, () -> w.orderEvents().map(events ->
          events.stream().anyMatch(e -> "tk-ev-rest".equals(e.get("label")) && "cancelled".equals(e.get("state")))))
        .compose(v -> w.orderEvents()).map(events -> {
          ctx.verify(() -> {
            List<String> exchangeTrades = new ArrayList<>();
            fills.forEach(f -> {
              if ("tk-ev-mkt".equals(((JsonObject) f).getString("label"))) {
                exchangeTrades.add(((JsonObject) f).getValue("trade_id").toString());
              }
            });
            List<String> fillEvents = events.stream().filter(e -> "fill".equals(e.get("kind")))
              .map(e -> e.get("trade_id")).toList();
            assertThat(exchangeTrades).isNotEmpty();
            assertThat(fillEvents).as("one fill event per own trade").containsExactlyInAnyOrderElementsOf(exchangeTrades);
            for (String label : List.of("tk-ev-mkt", "tk-ev-rest")) {
              List<String> states = events.stream().filter(e -> "order".equals(e.get("kind")) && label.equals(e.get("label")))
                .map(e -> e.get("state")).toList();
              assertThat(states).as("state changes of %s", label).doesNotHaveDuplicates().isNotEmpty();
            }
            assertThat(events.stream().filter(e -> "order".equals(e.get("kind")) && "tk-ev-rest".equals(e.get("label")))
              .map(e -> e.get("state")).toList()).containsExactly("open", "cancelled");
          });
          return events;
        }))
      .eventually(w::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theSameIntentIdTwiceInOneBatchAndLaterPlacesOneOrder(Vertx vertx, VertxTestContext ctx) {
    ExecutorWorld w = new ExecutorWorld();
    // Written before the executor starts: its consumer group starts at 0, so its first batch holds
    // both copies (a producer's retried XADD), decided concurrently.
    w.startExchange(vertx)
      .compose(x -> w.newLimit("tk-dup-1", "buy", "10", "1")).compose(x -> w.newLimit("tk-dup-1", "buy", "10", "1"))
      .compose(x -> w.startExecutor(new JsonObject(), "temporary"))
      .compose(v -> w.outcome(vertx, "tk-dup-1"))
      .compose(first -> w.newLimit("tk-dup-1", "buy", "10", "1").compose(v -> w.newLimit("tk-after", "buy", "10", "1")))
      .compose(v -> w.outcome(vertx, "tk-after"))
      .compose(v -> Future.all(exchangeLabelCounts(w), storedOutcomes(w)))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        Map<String, Integer> counts = all.resultAt(0);
        assertThat(counts.get("tk-dup-1")).as("orders with the duplicated intent id").isEqualTo(1);
        assertThat(((Map<String, String>) all.resultAt(1)).get("tk-dup-1")).isEqualTo("placed");
        w.close().onComplete(ctx.succeedingThenComplete());
      })));
  }
}
