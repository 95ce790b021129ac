package io.tradekit.verticles.md;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One trade as it travels through Redis Streams (flat string fields, exact decimals) and into the
 * {@code trades} table. Written by the receiver, parsed and validated by the distributor.
 *
 * <p>Stream entry fields: {@code ex} exchange, {@code in} instrument, {@code id} trade id,
 * {@code seq} trade sequence, {@code px} price, {@code qty} amount, {@code side} buy|sell,
 * {@code ts} exchange timestamp (epoch ms), {@code sent} receive time at the receiver (epoch ms).
 */
public record TradeRecord(String exchange, String instrument, String tradeId, long tradeSeq, BigDecimal price,
                          BigDecimal amount, String direction, long timestampMs) {

  /** @return the stream entry fields, as alternating names and values for XADD */
  public List<String> toFields(long receivedAtMs) {
    List<String> fields = new ArrayList<>(18);
    fields.add("ex");
    fields.add(exchange);
    fields.add("in");
    fields.add(instrument);
    fields.add("id");
    fields.add(tradeId);
    fields.add("seq");
    fields.add(Long.toString(tradeSeq));
    fields.add("px");
    fields.add(price.toPlainString());
    fields.add("qty");
    fields.add(amount.toPlainString());
    fields.add("side");
    fields.add(direction);
    fields.add("ts");
    fields.add(Long.toString(timestampMs));
    fields.add("rcv");
    fields.add(Long.toString(receivedAtMs));
    return fields;
  }

  /**
   * Parses and validates stream entry fields.
   *
   * @throws IllegalArgumentException naming the field when the entry can never be persisted
   *     (missing field, not a number, non-positive price/amount, unknown side)
   */
  public static TradeRecord fromFields(Map<String, String> f) {
    String exchange = required(f, "ex");
    String instrument = required(f, "in");
    String id = required(f, "id");
    long seq = parseLong(f, "seq");
    BigDecimal price = positive(f, "px");
    BigDecimal amount = positive(f, "qty");
    String side = required(f, "side");
    if (!side.equals("buy") && !side.equals("sell")) {
      throw new IllegalArgumentException("side: expected buy or sell, got \"" + side + "\"");
    }
    long ts = parseLong(f, "ts");
    return new TradeRecord(exchange, instrument, id, seq, price, amount, side, ts);
  }

  private static String required(Map<String, String> f, String name) {
    String value = f.get(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(name + ": missing");
    }
    return value;
  }

  private static long parseLong(Map<String, String> f, String name) {
    String value = required(f, name);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": expected an integer, got \"" + value + "\"");
    }
  }

  private static BigDecimal positive(Map<String, String> f, String name) {
    String value = required(f, name);
    BigDecimal number;
    try {
      number = new BigDecimal(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": expected a decimal, got \"" + value + "\"");
    }
    if (number.signum() <= 0) {
      throw new IllegalArgumentException(name + ": expected a positive value, got " + value);
    }
    return number;
  }
}
