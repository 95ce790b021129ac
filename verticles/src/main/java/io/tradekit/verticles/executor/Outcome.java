package io.tradekit.verticles.executor;

import io.vertx.sqlclient.Row;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of one intent as published on {@code exec:<exchange>:outcomes} and stored in
 * {@code intent_outcomes}. Status: {@code placed} (open at the exchange), {@code filled},
 * {@code cancelled}, {@code edited}, {@code expired} or {@code rejected} (with the reason).
 */
record Outcome(String intentId, String type, String status, String orderId, String orderState, String filledAmount,
    String reason) {

  static Outcome rejected(String intentId, String type, String reason) {
    return new Outcome(intentId, type, "rejected", null, null, null, reason);
  }

  static Outcome of(Row r) {
    BigDecimal filled = r.getBigDecimal("filled_amount");
    return new Outcome(r.getString("intent_id"), r.getString("type"), r.getString("status"), r.getString("order_id"),
      r.getString("order_state"), filled == null ? null : filled.toPlainString(), r.getString("reason"));
  }

  /** The stream entry's fields (flat strings; absent values are empty strings). */
  List<String> fields(long tsMs) {
    List<String> f = new ArrayList<>(16);
    add(f, "intent_id", intentId);
    add(f, "type", type);
    add(f, "status", status);
    add(f, "order_state", orderState);
    add(f, "order_id", orderId);
    add(f, "reason", reason);
    add(f, "filled_amount", filledAmount);
    add(f, "ts", Long.toString(tsMs));
    return f;
  }

  private static void add(List<String> f, String k, String v) {
    f.add(k);
    f.add(v == null ? "" : v);
  }
}
