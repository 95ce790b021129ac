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
    SUBSCRIBE_ERROR;

    /** @return the lower-case name used in JSON */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Set<String> KEYS = Set.of("type", "durationMs", "channel");
  /** Faults are for tests and drills; an hour is long enough and catches unit mistakes (seconds vs ms). */
  public static final long MAX_DURATION_MS = 3_600_000;

  private final Type type;
  private final long durationMs;
  private final String channel;

  private Fault(Type type, long durationMs, String channel) {
    this.type = Objects.requireNonNull(type, "type");
    if (durationMs <= 0 || durationMs > MAX_DURATION_MS) {
      throw new IllegalArgumentException("durationMs: expected a whole number in [1, " + MAX_DURATION_MS + "], got " + durationMs);
    }
    if (type == Type.SILENCE && (channel == null || channel.isBlank())) {
      throw new IllegalArgumentException("channel: required for a silence fault, e.g. \"trades.BTC-PERPETUAL.100ms\"");
    }
    if (type != Type.SILENCE && channel != null) {
      throw new IllegalArgumentException("channel: only allowed for a silence fault, not for " + type.id());
    }
    this.durationMs = durationMs;
    this.channel = channel;
  }

  /** @return a fault of {@code type} (not silence) lasting {@code durationMs} */
  public static Fault of(Type type, long durationMs) {
    return new Fault(type, durationMs, null);
  }

  /** @return a fault that stops notifications of {@code channel} for {@code durationMs} */
  public static Fault silence(String channel, long durationMs) {
    return new Fault(Type.SILENCE, durationMs, channel);
  }

  /**
   * Parses {@code {"type":"stall","durationMs":500}} or, for silence, with {@code "channel"}.
   *
   * @throws IllegalArgumentException whose message starts with the offending field name
   */
  public static Fault fromJson(JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException("body: expected a JSON object like {\"type\":\"stall\",\"durationMs\":1000}");
    }
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(key + ": unknown field, expected type, durationMs or channel");
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
    Object duration = json.getValue("durationMs");
    if (!(duration instanceof Number) || ((Number) duration).doubleValue() % 1 != 0) {
      throw new IllegalArgumentException("durationMs: required, a whole number of milliseconds, got " + duration);
    }
    Object channelValue = json.getValue("channel");
    if (channelValue != null && !(channelValue instanceof String)) {
      throw new IllegalArgumentException("channel: expected a string, got " + channelValue);
    }
    return new Fault(type, ((Number) duration).longValue(), (String) channelValue);
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

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", type.id()).put("durationMs", durationMs);
    if (channel != null) {
      json.put("channel", channel);
    }
    return json;
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
