package io.tradekit.verticles.analyzer;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Config of the analyzer service: {@code exchange} ("deribit"), {@code instruments} (required, for
 * the latest tickers), {@code resolutions} (["1","5","60"]: Deribit resolutions, minutes or "1D"),
 * {@code group} ("analyzer"), {@code batchSize} (200 notifications per read), {@code blockMs} (1000),
 * {@code claimIdleMs} (30000), {@code claimIntervalMs} (10000), {@code retryDelayMs} (500),
 * {@code commandTimeoutMs} (5000), {@code tickerRefreshMs} (1000; 0 disables the latest-ticker copy),
 * {@code postgres} / {@code redis} resource names.
 */
public final class AnalyzerOptions {

  public static final List<String> DEFAULT_RESOLUTIONS = List.of("1", "5", "60");
  public static final long DEFAULT_TICKER_REFRESH_MS = 1_000;

  final String exchange;
  final List<String> instruments;
  final List<String> resolutions;
  final List<Integer> resolutionMinutes;
  final String group;
  final int batchSize;
  final long blockMs;
  final long claimIdleMs;
  final long claimIntervalMs;
  final long retryDelayMs;
  final long commandTimeoutMs;
  final long tickerRefreshMs;
  final String postgres;
  final String redis;

  public AnalyzerOptions(JsonObject json) {
    this(ConfigReader.of(json, "config"));
  }

  /**
   * Parses and validates the service's config block; errors name keys under the reader's path
   * (e.g. {@code services[name].config.batchSize} when the supervisor validates it up front).
   */
  public AnalyzerOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("exchange", "instruments", "resolutions",
      "group", "batchSize", "blockMs", "claimIdleMs", "claimIntervalMs", "retryDelayMs", "commandTimeoutMs",
      "tickerRefreshMs", "postgres", "redis"));
    exchange = c.string("exchange", "deribit");
    instruments = c.stringList("instruments");
    if (instruments.isEmpty()) {
      throw new ConfigException(c.path("instruments"), "expected at least one instrument");
    }
    resolutions = c.has("resolutions") ? c.stringList("resolutions") : DEFAULT_RESOLUTIONS;
    resolutionMinutes = new ArrayList<>();
    for (int i = 0; i < resolutions.size(); i++) {
      resolutionMinutes.add(minutes(resolutions.get(i), c.path("resolutions") + "[" + i + "]"));
    }
    group = c.string("group", "analyzer");
    batchSize = c.intValue("batchSize", 200, 1, 10_000);
    blockMs = c.millis("blockMs", 1_000, 1);
    claimIdleMs = c.millis("claimIdleMs", 30_000, 1);
    claimIntervalMs = c.millis("claimIntervalMs", 10_000, 1);
    retryDelayMs = c.millis("retryDelayMs", 500, 1);
    commandTimeoutMs = c.millis("commandTimeoutMs", 5_000, 1);
    tickerRefreshMs = c.millis("tickerRefreshMs", DEFAULT_TICKER_REFRESH_MS, 0);
    postgres = c.string("postgres", "postgres");
    redis = c.string("redis", "redis");
  }

  /** Deribit resolutions: 1,3,5,10,15,30,60,120,180,360,720 minutes or 1D. */
  static int minutes(String resolution, String path) {
    if (resolution.equals("1D")) {
      return 1_440;
    }
    if (!Set.of("1", "3", "5", "10", "15", "30", "60", "120", "180", "360", "720").contains(resolution)) {
      throw new ConfigException(path, "expected a Deribit resolution (1,3,5,10,15,30,60,120,180,360,720 or 1D), got \""
        + resolution + "\"");
    }
    return Integer.parseInt(resolution);
  }

  public JsonObject toJson() {
    return new JsonObject().put("exchange", exchange).put("instruments", new JsonArray(instruments))
      .put("resolutions", new JsonArray(resolutions)).put("group", group).put("batchSize", batchSize)
      .put("blockMs", blockMs).put("claimIdleMs", claimIdleMs).put("claimIntervalMs", claimIntervalMs)
      .put("retryDelayMs", retryDelayMs).put("commandTimeoutMs", commandTimeoutMs)
      .put("tickerRefreshMs", tickerRefreshMs).put("postgres", postgres).put("redis", redis);
  }
}
