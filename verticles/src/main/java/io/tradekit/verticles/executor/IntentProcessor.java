package io.tradekit.verticles.executor;

import io.tradekit.feed.FeedClosedException;
import io.tradekit.feed.JsonRpcErrorException;
import io.tradekit.feed.PrivateSession;
import io.tradekit.resilience.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns one parsed intent into its outcome, exactly once at the exchange:
 *
 * <ul>
 *   <li>{@code new}: risk checks and the INSERT of the {@code pending_new} row run one intent at a
 *       time (a gate), so limits see every order before it; then the order is sent ONCE with its
 *       label, and only by the call whose INSERT created the row. An error reply means the
 *       exchange refused it (the row becomes rejected with the reason), except Deribit's ambiguous
 *       codes (13888 timed_out, 11094 internal_server_error, 10040 retry, 10047 matching engine
 *       queue full), which, like a lost reply (timeout, disconnect after the request left), leave the
 *       order's fate unknown: it is NEVER sent again (the exchange may register it after a look-up
 *       answered "none"). {@code private/get_order_state_by_label} is asked, with backoff, until the
 *       order shows (adopted with its state) or {@code unknownAfterMs} passed: then the row becomes
 *       {@code unknown} and so does the intent's outcome; the row stays watched (notifications,
 *       reconciliation) and the order is adopted whenever it appears. A redelivered intent whose
 *       row exists resumes from the row: terminal → its outcome; pending_new → looked up, never sent.
 *       The same intent id twice while in flight gets the one outcome of the first.</li>
 *   <li>{@code cancel} / {@code edit}: by the target's order id; after an ambiguous failure the
 *       order's state is read back and the (idempotent) request repeated only while it is still needed.</li>
 * </ul>
 *
 * <p>Runs on the executor's context. Labels in flight are tracked so reconciliation leaves them to
 * this path.
 */
final class IntentProcessor {

  private static final Logger LOG = LoggerFactory.getLogger(IntentProcessor.class);

  private final Vertx vertx;
  private final ExecutorOptions options;
  private final OrderStore store;
  private final PrivateSession session;
  private final RiskLimits risk;
  private final ExecutorMetrics metrics;
  private final Supplier<Future<Void>> awaitReady;
  /** Deribit's error codes after which a matching-engine request may or may not have taken effect. */
  static final Set<Long> AMBIGUOUS_CODES = Set.of(13888L, 11094L, 10040L, 10047L);

  /** The new-order intents being decided here, by id: a duplicate joins the first instead of acting. */
  private final Map<String, Future<Outcome>> inFlight = new HashMap<>();
  private final Consumer<String> watchUnknown;
  /** The fail-closed reason now (null: not failed closed), read again at the moment of sending. */
  private final Supplier<String> failClosed;
  private Future<Void> gate = Future.succeededFuture();

  IntentProcessor(Vertx vertx, ExecutorOptions options, OrderStore store, PrivateSession session, RiskLimits risk,
      ExecutorMetrics metrics, Supplier<Future<Void>> awaitReady, Consumer<String> watchUnknown, Supplier<String> failClosed) {
    this.watchUnknown = watchUnknown;
    this.failClosed = failClosed;
    this.vertx = vertx;
    this.options = options;
    this.store = store;
    this.session = session;
    this.risk = risk;
    this.metrics = metrics;
    this.awaitReady = awaitReady;
  }

  boolean inFlight(String label) {
    return inFlight.containsKey(label);
  }

  /** @return the outcome (not yet recorded) of a valid intent; fails when it must be retried later */
  Future<Outcome> process(Intent in, String failClosedReason) {
    if (in.isNew()) {
      Future<Outcome> running = inFlight.get(in.id());
      if (running != null) {
        // The same intent id again (a producer's retried XADD) while the first is being decided.
        metrics.rejected("duplicate");
        return running;
      }
      Promise<Outcome> decided = Promise.promise();
      inFlight.put(in.id(), decided.future());
      placeNew(in, failClosedReason).onComplete(ar -> {
        inFlight.remove(in.id());
        decided.handle(ar);
      });
      return decided.future();
    }
    if ("edit".equals(in.type()) && failClosedReason != null) {
      metrics.rejected("fail-closed");
      return Future.succeededFuture(Outcome.rejected(in.id(), in.type(), failClosedReason));
    }
    return store.find(in.target()).compose(row -> {
      if (row == null) {
        return Future.succeededFuture(Outcome.rejected(in.id(), in.type(), "target: no order with label " + in.target()));
      }
      String state = row.getString("state");
      if (OrderStore.TERMINAL.contains(state)) {
        return Future.succeededFuture(new Outcome(in.id(), in.type(), "rejected", row.getString("order_id"), state,
          plain(row.getBigDecimal("filled_amount")), "target: order is already " + state));
      }
      if (row.getString("order_id") == null) {
        return Future.succeededFuture(Outcome.rejected(in.id(), in.type(), "target: order not yet acknowledged by the exchange"));
      }
      if ("edit".equals(in.type())) {
        return store.risk(row.getString("instrument"), row.getString("side")).compose(view -> {
          String refused = risk.checkEdit(row.getString("instrument"), row.getString("side"), row.getBoolean("reduce_only"),
            row.getBigDecimal("amount"), row.getBigDecimal("filled_amount"), in.amount(), view);
          if (refused != null) {
            metrics.rejected("risk");
            return Future.succeededFuture(Outcome.rejected(in.id(), in.type(), refused));
          }
          return modify(in, row.getString("order_id"), row.getBoolean("post_only"), 1);
        });
      }
      return modify(in, row.getString("order_id"), false, 1);
    });
  }

  private Future<Outcome> placeNew(Intent in, String failClosedReason) {
    return store.find(in.id()).compose(row -> {
      if (row == null) {
        return admit(in, failClosedReason).compose(inserted -> store.find(in.id()).compose(r -> {
          if (inserted && "pending_new".equals(r.getString("state"))) {
            return send(in);
          }
          // Not ours to send: another admission of this id inserted the row first.
          return "pending_new".equals(r.getString("state")) ? resolve(in, Backoff.monotonicMs(), 1) : Future.succeededFuture(r);
        }));
      }
      if ("pending_new".equals(row.getString("state"))) {
        // A redelivered intent that may have been sent: ask, never send again.
        return resolve(in, Backoff.monotonicMs(), 1);
      }
      return Future.succeededFuture(row);
    }).map(r -> newOutcome(in, r));
  }

  /** Risk checks and the INSERT, one intent at a time. */
  private Future<Boolean> admit(Intent in, String failClosedReason) {
    Promise<Boolean> done = Promise.promise();
    gate = gate.transform(ignored -> {
      if (failClosedReason != null) {
        metrics.rejected("fail-closed");
      }
      Future<Boolean> step = failClosedReason != null ? store.insert(in, "rejected", failClosedReason)
        : store.risk(in.instrument(), in.side()).compose(view -> {
          String refused = risk.check(in, view);
          if (refused != null) {
            metrics.rejected("risk");
          }
          return store.insert(in, refused == null ? "pending_new" : "rejected", refused);
        });
      step.onComplete(done);
      return step.<Void>mapEmpty().otherwiseEmpty();
    });
    return done.future();
  }

  /**
   * Sends once the connection is reconciled, and only if the executor has not failed closed in the
   * meantime (the reason is read at the moment of sending, not at admission).
   */
  private Future<Row> send(Intent in) {
    return awaitReady.get().compose(v -> {
      String reason = failClosed.get();
      if (reason != null) {
        metrics.rejected("fail-closed");
        return store.rejectPending(in.id(), reason).compose(x -> store.find(in.id()));
      }
      return sendNow(in);
    });
  }

  private Future<Row> sendNow(Intent in) {
    JsonObject params = new JsonObject().put("instrument_name", in.instrument()).put("amount", in.amount())
      .put("type", in.orderType()).put("label", in.id()).put("time_in_force", in.timeInForce());
    if (in.price() != null) {
      params.put("price", in.price());
    }
    // Every flag explicitly: Deribit's schema defaults post_only to TRUE (its examples disagree).
    if ("limit".equals(in.orderType())) {
      params.put("post_only", in.postOnly());
      if (in.postOnly()) {
        params.put("reject_post_only", true);
      }
    }
    params.put("reduce_only", in.reduceOnly());
    return session.call("buy".equals(in.side()) ? "private/buy" : "private/sell", params).transform(ar -> {
      if (ar.succeeded()) {
        metrics.placed();
        return applyReply(ar.result()).compose(v -> store.find(in.id()));
      }
      Throwable err = ar.cause();
      if (err instanceof JsonRpcErrorException rpc && !AMBIGUOUS_CODES.contains(rpc.code())) {
        metrics.rejected("exchange");
        return store.rejectPending(in.id(), "exchange refused the order: " + rpc.getMessage()).compose(v -> store.find(in.id()));
      }
      if (err instanceof PrivateSession.NotReadyException) {
        // Not sent: wait for the session, then send (the row stays pending_new meanwhile).
        return awaitReady.get().compose(v -> send(in));
      }
      metrics.ambiguous();
      LOG.info("event=executor.ambiguous label={} error=\"{}\"", in.id(), err.getMessage());
      return resolve(in, Backoff.monotonicMs(), 1);
    });
  }

  /**
   * Asks the exchange by label after an ambiguous send, with backoff, until the order shows (applied:
   * adopted) or {@code unknownAfterMs} since {@code sinceMs} passed (the row becomes unknown and is
   * watched). Never sends: the exchange can register the order after a look-up answered "none".
   */
  private Future<Row> resolve(Intent in, long sinceMs, int lookup) {
    // Only the query's own failures are retried here; a failed awaitReady (the executor is
    // stopping) ends the attempt: the row stays pending_new and the next start resolves it.
    // Retrying that too looped synchronously until StackOverflowError (ExecutorProcessIT, SIGTERM).
    return awaitReady.get().compose(v -> session.call("private/get_order_state_by_label",
        new JsonObject().put("currency", Intent.currency(in.instrument())).put("label", in.id()))
      .transform(ar -> {
        if (ar.failed()) {
          if (ar.cause() instanceof FeedClosedException || ar.cause() instanceof PrivateSession.NotReadyException) {
            return resolve(in, sinceMs, lookup);
          }
          return Future.failedFuture(ar.cause());
        }
        JsonArray orders = ar.result() instanceof JsonArray a ? a : new JsonArray();
        if (!orders.isEmpty()) {
          if (orders.size() > 1) {
            LOG.error("event=executor.duplicate-order label={} orders={}", in.id(), orders.size());
          }
          metrics.resolved("found");
          Future<Boolean> chain = Future.succeededFuture();
          for (Object o : orders) {
            chain = chain.compose(x -> store.apply((JsonObject) o));
          }
          return chain.compose(x -> store.find(in.id()));
        }
        if (Backoff.monotonicMs() - sinceMs >= options.unknownAfterMs) {
          metrics.resolved("unknown");
          LOG.warn("event=executor.unknown label={} lookups={} afterMs={}", in.id(), lookup, options.unknownAfterMs);
          watchUnknown.accept(in.id());
          return store.markUnknown(in.id(), "no reply, and the exchange showed no order with this label within "
            + options.unknownAfterMs + " ms; not sent again: the order is adopted if it appears").compose(x -> store.find(in.id()));
        }
        metrics.resolved("absent");
        long delayMs = options.lookupBackoff.delayMs(lookup, ThreadLocalRandom.current().nextDouble());
        return vertx.timer(delayMs).compose(t -> resolve(in, sinceMs, lookup + 1));
      }));
  }

  /** @param postOnly the order's own post_only, repeated on an edit (omitted, Deribit's schema defaults it to true) */
  private Future<Outcome> modify(Intent in, String orderId, boolean postOnly, int attempt) {
    boolean cancel = "cancel".equals(in.type());
    JsonObject params = new JsonObject().put("order_id", orderId);
    if (!cancel) {
      params.put("amount", in.amount()).put("price", in.price()).put("post_only", postOnly);
      if (postOnly) {
        params.put("reject_post_only", true);
      }
    }
    return session.call(cancel ? "private/cancel" : "private/edit", params).transform(ar -> {
      if (ar.succeeded()) {
        return applyReply(ar.result()).compose(v -> store.find(in.target())).map(row -> modifyOutcome(in, row, null));
      }
      if (ar.cause() instanceof JsonRpcErrorException rpc && !AMBIGUOUS_CODES.contains(rpc.code())) {
        // Refused (e.g. 11044 not_open_order): read the order's state back so the row converges.
        return refresh(orderId).compose(v -> store.find(in.target()))
          .map(row -> modifyOutcome(in, row, "exchange refused: " + rpc.getMessage()));
      }
      if (!(ar.cause() instanceof PrivateSession.NotReadyException)) {
        metrics.ambiguous();
      }
      if (attempt >= options.maxSendAttempts) {
        return refresh(orderId).compose(v -> store.find(in.target()))
          .map(row -> modifyOutcome(in, row, "no reply after " + attempt + " attempts"));
      }
      // Cancel and edit (to absolute values) are safe to repeat; read the state first so a cancel
      // that went through is not repeated for nothing.
      return awaitReady.get().compose(v -> refresh(orderId)).compose(v -> store.find(in.target())).compose(row ->
        OrderStore.TERMINAL.contains(row.getString("state")) ? Future.succeededFuture(modifyOutcome(in, row, null))
          : modify(in, orderId, postOnly, attempt + 1));
    });
  }

  private Future<Void> refresh(String orderId) {
    return session.call("private/get_order_state", new JsonObject().put("order_id", orderId))
      .compose(r -> r instanceof JsonObject o ? store.apply(o).<Void>mapEmpty() : Future.<Void>succeededFuture())
      .recover(err -> Future.succeededFuture());
  }

  /** Applies a private/buy|sell|edit|cancel result: {@code {order, trades}} or a bare order object. */
  Future<Void> applyReply(Object result) {
    if (!(result instanceof JsonObject r)) {
      return Future.succeededFuture();
    }
    JsonObject order = r.getValue("order") instanceof JsonObject o ? o : r.containsKey("order_state") ? r : null;
    Future<Boolean> applied = order == null ? Future.succeededFuture(true) : store.apply(order);
    return applied.compose(x -> r.getValue("trades") instanceof JsonArray t ? store.insertFills(t) : Future.<Void>succeededFuture());
  }

  /** @return the outcome of a new-order intent whose order {@code row} now shows (an unknown order adopted) */
  static Outcome adoptedOutcome(Row row) {
    return newOutcome(row.getString("label"), "new", row);
  }

  private static Outcome newOutcome(Intent in, Row row) {
    return newOutcome(in.id(), in.type(), row);
  }

  private static Outcome newOutcome(String intentId, String type, Row row) {
    String state = row.getString("state");
    String status = switch (state) {
      case "open", "partially_filled" -> "placed";
      case "pending_new" -> "placed"; // cannot happen: resolved before an outcome is made
      case "unknown" -> "unknown";
      default -> state;
    };
    return new Outcome(intentId, type, status, row.getString("order_id"), state, plain(row.getBigDecimal("filled_amount")),
      row.getString("reason"));
  }

  private static Outcome modifyOutcome(Intent in, Row row, String refused) {
    String state = row.getString("state");
    boolean cancel = "cancel".equals(in.type());
    String status;
    String reason = refused;
    if (cancel) {
      status = "cancelled".equals(state) ? "cancelled" : "rejected";
      if (!"cancelled".equals(state) && reason == null) {
        reason = "order is " + state;
      }
    } else {
      status = refused == null && !OrderStore.TERMINAL.contains(state) ? "edited" : "rejected";
      if ("rejected".equals(status) && reason == null) {
        reason = "order is " + state;
      }
    }
    return new Outcome(in.id(), in.type(), status, row.getString("order_id"), state, plain(row.getBigDecimal("filled_amount")),
      reason);
  }

  private static String plain(BigDecimal d) {
    return d == null ? null : d.toPlainString();
  }
}
