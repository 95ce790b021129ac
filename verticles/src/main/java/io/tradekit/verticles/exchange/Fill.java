package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One own fill (user trade) of the simulated exchange's private API: an immutable value created by
 * the {@link MatchingEngine} on the exchange's context.
 *
 * <p>{@code trade_seq} is per instrument, shared by all accounts and sparse (see
 * {@link PrivateLedger#fill}; after a start-time base, so a restarted exchange never reuses one);
 * {@code trade_id} is unique over the exchange ({@code u}
 * prefix: never equal to a public trade's id). Fee: maker 0, taker {@link #TAKER_FEE_RATE} of the
 * amount's value in the base currency ({@code amount / price}, inverse perpetuals).
 */
final class Fill {

  static final BigDecimal TAKER_FEE_RATE = new BigDecimal("0.0005");

  final String tradeId;
  final long tradeSeq;
  final String account;
  final Order order;
  final String orderId;
  final String label;
  final String instrument;
  final boolean buy;
  final long amount;
  final long priceTicks;
  final boolean maker;
  final long timestampMs;
  /** The order's state right after this fill. */
  final String orderState;

  Fill(String tradeId, long tradeSeq, Order order, long amount, long priceTicks, boolean maker, long timestampMs) {
    this.tradeId = tradeId;
    this.tradeSeq = tradeSeq;
    this.account = order.account;
    this.order = order;
    this.orderId = order.orderId;
    this.label = order.label;
    this.instrument = order.instrument;
    this.buy = order.buy;
    this.amount = amount;
    this.priceTicks = priceTicks;
    this.maker = maker;
    this.timestampMs = timestampMs;
    this.orderState = order.state;
  }

  /** Restores a fill of {@code order} (the restored order, or a closed stand-in) from {@link #toState()}. */
  private Fill(JsonObject state, Order order) {
    this.tradeId = state.getString("tradeId");
    this.tradeSeq = state.getLong("tradeSeq");
    this.account = order.account;
    this.order = order;
    this.orderId = order.orderId;
    this.label = order.label;
    this.instrument = order.instrument;
    this.buy = order.buy;
    this.amount = state.getLong("amount");
    this.priceTicks = state.getLong("priceTicks");
    this.maker = state.getBoolean("maker");
    this.timestampMs = state.getLong("timestampMs");
    this.orderState = state.getString("orderState");
    if (tradeId == null || orderState == null) {
      throw new NullPointerException("tradeId or orderState");
    }
  }

  /**
   * @return the fill as the simulated exchange's state directory keeps it, not the Deribit wire
   *     object ({@link #toJson()}); it carries the order's immutable fields that the fill's wire
   *     object needs, so a fill outlives its order being forgotten (history bound) and restored
   */
  JsonObject toState() {
    JsonObject orderFields = order.toState();
    // Only the order's immutable fields: the fill's own orderState says what it was at the fill.
    for (String mutable : new String[] {"priority", "amount", "priceTicks", "filled", "filledTickAmount", "state",
      "cancelReason", "replaced", "lastUpdateMs"}) {
      orderFields.remove(mutable);
    }
    return new JsonObject()
      .put("tradeId", tradeId)
      .put("tradeSeq", tradeSeq)
      .put("amount", amount)
      .put("priceTicks", priceTicks)
      .put("maker", maker)
      .put("timestampMs", timestampMs)
      .put("orderState", orderState)
      .put("order", orderFields);
  }

  /**
   * @param knownOrders the restored order of an id, or null when it is no longer kept; then a
   *     closed stand-in is built from the fields the fill carries
   * @throws IllegalArgumentException naming the state when a field is missing or of the wrong type
   */
  static Fill fromState(JsonObject state, java.util.function.Function<String, Order> knownOrders) {
    try {
      JsonObject orderFields = state.getJsonObject("order");
      Order order = knownOrders.apply(orderFields.getString("orderId"));
      if (order == null) {
        order = Order.fromState(orderFields.copy().put("priority", 0L).put("amount", state.getLong("amount"))
          .put("priceTicks", state.getLong("priceTicks")).put("filled", state.getLong("amount"))
          .put("filledTickAmount", 0L).put("state", Order.FILLED).put("replaced", false)
          .put("lastUpdateMs", state.getLong("timestampMs")));
      }
      return new Fill(state, order);
    } catch (NullPointerException | ClassCastException e) {
      throw new IllegalArgumentException("fill state: a field is missing or of the wrong type (" + e + ") in " + state.encode(), e);
    }
  }

  BigDecimal fee() {
    if (maker) {
      return BigDecimal.ZERO;
    }
    BigDecimal price = order.price(priceTicks);
    if (order.spec.linear) {
      // Linear: the amount is in the base coin, the fee in USDC (amount x price x rate).
      return order.spec.amount(amount).multiply(price).multiply(TAKER_FEE_RATE).setScale(8, RoundingMode.HALF_EVEN).stripTrailingZeros();
    }
    return BigDecimal.valueOf(amount).multiply(TAKER_FEE_RATE).divide(price, 8, RoundingMode.HALF_EVEN).stripTrailingZeros();
  }

  /**
   * @return the Deribit user trade object. The simulator records no mark or index price per fill,
   *     so {@code mark_price} and {@code index_price} repeat the fill price and {@code tick_direction}
   *     is 0; {@code matching_id} is always null, as on Deribit.
   */
  JsonObject toJson() {
    BigDecimal price = order.price(priceTicks);
    return new JsonObject()
      .put("trade_id", tradeId)
      .put("matching_id", null)
      .put("mark_price", price)
      .put("index_price", price)
      .put("tick_direction", 0)
      .put("trade_seq", tradeSeq)
      // Deribit: always null. Mark and index price: the simulator's fill price (no separate index).
      .putNull("matching_id")
      .put("tick_direction", buy ? 0 : 2)
      .put("mark_price", order.price(priceTicks))
      .put("index_price", order.price(priceTicks))
      .put("order_id", orderId)
      .put("label", label)
      .put("instrument_name", instrument)
      .put("direction", buy ? "buy" : "sell")
      .put("amount", order.spec.amount(amount))
      .put("price", order.price(priceTicks))
      .put("fee", fee())
      .put("fee_currency", order.spec.currency)
      .put("liquidity", maker ? "M" : "T")
      .put("order_type", order.market ? "market" : "limit")
      .put("post_only", order.postOnly)
      .put("reduce_only", order.reduceOnly)
      .put("state", orderState)
      .put("timestamp", timestampMs);
  }
}
