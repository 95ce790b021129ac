package io.tradekit.feed;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Options of a {@link FeedClient}, Vert.x style: DEFAULT_* constants, a JSON constructor that
 * validates and names the key, {@link #toJson()} and fluent setters. Durations are milliseconds.
 *
 * <p>Keys: {@code name} ("deribit"), {@code url} ("ws://127.0.0.1:8090/ws/api/v2"), {@code channels},
 * {@code heartbeatIntervalMs} (10000; sent to {@code public/set_heartbeat} in seconds; real Deribit
 * requires at least 10 s), {@code stallFactor} (3: no frame of any kind for stallFactor × interval
 * means the transport is stalled), {@code requestTimeoutMs} (5000), {@code connectTimeoutMs} (5000),
 * {@code channelStaleMs} (0 = disabled: no notification on a channel for this long → resubscribe it),
 * {@code staleResubscribeLimit} (3: consecutive stale resubscribes of one channel before reconnecting),
 * {@code reconnectMinMs} (200), {@code reconnectMaxMs} (10000), {@code reconnectResetAfterMs} (30000:
 * a connection subscribed at least this long before it is lost starts the backoff over; otherwise
 * each failed attempt grows the cap, min × 2^(n-1) up to max, full jitter; the same policy paces a
 * book's resubscribe retries), {@code rateLimitCooldownMs} (5000: wait after error 10028),
 * {@code queueCapacity} (10000 messages toward the consumer), {@code overflowPolicy} (drop-oldest |
 * drop-newest), {@code deliveryBatchMax} (500 messages per consumer call), {@code maxMessageBytes}
 * (8388608), {@code answerTestRequests} (true; tests switch it off).
 */
public final class FeedOptions {

  /** What the delivery queue does when the consumer is behind and the queue is full. */
  public enum OverflowPolicy { DROP_OLDEST, DROP_NEWEST }

  public static final String DEFAULT_NAME = "deribit";
  public static final String DEFAULT_URL = "ws://127.0.0.1:8090/ws/api/v2";
  public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
  public static final int DEFAULT_STALL_FACTOR = 3;
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_CHANNEL_STALE_MS = 0;
  public static final int DEFAULT_STALE_RESUBSCRIBE_LIMIT = 3;
  public static final long DEFAULT_RECONNECT_MIN_MS = 200;
  public static final long DEFAULT_RECONNECT_MAX_MS = 10_000;
  public static final long DEFAULT_RECONNECT_RESET_AFTER_MS = 30_000;
  public static final long DEFAULT_RATE_LIMIT_COOLDOWN_MS = 5_000;
  public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
  public static final int DEFAULT_DELIVERY_BATCH_MAX = 500;
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

  private static final Set<String> KEYS = Set.of("name", "url", "channels", "heartbeatIntervalMs", "stallFactor",
    "requestTimeoutMs", "connectTimeoutMs", "channelStaleMs", "staleResubscribeLimit", "reconnectMinMs",
    "reconnectMaxMs", "reconnectResetAfterMs", "rateLimitCooldownMs", "queueCapacity", "overflowPolicy",
    "deliveryBatchMax", "maxMessageBytes", "answerTestRequests");

  private String name = DEFAULT_NAME;
  private String url = DEFAULT_URL;
  private List<String> channels = new ArrayList<>();
  private long heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
  private int stallFactor = DEFAULT_STALL_FACTOR;
  private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  private long connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  private long channelStaleMs = DEFAULT_CHANNEL_STALE_MS;
  private int staleResubscribeLimit = DEFAULT_STALE_RESUBSCRIBE_LIMIT;
  private long reconnectMinMs = DEFAULT_RECONNECT_MIN_MS;
  private long reconnectMaxMs = DEFAULT_RECONNECT_MAX_MS;
  private long reconnectResetAfterMs = DEFAULT_RECONNECT_RESET_AFTER_MS;
  private long rateLimitCooldownMs = DEFAULT_RATE_LIMIT_COOLDOWN_MS;
  private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
  private OverflowPolicy overflowPolicy = OverflowPolicy.DROP_OLDEST;
  private int deliveryBatchMax = DEFAULT_DELIVERY_BATCH_MAX;
  private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private boolean answerTestRequests = true;

  public FeedOptions() {
  }

  /** Parses and validates; errors name the key under {@code path}. */
  public FeedOptions(JsonObject json, String path) {
    ConfigReader c = ConfigReader.of(json, path).rejectUnknownKeys(KEYS);
    name = c.string("name", DEFAULT_NAME);
    url = c.string("url", DEFAULT_URL);
    if (!url.startsWith("ws://") && !url.startsWith("wss://")) {
      throw new ConfigException(c.path("url"), "expected a ws:// or wss:// URL, got \"" + url + "\"");
    }
    channels = new ArrayList<>(c.stringList("channels"));
    heartbeatIntervalMs = c.millis("heartbeatIntervalMs", DEFAULT_HEARTBEAT_INTERVAL_MS, 100);
    stallFactor = c.intValue("stallFactor", DEFAULT_STALL_FACTOR, 1, 100);
    requestTimeoutMs = c.millis("requestTimeoutMs", DEFAULT_REQUEST_TIMEOUT_MS, 1);
    connectTimeoutMs = c.millis("connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS, 1);
    channelStaleMs = c.millis("channelStaleMs", DEFAULT_CHANNEL_STALE_MS, 0);
    staleResubscribeLimit = c.intValue("staleResubscribeLimit", DEFAULT_STALE_RESUBSCRIBE_LIMIT, 1, 1_000);
    reconnectMinMs = c.millis("reconnectMinMs", DEFAULT_RECONNECT_MIN_MS, 1);
    reconnectMaxMs = c.millis("reconnectMaxMs", Math.max(DEFAULT_RECONNECT_MAX_MS, reconnectMinMs), reconnectMinMs);
    reconnectResetAfterMs = c.millis("reconnectResetAfterMs", DEFAULT_RECONNECT_RESET_AFTER_MS, 0);
    rateLimitCooldownMs = c.millis("rateLimitCooldownMs", DEFAULT_RATE_LIMIT_COOLDOWN_MS, 0);
    queueCapacity = c.intValue("queueCapacity", DEFAULT_QUEUE_CAPACITY, 1, 10_000_000);
    String policy = c.string("overflowPolicy", "drop-oldest");
    try {
      overflowPolicy = OverflowPolicy.valueOf(policy.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(c.path("overflowPolicy"), "expected drop-oldest or drop-newest, got \"" + policy + "\"");
    }
    deliveryBatchMax = c.intValue("deliveryBatchMax", DEFAULT_DELIVERY_BATCH_MAX, 1, 1_000_000);
    maxMessageBytes = c.intValue("maxMessageBytes", DEFAULT_MAX_MESSAGE_BYTES, 1_024, Integer.MAX_VALUE);
    answerTestRequests = c.bool("answerTestRequests", true);
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("url", url).put("channels", new JsonArray(new ArrayList<>(channels)))
      .put("heartbeatIntervalMs", heartbeatIntervalMs).put("stallFactor", stallFactor)
      .put("requestTimeoutMs", requestTimeoutMs).put("connectTimeoutMs", connectTimeoutMs)
      .put("channelStaleMs", channelStaleMs).put("staleResubscribeLimit", staleResubscribeLimit)
      .put("reconnectMinMs", reconnectMinMs).put("reconnectMaxMs", reconnectMaxMs)
      .put("reconnectResetAfterMs", reconnectResetAfterMs).put("rateLimitCooldownMs", rateLimitCooldownMs)
      .put("queueCapacity", queueCapacity).put("overflowPolicy", overflowPolicy.name().toLowerCase(Locale.ROOT).replace('_', '-'))
      .put("deliveryBatchMax", deliveryBatchMax).put("maxMessageBytes", maxMessageBytes)
      .put("answerTestRequests", answerTestRequests);
  }

  public String getName() { return name; }
  public FeedOptions setName(String name) { this.name = name; return this; }
  public String getUrl() { return url; }
  public FeedOptions setUrl(String url) { this.url = url; return this; }
  public List<String> getChannels() { return List.copyOf(channels); }
  public FeedOptions setChannels(List<String> channels) { this.channels = new ArrayList<>(channels); return this; }
  public long getHeartbeatIntervalMs() { return heartbeatIntervalMs; }
  public FeedOptions setHeartbeatIntervalMs(long ms) { this.heartbeatIntervalMs = ms; return this; }
  public int getStallFactor() { return stallFactor; }
  public FeedOptions setStallFactor(int k) { this.stallFactor = k; return this; }
  public long getRequestTimeoutMs() { return requestTimeoutMs; }
  public FeedOptions setRequestTimeoutMs(long ms) { this.requestTimeoutMs = ms; return this; }
  public long getConnectTimeoutMs() { return connectTimeoutMs; }
  public FeedOptions setConnectTimeoutMs(long ms) { this.connectTimeoutMs = ms; return this; }
  public long getChannelStaleMs() { return channelStaleMs; }
  public FeedOptions setChannelStaleMs(long ms) { this.channelStaleMs = ms; return this; }
  public int getStaleResubscribeLimit() { return staleResubscribeLimit; }
  public FeedOptions setStaleResubscribeLimit(int n) { this.staleResubscribeLimit = n; return this; }
  public long getReconnectMinMs() { return reconnectMinMs; }
  public FeedOptions setReconnectMinMs(long ms) { this.reconnectMinMs = ms; return this; }
  public long getReconnectMaxMs() { return reconnectMaxMs; }
  public FeedOptions setReconnectMaxMs(long ms) { this.reconnectMaxMs = ms; return this; }
  public long getReconnectResetAfterMs() { return reconnectResetAfterMs; }
  public FeedOptions setReconnectResetAfterMs(long ms) { this.reconnectResetAfterMs = ms; return this; }
  public long getRateLimitCooldownMs() { return rateLimitCooldownMs; }
  public FeedOptions setRateLimitCooldownMs(long ms) { this.rateLimitCooldownMs = ms; return this; }
  public int getQueueCapacity() { return queueCapacity; }
  public FeedOptions setQueueCapacity(int n) { this.queueCapacity = n; return this; }
  public OverflowPolicy getOverflowPolicy() { return overflowPolicy; }
  public FeedOptions setOverflowPolicy(OverflowPolicy p) { this.overflowPolicy = p; return this; }
  public int getDeliveryBatchMax() { return deliveryBatchMax; }
  public FeedOptions setDeliveryBatchMax(int n) { this.deliveryBatchMax = n; return this; }
  public int getMaxMessageBytes() { return maxMessageBytes; }
  public FeedOptions setMaxMessageBytes(int n) { this.maxMessageBytes = n; return this; }
  public boolean isAnswerTestRequests() { return answerTestRequests; }
  public FeedOptions setAnswerTestRequests(boolean answer) { this.answerTestRequests = answer; return this; }
}
