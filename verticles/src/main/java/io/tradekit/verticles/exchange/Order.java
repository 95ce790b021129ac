package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One order of the simulated exchange's private API, mutable as it fills, is edited or cancelled.
 *
 * <p>Owned by the {@link MatchingEngine} and used only on the exchange's context. Amounts are
 * whole amount steps of the instrument ({@link InstrumentSpec}: USD for inverse perpetuals), prices
 * whole ticks. Every change stamps {@code last_update_timestamp} with the clock, never earlier
 * than before but possibly EQUAL (two updates in one millisecond), as on Deribit.
 */
final class Order {

  static final String OPEN = "open";
  static final String FILLED = "filled";
  static final String CANCELLED = "cancelled";
  /**
   * The connection id of an order restored from the state directory: never a live connection's
   * ({@code c<n>}), so a restart counts as every connection having gone, yet the orders stay open
   * (Deribit keeps orders when ITS side restarts); only account-scope cancel-on-disconnect of a
   * new connection still reaches them.
   */
  static final String RESTORED_CONNECTION = "restored";

  final String orderId;
  final String account;
  final String instrument;
  final String connectionId;
  final String label;
  final boolean buy;
  final boolean market;
  /** Changeable by {@code private/edit}, which takes the flags again (omitted: post_only true, as Deribit's schema says). */
  boolean postOnly;
  boolean rejectPostOnly;
  final boolean reduceOnly;
  final String timeInForce;
  final BigDecimal tickSize;
  /** The instrument's currency and amount units. */
  final InstrumentSpec spec;
  final long createdMs;
  /** Time priority among resting orders: the engine's acceptance counter. */
  long priority;
  long amount;
  /** The limit price; for a market order the worst price it filled at (0 before a fill). */
  long priceTicks;
  long filled;
  /** Sum of fill price (in ticks) times fill amount, for the average price. */
  long filledTickAmount;
  String state = OPEN;
  String cancelReason;
  boolean replaced;
  long lastUpdateMs;

  Order(String orderId, String account, String connectionId, OrderRequest request, BigDecimal tickSize, long nowMs) {
    this.orderId = orderId;
    this.account = account;
    this.connectionId = connectionId;
    this.instrument = request.instrument;
    this.label = request.label;
    this.buy = request.buy;
    this.market = request.market;
    this.postOnly = request.postOnly;
    this.rejectPostOnly = request.rejectPostOnly;
    this.reduceOnly = request.reduceOnly;
    this.timeInForce = request.timeInForce;
    this.amount = request.amount;
    this.priceTicks = request.priceTicks;
    this.tickSize = tickSize;
    this.spec = InstrumentSpec.of(request.instrument);
    this.createdMs = nowMs;
    this.lastUpdateMs = nowMs;
  }

  /** Restores an order from {@link #toState()}: every field as it was, except the connection (gone). */
  private Order(JsonObject state) {
    this.orderId = requireString(state, "orderId");
    this.account = requireString(state, "account");
    this.connectionId = RESTORED_CONNECTION;
    this.instrument = requireString(state, "instrument");
    this.label = requireString(state, "label");
    this.buy = state.getBoolean("buy");
    this.market = state.getBoolean("market");
    this.postOnly = state.getBoolean("postOnly");
    this.rejectPostOnly = state.getBoolean("rejectPostOnly");
    this.reduceOnly = state.getBoolean("reduceOnly");
    this.timeInForce = requireString(state, "timeInForce");
    this.tickSize = new BigDecimal(requireString(state, "tickSize"));
    this.spec = InstrumentSpec.of(instrument);
    this.createdMs = state.getLong("createdMs");
    applyState(state);
  }

  /**
   * @return every field as persistence needs it (the simulated exchange's state directory), not
   *     the Deribit wire object ({@link #toJson()}): numbers exact (ticks, whole units, the tick
   *     size as a decimal string), no connection
   */
  JsonObject toState() {
    return new JsonObject()
      .put("orderId", orderId)
      .put("account", account)
      .put("instrument", instrument)
      .put("label", label)
      .put("buy", buy)
      .put("market", market)
      .put("postOnly", postOnly)
      .put("rejectPostOnly", rejectPostOnly)
      .put("reduceOnly", reduceOnly)
      .put("timeInForce", timeInForce)
      .put("tickSize", tickSize.toString())
      .put("createdMs", createdMs)
      .put("priority", priority)
      .put("amount", amount)
      .put("priceTicks", priceTicks)
      .put("filled", filled)
      .put("filledTickAmount", filledTickAmount)
      .put("state", state)
      .put("cancelReason", cancelReason)
      .put("replaced", replaced)
      .put("lastUpdateMs", lastUpdateMs);
  }

  /**
   * @return the order of {@code state} (from {@link #toState()})
   * @throws IllegalArgumentException naming the field when one is missing or of the wrong type
   */
  static Order fromState(JsonObject state) {
    try {
      return new Order(state);
    } catch (NullPointerException | ClassCastException | NumberFormatException e) {
      throw new IllegalArgumentException("order state: a field is missing or of the wrong type (" + e + ") in " + state.encode(), e);
    }
  }

  /** Sets the mutable fields (amount, price, fills, state...) from a later {@link #toState()} of the same order. */
  void applyState(JsonObject state) {
    try {
      priority = state.getLong("priority");
      amount = state.getLong("amount");
      priceTicks = state.getLong("priceTicks");
      filled = state.getLong("filled");
      filledTickAmount = state.getLong("filledTickAmount");
      this.state = requireString(state, "state");
      cancelReason = state.getString("cancelReason");
      replaced = state.getBoolean("replaced");
      lastUpdateMs = state.getLong("lastUpdateMs");
    } catch (NullPointerException | ClassCastException e) {
      throw new IllegalArgumentException("order state: a field is missing or of the wrong type (" + e + ") in " + state.encode(), e);
    }
  }

  private static String requireString(JsonObject state, String key) {
    String value = state.getString(key);
    if (value == null) {
      throw new IllegalArgumentException("order state: missing \"" + key + "\" in " + state.encode());
    }
    return value;
  }

  boolean isOpen() {
    return OPEN.equals(state);
  }

  long remaining() {
    return amount - filled;
  }

  /**
   * Marks a change: {@code last_update_timestamp} becomes now (never earlier than before). Two
   * updates within one millisecond carry the SAME timestamp, as on Deribit: a client cannot order
   * notifications of one order by the timestamp alone.
   */
  void touch(long nowMs) {
    lastUpdateMs = Math.max(nowMs, lastUpdateMs);
  }

  void fill(long tradeAmount, long tradePriceTicks, long nowMs) {
    filled += tradeAmount;
    filledTickAmount += tradeAmount * tradePriceTicks;
    if (filled == amount) {
      state = FILLED;
    }
    touch(nowMs);
  }

  void cancel(String reason, long nowMs) {
    state = CANCELLED;
    cancelReason = reason;
    touch(nowMs);
  }

  BigDecimal price(long ticks) {
    return BigDecimal.valueOf(ticks).multiply(tickSize);
  }

  /** @return the average fill price, exact to 8 decimals, or 0 before the first fill */
  BigDecimal averagePrice() {
    if (filled == 0) {
      return BigDecimal.ZERO;
    }
    return BigDecimal.valueOf(filledTickAmount).multiply(tickSize)
      .divide(BigDecimal.valueOf(filled), 8, RoundingMode.HALF_EVEN).stripTrailingZeros();
  }

  /** @return the Deribit order object */
  JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("order_id", orderId)
      .put("order_state", state)
      .put("order_type", market ? "market" : "limit")
      .put("instrument_name", instrument)
      .put("direction", buy ? "buy" : "sell")
      .put("amount", spec.amount(amount))
      .put("filled_amount", spec.amount(filled))
      // Deribit writes "market_price" only for untriggered market orders, which the simulator has
      // none of; an executed market order shows the worst price it filled at (0 before a fill).
      .put("price", price(priceTicks))
      .put("average_price", averagePrice())
      .put("label", label)
      .put("post_only", postOnly)
      .put("reduce_only", reduceOnly)
      .put("time_in_force", timeInForce)
      .put("creation_timestamp", createdMs)
      .put("last_update_timestamp", lastUpdateMs)
      .put("replaced", replaced)
      .put("api", true)
      .put("web", false);
    if (postOnly) {
      json.put("reject_post_only", rejectPostOnly);
    }
    if (cancelReason != null) {
      json.put("cancel_reason", cancelReason);
    }
    return json;
  }
}
