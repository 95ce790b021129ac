package io.tradekit.verticles.janitor;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Config of the janitor task: {@code tradesRetentionMs} (604800000 = 7 days), {@code ohlcRetentionMs}
 * (7776000000 = 90 days), {@code streamRetentionMs} (86400000 = 1 day; stream entries older than
 * this are trimmed, but only those every consumer group has acknowledged: see
 * {@link io.tradekit.redis.StreamTrimmer}), {@code batchSize} (5000 rows per DELETE, so no long
 * locks), {@code maxBatches} (0 = until done; a safety bound per table otherwise),
 * {@code streamPattern} ("md:*"), {@code commandTimeoutMs} (accepted for compatibility; every
 * command is now bounded by the Redis resource's own {@code commandTimeoutMs}), {@code postgres} /
 * {@code redis} resource names.
 */
public final class JanitorOptions {

  final long tradesRetentionMs;
  final long ohlcRetentionMs;
  final long streamRetentionMs;
  final int batchSize;
  final int maxBatches;
  final String streamPattern;
  final long commandTimeoutMs;
  final String postgres;
  final String redis;

  public JanitorOptions(JsonObject json) {
    this(ConfigReader.of(json, "config"));
  }

  /**
   * Parses and validates the service's config block; errors name keys under the reader's path
   * (e.g. {@code services[name].config.batchSize} when the supervisor validates it up front).
   */
  public JanitorOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("tradesRetentionMs", "ohlcRetentionMs",
      "streamRetentionMs", "batchSize", "maxBatches", "streamPattern", "commandTimeoutMs", "postgres", "redis"));
    tradesRetentionMs = c.millis("tradesRetentionMs", 7L * 24 * 3_600_000, 1);
    ohlcRetentionMs = c.millis("ohlcRetentionMs", 90L * 24 * 3_600_000, 1);
    streamRetentionMs = c.millis("streamRetentionMs", 24L * 3_600_000, 1);
    batchSize = c.intValue("batchSize", 5_000, 1, 1_000_000);
    maxBatches = c.intValue("maxBatches", 0, 0, Integer.MAX_VALUE);
    streamPattern = c.string("streamPattern", "md:*");
    commandTimeoutMs = c.millis("commandTimeoutMs", 5_000, 1);
    postgres = c.string("postgres", "postgres");
    redis = c.string("redis", "redis");
  }

  public JsonObject toJson() {
    return new JsonObject().put("tradesRetentionMs", tradesRetentionMs).put("ohlcRetentionMs", ohlcRetentionMs)
      .put("streamRetentionMs", streamRetentionMs).put("batchSize", batchSize).put("maxBatches", maxBatches)
      .put("streamPattern", streamPattern).put("commandTimeoutMs", commandTimeoutMs)
      .put("postgres", postgres).put("redis", redis);
  }
}
