package io.tradekit.verticles.executor;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.resilience.Backoff;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.List;
import java.util.Set;

/**
 * Config of the executor ({@code services[i].config}), parsed and validated at once (the
 * supervisor's validation phase and {@code start()} both build it). Amounts are in the
 * instrument's contract units (USD for Deribit perpetuals), durations in milliseconds.
 *
 * <ul>
 *   <li>{@code exchange} ("deribit"): names the streams {@code exec:<exchange>:intents|outcomes}
 *       and the rows; {@code instruments} (required): whose private channels are subscribed and
 *       reconciled; {@code url} (required, ws:// or wss://);</li>
 *   <li>{@code clientId} (required), {@code clientSecretFile} (required: a file holding the secret;
 *       the config loader reads it into {@code clientSecret}, a secret key redacted everywhere), {@code cancelOnDisconnect} (true), {@code labelPrefix}
 *       ("tk-": every intent id and so every order label starts with it; an open order at the
 *       exchange with this prefix and no row here fails the executor closed);</li>
 *   <li>risk: {@code maxOrderAmount} (1000), {@code maxPositionPerInstrument} (10000: |position +
 *       open same-side amount + the order|), {@code maxOpenOrders} (50, all instruments,
 *       pending_new included), {@code maxOrdersPerSecond} (10, new orders, token bucket);</li>
 *   <li>session: {@code connectTimeoutMs} (5000), {@code requestTimeoutMs} (5000: after it a placement is
 *       AMBIGUOUS and resolved by label), {@code heartbeatIntervalMs} (10000), {@code renewBeforeExpiryMs}
 *       (60000), {@code reconnectInitialMs} (200), {@code reconnectMaxMs} (10000), {@code rateLimitInitialMs}
 *       (200), {@code rateLimitMaxMs} (10000), {@code maxRateLimitRetries} (5), {@code maxSendAttempts} (3:
 *       sends of one cancel or edit; a NEW order is sent once, never again), {@code unknownAfterMs}
 *       (10000: after an ambiguous send the order is looked up by label, with a backoff from
 *       {@code lookupInitialMs} (100) to {@code lookupMaxMs} (2000), until it shows; past this
 *       horizon the intent's outcome is {@code unknown} and the row stays watched);</li>
 *   <li>consumer: {@code group} ("executor"), {@code batchSize} (32 intents in flight), {@code blockMs}
 *       (1000), {@code claimIdleMs} (60000), {@code claimIntervalMs} (10000), {@code retryDelayMs} (500),
 *       {@code commandTimeoutMs} (5000); {@code outcomesMaxLen} (100000: the outcomes stream is capped
 *       approximately at this many entries; strategies read it within that window, the durable record
 *       is the intent_outcomes table); {@code tradesPageSize} (1000, reconciliation's page of own trades);</li>
 *   <li>{@code postgres} ("postgres"), {@code redis} ("redis"): resource names.</li>
 * </ul>
 */
public final class ExecutorOptions {

  final String exchange;
  final List<String> instruments;
  final String url;
  final String clientId;
  final String clientSecret;
  final boolean cancelOnDisconnect;
  final String labelPrefix;
  final BigDecimal maxOrderAmount;
  final BigDecimal maxPositionPerInstrument;
  final int maxOpenOrders;
  final double maxOrdersPerSecond;
  final long connectTimeoutMs;
  final long requestTimeoutMs;
  final long heartbeatIntervalMs;
  final long renewBeforeExpiryMs;
  final long reconnectInitialMs;
  final long reconnectMaxMs;
  final long rateLimitInitialMs;
  final long rateLimitMaxMs;
  final int maxRateLimitRetries;
  final int maxSendAttempts;
  final long unknownAfterMs;
  /** Delays between look-ups by label after an ambiguous send. */
  final Backoff lookupBackoff;
  final String group;
  final int batchSize;
  final long blockMs;
  final long claimIdleMs;
  final long claimIntervalMs;
  final long retryDelayMs;
  final long commandTimeoutMs;
  final long outcomesMaxLen;
  final int tradesPageSize;
  final String postgres;
  final String redis;

  public ExecutorOptions(JsonObject json) {
    this(ConfigReader.of(json, "config"));
  }

  /** Parses and validates {@code config}; a {@code ConfigException} names the key path. Checks that the secret file is readable. */
  public ExecutorOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("exchange", "instruments", "url", "clientId", "clientSecret", "clientSecretFile",
      "cancelOnDisconnect", "labelPrefix", "maxOrderAmount", "maxPositionPerInstrument", "maxOpenOrders", "maxOrdersPerSecond",
      "connectTimeoutMs", "requestTimeoutMs", "heartbeatIntervalMs", "renewBeforeExpiryMs", "reconnectInitialMs",
      "reconnectMaxMs", "rateLimitInitialMs", "rateLimitMaxMs", "maxRateLimitRetries", "maxSendAttempts", "unknownAfterMs", "lookupInitialMs",
      "lookupMaxMs", "group", "batchSize",
      "blockMs", "claimIdleMs", "claimIntervalMs", "retryDelayMs", "commandTimeoutMs", "outcomesMaxLen", "tradesPageSize",
      "postgres", "redis"));
    exchange = c.string("exchange", "deribit");
    instruments = c.stringList("instruments");
    if (instruments.isEmpty()) {
      throw new ConfigException(c.path("instruments"), "required, expected at least one instrument name");
    }
    url = c.requiredString("url");
    if (!url.startsWith("ws://") && !url.startsWith("wss://")) {
      throw new ConfigException(c.path("url"), "expected a ws:// or wss:// URL, got \"" + url + "\"");
    }
    clientId = c.requiredString("clientId");
    // The config loader replaces clientSecretFile by clientSecret (the file's content); a secret key,
    // so redacted in every dump. Never put the secret itself in a config file.
    // A config validated before the loader ran (the supervisor's validation of a raw file, e.g.
    // ShippedConfigsTest) still holds the unresolved clientSecretFile: valid, the secret is read at
    // load time (an unreadable file fails the load naming this key); start() refuses a null secret.
    Object secret = c.json().getValue("clientSecret");
    Object secretFile = c.json().getValue("clientSecretFile");
    if (secret instanceof String s && !s.isBlank()) {
      clientSecret = s.trim();
    } else if (secret == null && secretFile instanceof String f && !f.isBlank()) {
      clientSecret = null;
    } else {
      throw new ConfigException(c.path("clientSecretFile"), "required: a file holding the client secret");
    }
    cancelOnDisconnect = c.bool("cancelOnDisconnect", true);
    labelPrefix = c.string("labelPrefix", "tk-");
    if (labelPrefix.isEmpty() || labelPrefix.length() > 16) {
      throw new ConfigException(c.path("labelPrefix"), "expected 1 to 16 characters");
    }
    maxOrderAmount = BigDecimal.valueOf(c.doubleValue("maxOrderAmount", 1000, Double.MIN_VALUE, 1e12));
    maxPositionPerInstrument = BigDecimal.valueOf(c.doubleValue("maxPositionPerInstrument", 10_000, 0, 1e15));
    maxOpenOrders = c.intValue("maxOpenOrders", 50, 1, 100_000);
    maxOrdersPerSecond = c.doubleValue("maxOrdersPerSecond", 10, 0.01, 100_000);
    connectTimeoutMs = c.millis("connectTimeoutMs", 5_000, 1);
    requestTimeoutMs = c.millis("requestTimeoutMs", 5_000, 1);
    heartbeatIntervalMs = c.millis("heartbeatIntervalMs", 10_000, 100);
    renewBeforeExpiryMs = c.millis("renewBeforeExpiryMs", 60_000, 0);
    reconnectInitialMs = c.millis("reconnectInitialMs", 200, 1);
    reconnectMaxMs = c.millis("reconnectMaxMs", 10_000, reconnectInitialMs);
    rateLimitInitialMs = c.millis("rateLimitInitialMs", 200, 1);
    rateLimitMaxMs = c.millis("rateLimitMaxMs", 10_000, rateLimitInitialMs);
    maxRateLimitRetries = c.intValue("maxRateLimitRetries", 5, 0, 1000);
    maxSendAttempts = c.intValue("maxSendAttempts", 3, 1, 100);
    unknownAfterMs = c.millis("unknownAfterMs", 10_000, 1);
    long lookupInitialMs = c.millis("lookupInitialMs", 100, 1);
    lookupBackoff = Backoff.fullJitter(lookupInitialMs, c.millis("lookupMaxMs", 2_000, lookupInitialMs), 0);
    group = c.string("group", "executor");
    batchSize = c.intValue("batchSize", 32, 1, 1000);
    blockMs = c.millis("blockMs", 1_000, 1);
    claimIdleMs = c.millis("claimIdleMs", 60_000, 1);
    claimIntervalMs = c.millis("claimIntervalMs", 10_000, 1);
    retryDelayMs = c.millis("retryDelayMs", 500, 1);
    commandTimeoutMs = c.millis("commandTimeoutMs", 5_000, 1);
    outcomesMaxLen = c.longValue("outcomesMaxLen", 100_000, 1_000, Long.MAX_VALUE);
    tradesPageSize = c.intValue("tradesPageSize", 1000, 1, 1000);
    postgres = c.string("postgres", "postgres");
    redis = c.string("redis", "redis");
  }
}
