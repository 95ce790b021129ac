package io.tradekit.verticles.backfill;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * Config of the backfill task: {@code exchange} ("deribit"), {@code instruments} (required),
 * {@code resolution} ("1": Deribit resolution in minutes, or 1D), {@code lookbackMs} (21600000 = 6 h:
 * the window in which every missing bar is fetched), {@code chunkBars} (1000 bars per request),
 * {@code maxConcurrency} (2 requests in flight), {@code requestsPerSecond} (5), {@code maxAttempts}
 * (5 per request; only 429, 5xx, timeouts and connection errors are retried), {@code retryInitialMs}
 * (200), {@code retryMaxMs} (5000), {@code requestTimeoutMs} (10000), {@code http}
 * ("exchange-http") and {@code postgres} ("postgres") resource names.
 */
public final class BackfillOptions {

  final String exchange;
  final List<String> instruments;
  final String resolution;
  final long resolutionMs;
  final long lookbackMs;
  final int chunkBars;
  final int maxConcurrency;
  final double requestsPerSecond;
  final int maxAttempts;
  final long retryInitialMs;
  final long retryMaxMs;
  final long requestTimeoutMs;
  final String http;
  final String postgres;

  public BackfillOptions(JsonObject json) {
    this(ConfigReader.of(json, "config"));
  }

  /**
   * Parses and validates the service's config block; errors name keys under the reader's path
   * (e.g. {@code services[name].config.batchSize} when the supervisor validates it up front).
   */
  public BackfillOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("exchange", "instruments", "resolution",
      "lookbackMs", "chunkBars", "maxConcurrency", "requestsPerSecond", "maxAttempts", "retryInitialMs", "retryMaxMs",
      "requestTimeoutMs", "http", "postgres"));
    exchange = c.string("exchange", "deribit");
    instruments = c.stringList("instruments");
    if (instruments.isEmpty()) {
      throw new ConfigException(c.path("instruments"), "expected at least one instrument");
    }
    resolution = c.string("resolution", "1");
    resolutionMs = resolutionMs(resolution, c.path("resolution"));
    lookbackMs = c.millis("lookbackMs", 6 * 3_600_000L, resolutionMs);
    chunkBars = c.intValue("chunkBars", 1_000, 1, 50_000);
    maxConcurrency = c.intValue("maxConcurrency", 2, 1, 64);
    requestsPerSecond = c.doubleValue("requestsPerSecond", 5, 0.01, 10_000);
    maxAttempts = c.intValue("maxAttempts", 5, 1, 100);
    retryInitialMs = c.millis("retryInitialMs", 200, 1);
    retryMaxMs = c.millis("retryMaxMs", 5_000, retryInitialMs);
    requestTimeoutMs = c.millis("requestTimeoutMs", 10_000, 1);
    http = c.string("http", "exchange-http");
    postgres = c.string("postgres", "postgres");
  }

  static long resolutionMs(String resolution, String path) {
    if (resolution.equals("1D")) {
      return 86_400_000L;
    }
    if (!Set.of("1", "3", "5", "10", "15", "30", "60", "120", "180", "360", "720").contains(resolution)) {
      throw new ConfigException(path, "expected a Deribit resolution (1,3,5,10,15,30,60,120,180,360,720 or 1D), got \""
        + resolution + "\"");
    }
    return Long.parseLong(resolution) * 60_000L;
  }

  public JsonObject toJson() {
    return new JsonObject().put("exchange", exchange).put("instruments", new JsonArray(instruments))
      .put("resolution", resolution).put("lookbackMs", lookbackMs).put("chunkBars", chunkBars)
      .put("maxConcurrency", maxConcurrency).put("requestsPerSecond", requestsPerSecond)
      .put("maxAttempts", maxAttempts).put("retryInitialMs", retryInitialMs).put("retryMaxMs", retryMaxMs)
      .put("requestTimeoutMs", requestTimeoutMs).put("http", http).put("postgres", postgres);
  }
}
