package io.tradekit.verticles.gapfill;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Config of the gapfill service ({@code services[i].config}), parsed and validated at once (the
 * supervisor's validation phase and {@code start()} both build it):
 *
 * <ul>
 *   <li>{@code exchange} ("deribit"): whose {@code md:<exchange>:gaps} stream is consumed and whose
 *       trade streams the fills go to;</li>
 *   <li>{@code group} ("gapfill"), {@code batchSize} (10 gap entries per read), {@code blockMs}
 *       (1000), {@code claimIdleMs} (60000: a gap pending that long at a dead instance is taken
 *       over), {@code claimIntervalMs} (10000), {@code retryDelayMs} (1000), {@code commandTimeoutMs}
 *       (5000): the consumer group;</li>
 *   <li>{@code requestsPerSecond} (5: Deribit allows about 20 non-matching requests a second per
 *       account, shared with everything else), {@code pageSize} (1000, Deribit's maximum
 *       {@code count}), {@code maxAttempts} (10 per page; 429, 5xx, timeouts, connection errors and
 *       Deribit's retryable codes such as 10028 are retried), {@code retryInitialMs} (200) and
 *       {@code retryMaxMs} (10000) for the {@code Backoff} between attempts (a longer
 *       {@code Retry-After} wins), {@code requestTimeoutMs} (10000);</li>
 *   <li>{@code lookbackMs} (3600000 = 1 h): a gap detected longer than this before the service
 *       started is marked unfillable without asking the exchange (bounds the work after a long
 *       outage; Deribit keeps a limited history anyway);</li>
 *   <li>{@code http} ("exchange-http"), {@code postgres} ("postgres"), {@code redis} ("redis"): resource names.</li>
 * </ul>
 */
public final class GapFillOptions {

  public static final String DEFAULT_EXCHANGE = "deribit";
  public static final String DEFAULT_GROUP = "gapfill";
  /** Deribit's largest page of {@code public/get_last_trades_by_instrument}. */
  public static final int MAX_PAGE_SIZE = 1000;

  final String exchange;
  final String group;
  final int batchSize;
  final long blockMs;
  final long claimIdleMs;
  final long claimIntervalMs;
  final long retryDelayMs;
  final long commandTimeoutMs;
  final double requestsPerSecond;
  final int pageSize;
  final int maxAttempts;
  final long retryInitialMs;
  final long retryMaxMs;
  final long requestTimeoutMs;
  final long lookbackMs;
  final String http;
  final String postgres;
  final String redis;

  public GapFillOptions(JsonObject json) {
    this(ConfigReader.of(json, "config"));
  }

  /** Parses and validates {@code config}; a {@code ConfigException} names the key path. */
  public GapFillOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("exchange", "group", "batchSize", "blockMs", "claimIdleMs",
      "claimIntervalMs", "retryDelayMs", "commandTimeoutMs", "requestsPerSecond", "pageSize", "maxAttempts",
      "retryInitialMs", "retryMaxMs", "requestTimeoutMs", "lookbackMs", "http", "postgres", "redis"));
    exchange = c.string("exchange", DEFAULT_EXCHANGE);
    group = c.string("group", DEFAULT_GROUP);
    batchSize = c.intValue("batchSize", 10, 1, 1000);
    blockMs = c.millis("blockMs", 1_000, 1);
    claimIdleMs = c.millis("claimIdleMs", 60_000, 1);
    claimIntervalMs = c.millis("claimIntervalMs", 10_000, 1);
    retryDelayMs = c.millis("retryDelayMs", 1_000, 1);
    commandTimeoutMs = c.millis("commandTimeoutMs", 5_000, 1);
    requestsPerSecond = c.doubleValue("requestsPerSecond", 5, 0.01, 10_000);
    pageSize = c.intValue("pageSize", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    maxAttempts = c.intValue("maxAttempts", 10, 1, 1000);
    retryInitialMs = c.millis("retryInitialMs", 200, 1);
    retryMaxMs = c.millis("retryMaxMs", 10_000, retryInitialMs);
    requestTimeoutMs = c.millis("requestTimeoutMs", 10_000, 1);
    lookbackMs = c.millis("lookbackMs", 3_600_000L, 1);
    http = c.string("http", "exchange-http");
    postgres = c.string("postgres", "postgres");
    redis = c.string("redis", "redis");
  }

  public JsonObject toJson() {
    return new JsonObject().put("exchange", exchange).put("group", group).put("batchSize", batchSize)
      .put("blockMs", blockMs).put("claimIdleMs", claimIdleMs).put("claimIntervalMs", claimIntervalMs)
      .put("retryDelayMs", retryDelayMs).put("commandTimeoutMs", commandTimeoutMs)
      .put("requestsPerSecond", requestsPerSecond).put("pageSize", pageSize).put("maxAttempts", maxAttempts)
      .put("retryInitialMs", retryInitialMs).put("retryMaxMs", retryMaxMs).put("requestTimeoutMs", requestTimeoutMs)
      .put("lookbackMs", lookbackMs).put("http", http).put("postgres", postgres).put("redis", redis);
  }
}
