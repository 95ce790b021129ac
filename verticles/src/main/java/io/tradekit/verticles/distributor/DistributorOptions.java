package io.tradekit.verticles.distributor;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * Config of the distributor service ({@code services[i].config}): {@code exchange} ("deribit"),
 * {@code instruments} (required: whose trade streams to consume), {@code group} ("distributor"),
 * {@code batchSize} (500 entries per read), {@code blockMs} (1000), {@code claimIdleMs} (30000:
 * entries pending longer than this at another consumer are taken over), {@code claimIntervalMs}
 * (10000), {@code retryDelayMs} (500), {@code commandTimeoutMs} (5000), {@code postgres} / {@code redis}
 * (resource names, "postgres" / "redis"), {@code consumer} (the service name: base of the stable
 * consumer names {@code <consumer>-<n>}, one per instance; processes on different hosts sharing a
 * group set different ones), {@code maxDeliveries} (10: an entry read more often than this, e.g.
 * because it crashed its consumer each time, is dead-lettered; 0 disables the limit),
 * {@code batchesInFlight} (2: batches each instance persists at once, each read and acknowledged by a
 * consumer of its own, so {@code instances × batchesInFlight} consumer names {@code <consumer>-<n>};
 * lowering it leaves the pending entries of the names no longer used to be claimed after
 * {@code claimIdleMs}).
 */
public final class DistributorOptions {

  public static final String DEFAULT_EXCHANGE = "deribit";
  public static final String DEFAULT_GROUP = "distributor";
  public static final int DEFAULT_BATCH_SIZE = 500;
  public static final long DEFAULT_BLOCK_MS = 1_000;
  public static final long DEFAULT_CLAIM_IDLE_MS = 30_000;
  public static final long DEFAULT_CLAIM_INTERVAL_MS = 10_000;
  public static final long DEFAULT_RETRY_DELAY_MS = 500;
  public static final long DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_MAX_DELIVERIES = 10;
  public static final int DEFAULT_BATCHES_IN_FLIGHT = 2;

  final String exchange;
  final List<String> instruments;
  final String group;
  final int batchSize;
  final long blockMs;
  final long claimIdleMs;
  final long claimIntervalMs;
  final long retryDelayMs;
  final long commandTimeoutMs;
  final String postgres;
  final String redis;
  /** Base of the consumer names; null: the service name. */
  final String consumer;
  final long maxDeliveries;
  final int batchesInFlight;

  public DistributorOptions(JsonObject json) {
    this(ConfigReader.of(json, "config"));
  }

  /**
   * Parses and validates the service's config block; errors name keys under the reader's path
   * (e.g. {@code services[name].config.batchSize} when the supervisor validates it up front).
   */
  public DistributorOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("exchange", "instruments", "group",
      "batchSize", "blockMs", "claimIdleMs", "claimIntervalMs", "retryDelayMs", "commandTimeoutMs", "postgres", "redis",
      "consumer", "maxDeliveries", "batchesInFlight"));
    exchange = c.string("exchange", DEFAULT_EXCHANGE);
    instruments = c.stringList("instruments");
    if (instruments.isEmpty()) {
      throw new io.tradekit.config.ConfigException(c.path("instruments"), "expected at least one instrument");
    }
    group = c.string("group", DEFAULT_GROUP);
    batchSize = c.intValue("batchSize", DEFAULT_BATCH_SIZE, 1, 10_000);
    blockMs = c.millis("blockMs", DEFAULT_BLOCK_MS, 1);
    claimIdleMs = c.millis("claimIdleMs", DEFAULT_CLAIM_IDLE_MS, 1);
    claimIntervalMs = c.millis("claimIntervalMs", DEFAULT_CLAIM_INTERVAL_MS, 1);
    retryDelayMs = c.millis("retryDelayMs", DEFAULT_RETRY_DELAY_MS, 1);
    commandTimeoutMs = c.millis("commandTimeoutMs", DEFAULT_COMMAND_TIMEOUT_MS, 1);
    postgres = c.string("postgres", "postgres");
    redis = c.string("redis", "redis");
    consumer = c.string("consumer", null);
    if (consumer != null && (consumer.isBlank() || consumer.chars().anyMatch(Character::isWhitespace))) {
      throw new io.tradekit.config.ConfigException(c.path("consumer"), "expected a non-empty name without spaces");
    }
    maxDeliveries = c.longValue("maxDeliveries", DEFAULT_MAX_DELIVERIES, 0, Long.MAX_VALUE);
    batchesInFlight = c.intValue("batchesInFlight", DEFAULT_BATCHES_IN_FLIGHT, 1, 16);
  }

  public JsonObject toJson() {
    return new JsonObject().put("exchange", exchange).put("instruments", new JsonArray(instruments)).put("group", group)
      .put("batchSize", batchSize).put("blockMs", blockMs).put("claimIdleMs", claimIdleMs)
      .put("claimIntervalMs", claimIntervalMs).put("retryDelayMs", retryDelayMs)
      .put("commandTimeoutMs", commandTimeoutMs).put("postgres", postgres).put("redis", redis)
      .put("consumer", consumer).put("maxDeliveries", maxDeliveries).put("batchesInFlight", batchesInFlight);
  }
}
