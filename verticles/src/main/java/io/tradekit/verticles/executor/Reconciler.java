package io.tradekit.verticles.executor;

import io.tradekit.feed.JsonRpcErrorException;
import io.tradekit.feed.PrivateSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Brings local state to the exchange's, at start and after every reconnect (called when the session
 * is ready, before intents are taken):
 * <ol>
 *   <li>every {@code pending_new} or {@code unknown} row not in flight here is asked for by label:
 *       found → applied (an unknown order is adopted and its intent's outcome replaced); absent →
 *       the row becomes (or stays) {@code unknown} and watched, never rejected: the exchange may
 *       still register it, and nothing re-sends it;</li>
 *   <li>per instrument, the exchange's open orders: ours are applied; one with our label prefix and
 *       no row is a discrepancy; our open rows the exchange no longer lists are read back by order
 *       id (an order it does not know is a discrepancy);</li>
 *   <li>per instrument, own trades after the fill cursor, page by page ({@code has_more}), stored
 *       once by trade id; the cursor then moves to the last trade_seq fetched.</li>
 * </ol>
 * A discrepancy fails the returned future with a {@link Discrepancy}: the executor fails closed.
 * Runs on the executor's context.
 */
final class Reconciler {

  /** Local state that cannot be made to agree with the exchange's. */
  static final class Discrepancy extends RuntimeException {
    Discrepancy(String message) {
      super(message);
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  private static final long ORDER_NOT_FOUND = 10004;

  private final ExecutorOptions options;
  private final OrderStore store;
  private final PrivateSession session;
  private final Predicate<String> inFlight;
  private final Consumer<String> watchUnknown;
  private final Function<String, Future<Void>> adopted;
  private final java.util.function.BiConsumer<String, java.math.BigDecimal> positionBaseline;

  /**
   * @param watchUnknown told the label of every row left unknown (the owner watches it)
   * @param adopted told the label of a pending or unknown row whose order was found and applied
   */
  Reconciler(ExecutorOptions options, OrderStore store, PrivateSession session, Predicate<String> inFlight,
             Consumer<String> watchUnknown, Function<String, Future<Void>> adopted,
             java.util.function.BiConsumer<String, java.math.BigDecimal> positionBaseline) {
    this.positionBaseline = positionBaseline;
    this.options = options;
    this.store = store;
    this.session = session;
    this.inFlight = inFlight;
    this.watchUnknown = watchUnknown;
    this.adopted = adopted;
  }

  Future<Void> run() {
    long startedNanos = System.nanoTime();
    return pendingRows().compose(v -> {
      Future<Void> chain = Future.succeededFuture();
      for (String instrument : options.instruments) {
        chain = chain.compose(x -> openOrders(instrument)).compose(x -> fills(instrument, 0)).compose(x -> position(instrument));
      }
      return chain;
    }).onSuccess(v -> LOG.info("event=executor.reconciled exchange={} tookMs={}", options.exchange,
      (System.nanoTime() - startedNanos) / 1_000_000));
  }

  private Future<Void> pendingRows() {
    return store.pending().compose(rows -> {
      Future<Void> chain = Future.succeededFuture();
      for (String[] row : rows) {
        String label = row[0];
        if (inFlight.test(label)) {
          continue;
        }
        chain = chain.compose(v -> session.call("private/get_order_state_by_label",
            new JsonObject().put("currency", Intent.currency(row[1])).put("label", label))
          .compose(result -> {
            JsonArray orders = result instanceof JsonArray a ? a : new JsonArray();
            if (orders.isEmpty()) {
              LOG.info("event=executor.pending-resolved label={} result=absent state=unknown", label);
              watchUnknown.accept(label);
              return "unknown".equals(row[2]) ? Future.<Void>succeededFuture()
                : store.markUnknown(label, "the exchange showed no order with this label during reconciliation; "
                  + "not sent again: the order is adopted if it appears");
            }
            Future<Boolean> applied = Future.succeededFuture();
            for (Object o : orders) {
              applied = applied.compose(x -> store.apply((JsonObject) o));
            }
            LOG.info("event=executor.pending-resolved label={} result=found", label);
            return applied.compose(x -> adopted.apply(label));
          }));
      }
      return chain;
    });
  }

  private Future<Void> openOrders(String instrument) {
    return session.call("private/get_open_orders_by_instrument", new JsonObject().put("instrument_name", instrument))
      .compose(result -> store.liveOrders(instrument).compose(local -> {
        JsonArray open = result instanceof JsonArray a ? a : new JsonArray();
        Set<String> seen = new HashSet<>();
        Future<Void> chain = Future.succeededFuture();
        for (Object o : open) {
          JsonObject order = (JsonObject) o;
          String label = order.getString("label");
          if (label == null || !label.startsWith(options.labelPrefix)) {
            continue; // not placed by an executor with our prefix: not ours to judge
          }
          seen.add(label);
          chain = chain.compose(v -> store.apply(order).compose(known -> known || inFlight.test(label)
            ? Future.<Void>succeededFuture()
            : Future.failedFuture(new Discrepancy("open order " + order.getValue("order_id") + " of " + instrument
              + " with our label prefix (label " + label + ") has no row here: placed outside this executor"))));
        }
        for (Map.Entry<String, String> e : local.entrySet()) {
          if (!seen.contains(e.getKey()) && !inFlight.test(e.getKey())) {
            chain = chain.compose(v -> readBack(e.getKey(), e.getValue()));
          }
        }
        return chain;
      }));
  }

  private Future<Void> readBack(String label, String orderId) {
    return session.call("private/get_order_state", new JsonObject().put("order_id", orderId)).transform(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof JsonRpcErrorException rpc && rpc.code() == ORDER_NOT_FOUND) {
          return Future.failedFuture(new Discrepancy("order " + orderId + " (label " + label
            + ") is open here but unknown to the exchange"));
        }
        return Future.failedFuture(ar.cause());
      }
      return ar.result() instanceof JsonObject o ? store.apply(o).mapEmpty() : Future.succeededFuture();
    });
  }

  private Future<Void> fills(String instrument, int pages) {
    return store.cursor(instrument).compose(cursor -> session.call("private/get_user_trades_by_instrument",
        new JsonObject().put("instrument_name", instrument).put("start_seq", cursor + 1).put("count", options.tradesPageSize)
          .put("sorting", "asc"))
      .compose(result -> {
        JsonObject r = result instanceof JsonObject o ? o : new JsonObject();
        JsonArray trades = r.getJsonArray("trades", new JsonArray());
        long last = cursor;
        for (Object t : trades) {
          if (t instanceof JsonObject o && o.getValue("trade_seq") instanceof Number n) {
            last = Math.max(last, n.longValue());
          }
        }
        long lastSeq = last;
        boolean more = r.getBoolean("has_more", false) && lastSeq > cursor;
        return store.insertFills(trades)
          .compose(v -> lastSeq > cursor ? store.moveCursor(instrument, lastSeq) : Future.<Void>succeededFuture())
          .compose(v -> more ? fills(instrument, pages + 1) : Future.<Void>succeededFuture());
      }));
  }

  /**
   * Compares the exchange's position with our fills' and hands the difference to risk: an account
   * that held a position before our history (or whose trades are older than the exchange's 24 h
   * window) is not seen as flat. Fills arriving between the two reads skew it until the next one.
   */
  private Future<Void> position(String instrument) {
    return session.call("private/get_position", new JsonObject().put("instrument_name", instrument))
      .compose(result -> store.position(instrument).map(local -> {
        java.math.BigDecimal exchange = result instanceof JsonObject p && p.getValue("size") != null
          ? new java.math.BigDecimal(p.getValue("size").toString()) : java.math.BigDecimal.ZERO;
        java.math.BigDecimal offset = exchange.subtract(local);
        if (offset.signum() != 0) {
          LOG.info("event=executor.position-baseline instrument={} exchange={} fills={} offset={}", instrument,
            exchange.toPlainString(), local.toPlainString(), offset.toPlainString());
        }
        positionBaseline.accept(instrument, offset);
        return null;
      }));
  }

  static boolean isDiscrepancy(Throwable err) {
    return err instanceof Discrepancy;
  }

  static List<String> channels(List<String> instruments) {
    return instruments.stream().flatMap(i -> java.util.stream.Stream.of("user.orders." + i + ".raw", "user.trades." + i + ".raw"))
      .toList();
  }
}
