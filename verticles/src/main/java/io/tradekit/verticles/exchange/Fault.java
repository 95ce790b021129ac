package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One fault to inject into the {@link SimulatedExchange} for a limited time: an immutable value.
 *
 * <p>Created by tests (see the factory methods), by {@code POST /admin/faults} and by the
 * {@code faults} config key via {@link #fromJson}. While active, a fault applies to every open
 * connection and to every connection opened during it; see {@link Type} for what each one does.
 */
public final class Fault {

  /** The kinds of misbehaviour the simulated exchange can show. */
  public enum Type {
    /** The socket stays open but NOTHING is sent (no heartbeats, no replies, no data). */
    STALL,
    /** The TCP connection is closed with no WebSocket close frame. */
    DROP,
    /** The connection is closed with close frame 1001 (going away). */
    CLOSE,
    /** Malformed frames are interleaved with the normal data. */
    GARBAGE,
    /** One book change per instrument is skipped, so the next prev_change_id does not match. */
    GAP,
    /** {@code public/subscribe} returns an empty list (every channel rejected). */
    REJECT,
    /** The next request gets error 10028 too_many_requests and the connection is closed. */
    RATELIMIT,
    /** Notifications of one channel stop; heartbeats and other channels continue. */
    SILENCE,
    /**
     * {@code public/subscribe} and {@code public/unsubscribe} are answered with error 10040
     * ("retry"); existing subscriptions keep streaming. A client's resubscribe fails while it lasts.
     */
    SUBSCRIBE_ERROR,
    /**
     * Trades are generated (and kept in the trade history) but NOT written to any socket; the
     * connection, heartbeats and other channels carry on: a silent gap in every instrument's
     * trade_seq. With {@code count}, each instrument's next {@code count} trades are withheld
     * (exactly, splitting a notification if needed); otherwise every trade for {@code durationMs}.
     */
    WITHHOLD,
    /**
     * {@code GET /api/v2/public/*} answers HTTP 429 with {@code Retry-After} (whole seconds, see
     * {@link #retryAfterSeconds()}) instead of a result; with {@code count}, for that many requests.
     */
    HTTP_429,
    /**
     * {@code GET /api/v2/public/*} answers HTTP 400 with JSON-RPC error 10028 too_many_requests in
     * the body (Deribit's credit limit, retryable only by reading the body); with {@code count},
     * for that many requests.
     */
    HTTP_10028,
    /** A {@code private/buy|sell} is accepted (order exists, notifications go out) but its reply is never sent. */
    ORDER_REPLY_LOST,
    /** A {@code private/buy|sell} is accepted and its reply is sent {@code delayMs} later. */
    ORDER_REPLY_DELAY,
    /** A {@code private/buy|sell} is accepted, then the TCP connection is cut before the reply. */
    ORDER_DISCONNECT,
    /** A {@code private/buy|sell} is refused with 10009 not_enough_funds (no order). */
    ORDER_NOT_ENOUGH_FUNDS,
    /** A {@code private/buy|sell} is refused with 10028 too_many_requests (no order) and the session is closed. */
    ORDER_TOO_MANY_REQUESTS,
    /** A {@code user.orders|user.trades} notification is sent twice. */
    NOTIFY_DUPLICATE,
    /** A {@code user.*} notification is held back and sent after the next one (or alone after 200 ms). */
    NOTIFY_REORDER,
    /** The access token of the connection making a private call expires just before the call: 13009. */
    TOKEN_EXPIRY,
    /**
     * A {@code private/buy|sell}'s reply is lost and the order reaches the matching engine only
     * {@code delayMs} later, as on Deribit under load: until then a look-up by label answers
     * {@code []} and the order is nowhere; then it appears (notifications, look-ups) as if just placed.
     */
    ORDER_LATE_REGISTRATION,
    /** A {@code private/buy|sell} is lost before the matching engine: no order, no reply. */
    ORDER_LOST,
    /**
     * A {@code private/buy|sell} is answered with one of Deribit's ambiguous errors (in turn 13888
     * timed_out, 11094 internal_server_error, 10040 retry, 10047 matching_engine_queue_full) although
     * the order WAS registered: the case a client that takes these for clean refusals gets wrong.
     */
    ORDER_AMBIGUOUS_ERROR,
    /**
     * A call of one JSON-RPC {@code method} (e.g. {@code private/get_open_orders_by_instrument}) is
     * answered with 11094 internal_server_error, the exchange's own trouble: what a client's
     * reconciliation must survive without sending anything meanwhile.
     */
    METHOD_ERROR;

    /** @return whether this type takes {@code delayMs} (required) */
    public boolean delayed() {
      return this == ORDER_REPLY_DELAY || this == ORDER_LATE_REGISTRATION;
    }

    /**
     * @return whether this type acts on single events (an order placed, a notification, a private
     *     call) and so takes {@code count} and {@code probability}
     */
    public boolean perEvent() {
      return ordinal() >= ORDER_REPLY_LOST.ordinal();
    }

    /** @return the lower-case name used in JSON */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Set<String> KEYS = Set.of("type", "durationMs", "channel", "method", "count", "retryAfterSeconds",
    "probability", "delayMs");
  /** Faults are for tests and drills; an hour is long enough and catches unit mistakes (seconds vs ms). */
  public static final long MAX_DURATION_MS = 3_600_000;

  private final Type type;
  private final long durationMs;
  private final String channel;
  private final long count;
  private final long retryAfterSeconds;
  private final double probability;
  private final long delayMs;

  private Fault(Type type, long durationMs, String channel) {
    this(type, durationMs, channel, 0, 1, 1.0, 0);
  }

  private Fault(Type type, long durationMs, String channel, long count, long retryAfterSeconds) {
    this(type, durationMs, channel, count, retryAfterSeconds, 1.0, 0);
  }

  private Fault(Type type, long durationMs, String channel, long count, long retryAfterSeconds,
                double probability, long delayMs) {
    this.type = Objects.requireNonNull(type, "type");
    if (durationMs <= 0 || durationMs > MAX_DURATION_MS) {
      throw new IllegalArgumentException("durationMs: expected a whole number in [1, " + MAX_DURATION_MS + "], got " + durationMs);
    }
    if (type == Type.SILENCE && (channel == null || channel.isBlank())) {
      throw new IllegalArgumentException("channel: required for a silence fault, e.g. \"trades.BTC-PERPETUAL.100ms\"");
    }
    if (type == Type.METHOD_ERROR && (channel == null || channel.isBlank())) {
      throw new IllegalArgumentException("method: required for a method_error fault, e.g. \"private/get_open_orders_by_instrument\"");
    }
    if (type != Type.SILENCE && type != Type.METHOD_ERROR && channel != null) {
      throw new IllegalArgumentException("channel: only allowed for a silence fault, not for " + type.id());
    }
    if (count < 0) {
      throw new IllegalArgumentException("count: expected a whole number >= 1, got " + count);
    }
    if (count > 0 && !countable(type)) {
      throw new IllegalArgumentException("count: only allowed for withhold, http_429, http_10028 and the order_*, notify_* and token_expiry faults, not for " + type.id());
    }
    if (!(probability > 0 && probability <= 1)) {
      throw new IllegalArgumentException("probability: expected a number in (0, 1], got " + probability);
    }
    if (probability < 1 && !type.perEvent()) {
      throw new IllegalArgumentException("probability: only allowed for the order_*, notify_* and token_expiry faults, not for " + type.id());
    }
    if (type.delayed() ? delayMs < 1 || delayMs > MAX_DURATION_MS : delayMs != 0) {
      throw new IllegalArgumentException(type.delayed()
        ? "delayMs: required for " + type.id() + ", a whole number in [1, " + MAX_DURATION_MS + "], got " + delayMs
        : "delayMs: only allowed for order_reply_delay and order_late_registration, not for " + type.id());
    }
    if (retryAfterSeconds < 0 || retryAfterSeconds > 3600) {
      throw new IllegalArgumentException("retryAfterSeconds: expected a whole number in [0, 3600], got " + retryAfterSeconds);
    }
    this.durationMs = durationMs;
    this.channel = channel;
    this.count = count;
    this.retryAfterSeconds = retryAfterSeconds;
    this.probability = probability;
    this.delayMs = delayMs;
  }

  private static boolean countable(Type type) {
    return type == Type.WITHHOLD || type == Type.HTTP_429 || type == Type.HTTP_10028 || type.perEvent();
  }

  /**
   * @return a per-event fault ({@code order_*}, {@code notify_*}, {@code token_expiry}) applying to
   *     each of the next {@code events} events (0: every event) with {@code probability} (1: always),
   *     for at most {@code durationMs}
   */
  public static Fault events(Type type, long events, double probability, long durationMs) {
    if (!type.perEvent()) {
      throw new IllegalArgumentException("type: expected an order_*, notify_* or token_expiry fault, got " + type.id());
    }
    if (events < 0) {
      throw new IllegalArgumentException("count: expected a whole number >= 0, got " + events);
    }
    return new Fault(type, durationMs, null, events, 1, probability, 0);
  }

  /** @return an order_reply_delay fault: the next {@code events} (0: every) order replies {@code delayMs} late */
  public static Fault replyDelay(long delayMs, long events, double probability, long durationMs) {
    return new Fault(Type.ORDER_REPLY_DELAY, durationMs, null, events, 1, probability, delayMs);
  }

  /** @return a method_error fault: the next {@code events} (0: every) calls of {@code method} answer 11094 */
  public static Fault methodError(String method, long events, long durationMs) {
    return new Fault(Type.METHOD_ERROR, durationMs, method, events, 1, 1.0, 0);
  }

  /** @return an order_late_registration fault: the next {@code events} (0: every) orders lose their reply and register {@code delayMs} late */
  public static Fault lateRegistration(long delayMs, long events, double probability, long durationMs) {
    return new Fault(Type.ORDER_LATE_REGISTRATION, durationMs, null, events, 1, probability, delayMs);
  }

  /** @return a fault of {@code type} (not silence) lasting {@code durationMs} */
  public static Fault of(Type type, long durationMs) {
    return new Fault(type, durationMs, null);
  }

  /** @return a fault that stops notifications of {@code channel} for {@code durationMs} */
  public static Fault silence(String channel, long durationMs) {
    return new Fault(Type.SILENCE, durationMs, channel);
  }

  /** @return a fault withholding each instrument's next {@code trades} trades from every socket */
  public static Fault withhold(long trades) {
    return new Fault(Type.WITHHOLD, MAX_DURATION_MS, null, requirePositive(trades), 1);
  }

  /**
   * @return a fault making the next {@code requests} public HTTP requests fail: {@link Type#HTTP_429}
   *     (with {@code Retry-After: retryAfterSeconds}) or {@link Type#HTTP_10028}
   */
  public static Fault http(Type type, long requests, long retryAfterSeconds) {
    if (type != Type.HTTP_429 && type != Type.HTTP_10028) {
      throw new IllegalArgumentException("type: expected http_429 or http_10028, got " + type.id());
    }
    return new Fault(type, MAX_DURATION_MS, null, requirePositive(requests), retryAfterSeconds);
  }

  private static long requirePositive(long count) {
    if (count < 1) {
      throw new IllegalArgumentException("count: expected a whole number >= 1, got " + count);
    }
    return count;
  }

  /**
   * Parses {@code {"type":"stall","durationMs":500}} or, for silence, with {@code "channel"}. The
   * countable types (withhold, http_429, http_10028) take {@code "count"} instead of or besides
   * {@code durationMs} (without it they last {@link #MAX_DURATION_MS} or until the count is used up);
   * http_429 takes {@code "retryAfterSeconds"} (1). The per-event types ({@code order_*},
   * {@code notify_*}, {@code token_expiry}) take {@code "count"} (how many events) and/or
   * {@code "probability"} (0..1, each event's chance; default 1); order_reply_delay needs
   * {@code "delayMs"}.
   *
   * @throws IllegalArgumentException whose message starts with the offending field name
   */
  public static Fault fromJson(JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException("body: expected a JSON object like {\"type\":\"stall\",\"durationMs\":1000}");
    }
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(key + ": unknown field, expected type, durationMs, channel, count, retryAfterSeconds, probability or delayMs");
      }
    }
    Object typeValue = json.getValue("type");
    if (!(typeValue instanceof String)) {
      throw new IllegalArgumentException("type: required, one of " + typeNames());
    }
    Type type = null;
    for (Type t : Type.values()) {
      if (t.id().equals(typeValue)) {
        type = t;
      }
    }
    if (type == null) {
      throw new IllegalArgumentException("type: expected one of " + typeNames() + ", got \"" + typeValue + "\"");
    }
    long count = wholeNumber(json, "count", 0);
    if (json.containsKey("count") && count < 1) {
      throw new IllegalArgumentException("count: expected a whole number >= 1, got " + json.getValue("count"));
    }
    Object duration = json.getValue("durationMs");
    Object probabilityValue = json.getValue("probability");
    if (probabilityValue != null && !(probabilityValue instanceof Number)) {
      throw new IllegalArgumentException("probability: expected a number in (0, 1], got " + probabilityValue);
    }
    if (duration == null && (count > 0 || probabilityValue != null || (type != null && type.perEvent()))) {
      duration = MAX_DURATION_MS;
    }
    if (!(duration instanceof Number) || ((Number) duration).doubleValue() % 1 != 0) {
      throw new IllegalArgumentException("durationMs: required, a whole number of milliseconds, got " + duration);
    }
    // The silence fault's channel and the method_error fault's method share one field: the fault's target.
    Object channelValue = json.getValue(type == Type.METHOD_ERROR ? "method" : "channel");
    if (json.containsKey("method") && type != Type.METHOD_ERROR) {
      throw new IllegalArgumentException("method: only allowed for a method_error fault, not for " + type.id());
    }
    if (channelValue != null && !(channelValue instanceof String)) {
      throw new IllegalArgumentException("channel: expected a string, got " + channelValue);
    }
    if (json.containsKey("retryAfterSeconds") && type != Type.HTTP_429) {
      throw new IllegalArgumentException("retryAfterSeconds: only allowed for http_429, not for " + type.id());
    }
    return new Fault(type, ((Number) duration).longValue(), (String) channelValue, count,
      wholeNumber(json, "retryAfterSeconds", 1),
      probabilityValue == null ? 1.0 : ((Number) probabilityValue).doubleValue(), wholeNumber(json, "delayMs", 0));
  }

  private static long wholeNumber(JsonObject json, String key, long defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Number) || ((Number) value).doubleValue() % 1 != 0) {
      throw new IllegalArgumentException(key + ": expected a whole number, got " + value);
    }
    return ((Number) value).longValue();
  }

  private static String typeNames() {
    StringBuilder sb = new StringBuilder();
    for (Type t : Type.values()) {
      sb.append(sb.length() == 0 ? "" : "|").append(t.id());
    }
    return sb.toString();
  }

  public Type type() {
    return type;
  }

  public long durationMs() {
    return durationMs;
  }

  /** @return the silenced channel, or null for other types */
  public String channel() {
    return channel;
  }

  /**
   * @return for withhold: trades withheld per instrument; for the HTTP faults: requests failed;
   *     0 when the fault lasts its duration instead
   */
  public long count() {
    return count;
  }

  /** @return for the per-event types: each event's chance of being hit (1: every event) */
  public double probability() {
    return probability;
  }

  /** @return for order_reply_delay: how late the reply is sent, in ms; otherwise 0 */
  public long delayMs() {
    return delayMs;
  }

  /** @return the {@code Retry-After} header of an http_429 fault, in seconds */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", type.id()).put("durationMs", durationMs);
    if (channel != null) {
      json.put(type == Type.METHOD_ERROR ? "method" : "channel", channel);
    }
    if (count > 0) {
      json.put("count", count);
    }
    if (type == Type.HTTP_429) {
      json.put("retryAfterSeconds", retryAfterSeconds);
    }
    if (probability < 1) {
      json.put("probability", probability);
    }
    if (delayMs > 0) {
      json.put("delayMs", delayMs);
    }
    return json;
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
