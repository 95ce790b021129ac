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
 * {@code ts} exchange timestamp (epoch ms), {@code rcv} receive time at the receiver (epoch ms, not persisted).
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

  /** Text fields (exchange, instrument, trade id) are at most this many characters. */
  public static final int MAX_TEXT_LENGTH = 128;
  /** Decimals (price, amount) are at most this many characters as sent, before parsing. */
  public static final int MAX_DECIMAL_LENGTH = 64;
  /** Digits before the decimal point; NUMERIC takes up to 131,072, no trade needs more than this. */
  public static final int MAX_INTEGER_DIGITS = 30;
  /** Digits after the decimal point; NUMERIC takes up to 16,383. */
  public static final int MAX_SCALE = 30;
  /** Earliest trade timestamp accepted: 2000-01-01T00:00:00Z (epoch ms). */
  public static final long MIN_TIMESTAMP_MS = 946_684_800_000L;
  /** First timestamp NOT accepted: 2100-01-01T00:00:00Z (epoch ms). */
  public static final long MAX_TIMESTAMP_MS = 4_102_444_800_000L;

  /**
   * Parses and validates stream entry fields against what the {@code trades} table accepts, so an
   * entry PostgreSQL would reject is rejected here, with a reason, before it reaches SQL.
   *
   * @throws IllegalArgumentException naming the field when the entry can never be persisted:
   *     missing field; text longer than {@value #MAX_TEXT_LENGTH} characters or containing a NUL
   *     (PostgreSQL text cannot hold one); not an integer; a decimal that is not positive, longer than
   *     {@value #MAX_DECIMAL_LENGTH} characters, or with more than {@value #MAX_INTEGER_DIGITS}
   *     integer digits or {@value #MAX_SCALE} decimals (e.g. {@code 1E+999999999}); a side other
   *     than buy/sell; a timestamp outside [2000-01-01, 2100-01-01)
   */
  public static TradeRecord fromFields(Map<String, String> f) {
    String exchange = text(f, "ex");
    String instrument = text(f, "in");
    String id = text(f, "id");
    long seq = EntryFields.longValue(f, "seq");
    BigDecimal price = positive(f, "px");
    BigDecimal amount = positive(f, "qty");
    String side = text(f, "side");
    if (!side.equals("buy") && !side.equals("sell")) {
      throw new IllegalArgumentException("side: expected buy or sell, got \"" + side + "\"");
    }
    long ts = EntryFields.longValue(f, "ts");
    if (ts < MIN_TIMESTAMP_MS || ts >= MAX_TIMESTAMP_MS) {
      throw new IllegalArgumentException("ts: expected epoch ms in [" + MIN_TIMESTAMP_MS + ", " + MAX_TIMESTAMP_MS
        + ") (years 2000 to 2099), got " + ts);
    }
    return new TradeRecord(exchange, instrument, id, seq, price, amount, side, ts);
  }

  private static String text(Map<String, String> f, String name) {
    String value = EntryFields.required(f, name);
    if (value.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException(name + ": longer than " + MAX_TEXT_LENGTH + " characters (" + value.length() + ")");
    }
    if (value.indexOf('\u0000') >= 0) {
      throw new IllegalArgumentException(name + ": contains a NUL character (not storable in PostgreSQL text)");
    }
    return value;
  }

  private static BigDecimal positive(Map<String, String> f, String name) {
    String value = EntryFields.required(f, name);
    if (value.length() > MAX_DECIMAL_LENGTH) {
      throw new IllegalArgumentException(name + ": longer than " + MAX_DECIMAL_LENGTH + " characters (" + value.length() + ")");
    }
    BigDecimal number;
    try {
      number = new BigDecimal(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": expected a decimal, got \"" + EntryFields.shown(value) + "\"");
    }
    if (number.signum() <= 0) {
      throw new IllegalArgumentException(name + ": expected a positive value, got " + EntryFields.shown(value));
    }
    // precision - scale = digits before the point (1E+999999999: precision 1, scale -999999999).
    // Trailing zeros do not count ("1.000" is 1); the value is stored as sent, at most 64 characters.
    BigDecimal stripped = number.stripTrailingZeros();
    long integerDigits = (long) stripped.precision() - stripped.scale();
    if (integerDigits > MAX_INTEGER_DIGITS || stripped.scale() > MAX_SCALE) {
      throw new IllegalArgumentException(name + ": expected at most " + MAX_INTEGER_DIGITS + " digits before and "
        + MAX_SCALE + " after the decimal point, got " + value);
    }
    return number;
  }
}
