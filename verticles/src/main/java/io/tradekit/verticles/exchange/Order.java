package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One order of the simulated exchange's private API, mutable as it fills, is edited or cancelled.
 *
 * <p>Owned by the {@link MatchingEngine} and used only on the exchange's context. Amounts are
 * whole units of the instrument (USD for the perpetuals), prices whole ticks. Every change stamps
 * {@code last_update_timestamp} strictly later than the previous one (at least +1 ms), so a
 * client can order the notifications of one order by it alone.
 */
final class Order {

  static final String OPEN = "open";
  static final String FILLED = "filled";
  static final String CANCELLED = "cancelled";

  final String orderId;
  final String account;
  final String instrument;
  final String connectionId;
  final String label;
  final boolean buy;
  final boolean market;
  final boolean postOnly;
  final boolean rejectPostOnly;
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

  boolean isOpen() {
    return OPEN.equals(state);
  }

  long remaining() {
    return amount - filled;
  }

  /** Marks a change: {@code last_update_timestamp} becomes now, or the previous one + 1 ms if that is later. */
  void touch(long nowMs) {
    lastUpdateMs = Math.max(nowMs, lastUpdateMs + 1);
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
