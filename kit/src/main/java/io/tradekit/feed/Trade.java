package io.tradekit.feed;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;

/**
 * A trade from a {@code trades.*} notification, with exact decimals and {@code long} ids.
 * Built by {@link #fromJson(JsonObject)} from the exactly-decoded payload of a {@link FeedMessage}.
 */
public record Trade(String instrument, String tradeId, long tradeSeq, long timestampMs, BigDecimal price,
                    BigDecimal amount, String direction) {

  /**
   * @throws IllegalArgumentException naming the field when the shape is unexpected (the feed counts
   *     and drops such entries)
   */
  public static Trade fromJson(JsonObject json) {
    return new Trade(string(json, "instrument_name"), string(json, "trade_id"), longValue(json, "trade_seq"),
      longValue(json, "timestamp"), decimal(json, "price"), decimal(json, "amount"), string(json, "direction"));
  }

  private static String string(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null) {
      throw new IllegalArgumentException(field + ": missing");
    }
    return v.toString();
  }

  private static long longValue(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v instanceof Number n && !(v instanceof BigDecimal)) {
      return n.longValue();
    }
    throw new IllegalArgumentException(field + ": expected an integer, got " + v);
  }

  private static BigDecimal decimal(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v instanceof BigDecimal d) {
      return d;
    }
    if (v instanceof Long l) {
      return BigDecimal.valueOf(l);
    }
    if (v instanceof Number n) {
      return new BigDecimal(n.toString());
    }
    throw new IllegalArgumentException(field + ": expected a number, got " + v);
  }
}
