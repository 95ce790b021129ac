package io.tradekit.feed;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A trade from a {@code trades.*} notification, with exact decimals and {@code long} ids.
 *
 * <p>Price and amount are kept as the decimal TEXT the exchange sent ({@link #priceText()},
 * {@link #amountText()}), checked against the JSON number grammar when the trade is built
 * ({@link #isJsonNumber}): exact without a {@code BigDecimal} round trip, and what the receiver
 * stores verbatim. {@link #price()} and {@link #amount()} build the {@code BigDecimal} on first use
 * (and keep it) for callers that compute with it.
 *
 * <p>Built by the feed's {@link TradeFrameDecoder} straight from a frame's bytes (the hot path), or
 * by {@link #fromJson(JsonObject)} from an exactly-decoded JSON object (the REST history, the generic
 * decoder's fallback). Immutable apart from the cached decimals (benign: any thread may build them).
 */
public final class Trade {

  private final String instrument;
  private final String tradeId;
  private final long tradeSeq;
  private final long timestampMs;
  private final String priceText;
  private final String amountText;
  private final String direction;
  private BigDecimal price;
  private BigDecimal amount;

  /**
   * @param priceText the price as JSON number text, e.g. {@code 97012.5}
   * @param amountText the amount as JSON number text, e.g. {@code 10.0}
   * @throws IllegalArgumentException naming the field when a text is missing or a decimal text is
   *     not a JSON number (e.g. {@code NaN}, {@code 1.}, {@code 0x10})
   */
  public Trade(String instrument, String tradeId, long tradeSeq, long timestampMs, String priceText, String amountText,
      String direction) {
    this.instrument = required(instrument, "instrument_name");
    this.tradeId = required(tradeId, "trade_id");
    this.direction = required(direction, "direction");
    this.priceText = number(priceText, "price");
    this.amountText = number(amountText, "amount");
    this.tradeSeq = tradeSeq;
    this.timestampMs = timestampMs;
  }

  /**
   * The generic (baseline) path: a trade from an exactly-decoded JSON object ({@link ExactJson}).
   * Decimals keep the text a {@code BigDecimal} of the value prints as plain text
   * ({@code toPlainString}), which is what the receiver stored before the streaming decoder.
   *
   * @throws IllegalArgumentException naming the field when the shape is unexpected (the feed counts
   *     and drops such entries)
   */
  public static Trade fromJson(JsonObject json) {
    return new Trade(string(json, "instrument_name"), string(json, "trade_id"), longValue(json, "trade_seq"),
      longValue(json, "timestamp"), decimal(json, "price"), decimal(json, "amount"), string(json, "direction"));
  }

  public String instrument() {
    return instrument;
  }

  public String tradeId() {
    return tradeId;
  }

  public long tradeSeq() {
    return tradeSeq;
  }

  public long timestampMs() {
    return timestampMs;
  }

  /** @return the price exactly as sent (JSON number text) */
  public String priceText() {
    return priceText;
  }

  /** @return the amount exactly as sent (JSON number text) */
  public String amountText() {
    return amountText;
  }

  public String direction() {
    return direction;
  }

  /** @return the price as a {@code BigDecimal}, built on first use */
  public BigDecimal price() {
    BigDecimal p = price;
    if (p == null) {
      p = new BigDecimal(priceText);
      price = p;
    }
    return p;
  }

  /** @return the amount as a {@code BigDecimal}, built on first use */
  public BigDecimal amount() {
    BigDecimal a = amount;
    if (a == null) {
      a = new BigDecimal(amountText);
      amount = a;
    }
    return a;
  }

  /**
   * Whether {@code text} is a JSON number (RFC 8259): {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}.
   * Rejects {@code NaN}, {@code Infinity}, a leading {@code +} or zeros, {@code 1.}, {@code .5},
   * hex, blanks. Allocation-free; any thread.
   */
  public static boolean isJsonNumber(CharSequence text) {
    int n = text.length();
    int i = 0;
    if (i < n && text.charAt(i) == '-') {
      i++;
    }
    if (i >= n) {
      return false;
    }
    if (text.charAt(i) == '0') {
      i++;
    } else if (isDigit(text.charAt(i))) {
      while (i < n && isDigit(text.charAt(i))) {
        i++;
      }
    } else {
      return false;
    }
    if (i < n && text.charAt(i) == '.') {
      int start = ++i;
      while (i < n && isDigit(text.charAt(i))) {
        i++;
      }
      if (i == start) {
        return false;
      }
    }
    if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
      i++;
      if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
        i++;
      }
      int start = i;
      while (i < n && isDigit(text.charAt(i))) {
        i++;
      }
      if (i == start) {
        return false;
      }
    }
    return i == n;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static String required(String value, String field) {
    if (value == null) {
      throw new IllegalArgumentException(field + ": missing");
    }
    return value;
  }

  private static String number(String text, String field) {
    required(text, field);
    if (!isJsonNumber(text)) {
      throw new IllegalArgumentException(field + ": expected a JSON number, got \"" + shorten(text) + "\"");
    }
    return text;
  }

  static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
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
    if (v instanceof Number n && !(v instanceof BigDecimal) && !(v instanceof java.math.BigInteger)) {
      return n.longValue();
    }
    throw new IllegalArgumentException(field + ": expected an integer, got " + v);
  }

  private static String decimal(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (v instanceof Long || v instanceof Integer || v instanceof java.math.BigInteger) {
      return v.toString();
    }
    throw new IllegalArgumentException(field + ": expected a number, got " + (v instanceof String ? "a string" : String.valueOf(v)));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Trade t && tradeSeq == t.tradeSeq && timestampMs == t.timestampMs && instrument.equals(t.instrument)
      && tradeId.equals(t.tradeId) && priceText.equals(t.priceText) && amountText.equals(t.amountText)
      && direction.equals(t.direction);
  }

  @Override
  public int hashCode() {
    return Objects.hash(instrument, tradeId, tradeSeq, timestampMs, priceText, amountText, direction);
  }

  @Override
  public String toString() {
    return "Trade[instrument=" + instrument + ", tradeId=" + tradeId + ", tradeSeq=" + tradeSeq + ", timestampMs=" + timestampMs
      + ", price=" + priceText + ", amount=" + amountText + ", direction=" + direction + "]";
  }
}
