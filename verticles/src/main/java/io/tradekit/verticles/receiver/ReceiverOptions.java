package io.tradekit.verticles.receiver;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Config of the receiver service: {@code exchange} ("deribit"), {@code instruments} (required),
 * {@code kinds} (["trades","ticker"]: channel kinds to subscribe), {@code interval} ("100ms"),
 * {@code feed} (the feed client's options; {@code channels} is filled from instruments/kinds),
 * {@code batchSize} (200 XADDs per pipelined batch), {@code lingerMs} (5: flush a partial batch
 * after this), {@code writeConcurrency} (4 batches in flight), {@code maxLen} (1000000, approximate
 * stream length; 0 disables trimming), {@code maxBuffered} (100000 entries held while Redis is
 * unavailable), {@code overflow} (block | drop-newest | drop-oldest), {@code commandTimeoutMs}
 * (5000), {@code retryMinMs} / {@code retryMaxMs} (100 / 5000), {@code redis} (resource name),
 * {@code trimIntervalMs} (5000: how often the written streams are trimmed safely; 0 disables).
 */
public final class ReceiverOptions {

  final String exchange;
  final List<String> instruments;
  final List<String> kinds;
  final String interval;
  final JsonObject feed;
  final int batchSize;
  final long lingerMs;
  final int writeConcurrency;
  final long maxLen;
  final int maxBuffered;
  final StreamWriter.Overflow overflow;
  final long commandTimeoutMs;
  final long retryMinMs;
  final long retryMaxMs;
  final String redis;
  final long trimIntervalMs;

  public ReceiverOptions(JsonObject json) {
    this(ConfigReader.of(json, "config"));
  }

  /**
   * Parses and validates the service's config block; errors name keys under the reader's path
   * (e.g. {@code services[name].config.batchSize} when the supervisor validates it up front).
   */
  public ReceiverOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("exchange", "instruments", "kinds",
      "interval", "feed", "batchSize", "lingerMs", "writeConcurrency", "maxLen", "maxBuffered", "overflow",
      "commandTimeoutMs", "retryMinMs", "retryMaxMs", "redis", "trimIntervalMs"));
    exchange = c.string("exchange", "deribit");
    instruments = c.stringList("instruments");
    if (instruments.isEmpty()) {
      throw new ConfigException(c.path("instruments"), "expected at least one instrument");
    }
    kinds = c.has("kinds") ? c.stringList("kinds") : List.of("trades", "ticker");
    for (int i = 0; i < kinds.size(); i++) {
      if (!Set.of("trades", "ticker", "book").contains(kinds.get(i))) {
        throw new ConfigException(c.path("kinds") + "[" + i + "]", "expected trades, ticker or book, got \"" + kinds.get(i) + "\"");
      }
    }
    interval = c.string("interval", "100ms");
    feed = c.rawObject("feed").copy();
    batchSize = c.intValue("batchSize", 200, 1, 100_000);
    lingerMs = c.millis("lingerMs", 5, 0);
    writeConcurrency = c.intValue("writeConcurrency", 4, 1, 1_024);
    maxLen = c.longValue("maxLen", 1_000_000, 0, Long.MAX_VALUE);
    maxBuffered = c.intValue("maxBuffered", 100_000, 1, 100_000_000);
    String policy = c.string("overflow", "block");
    try {
      overflow = StreamWriter.Overflow.valueOf(policy.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(c.path("overflow"), "expected block, drop-newest or drop-oldest, got \"" + policy + "\"");
    }
    commandTimeoutMs = c.millis("commandTimeoutMs", 5_000, 1);
    retryMinMs = c.millis("retryMinMs", 100, 1);
    retryMaxMs = c.millis("retryMaxMs", 5_000, retryMinMs);
    redis = c.string("redis", "redis");
    trimIntervalMs = c.millis("trimIntervalMs", 5_000, 0);
  }

  /** @return the Deribit channels to subscribe, e.g. {@code trades.BTC-PERPETUAL.100ms} */
  List<String> channels() {
    return kinds.stream().flatMap(kind -> instruments.stream().map(i -> kind + "." + i + "." + interval)).toList();
  }

  public JsonObject toJson() {
    return new JsonObject().put("exchange", exchange).put("instruments", new JsonArray(instruments))
      .put("kinds", new JsonArray(kinds)).put("interval", interval).put("feed", feed.copy())
      .put("batchSize", batchSize).put("lingerMs", lingerMs).put("writeConcurrency", writeConcurrency)
      .put("maxLen", maxLen).put("maxBuffered", maxBuffered)
      .put("overflow", overflow.name().toLowerCase(Locale.ROOT).replace('_', '-'))
      .put("commandTimeoutMs", commandTimeoutMs).put("retryMinMs", retryMinMs).put("retryMaxMs", retryMaxMs)
      .put("redis", redis).put("trimIntervalMs", trimIntervalMs);
  }
}
