package io.tradekit.verticles.receiver;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * Config of the receiver service: {@code exchange} ("deribit"), {@code instruments} (required),
 * {@code kinds} (["trades","ticker"]: channel kinds to subscribe), {@code interval} ("100ms"),
 * {@code feed} (the feed client's options; {@code channels} is filled from instruments/kinds),
 * {@code batchSize} (200 XADDs per pipelined batch), {@code lingerMs} (5: flush a partial batch
 * after this), {@code writeConcurrency} (4 batches in flight), {@code maxLen} (1000000: the stream
 * length CAP past which the trimmer raises its over-cap alert; never a blind {@code MAXLEN} trim;
 * 0 disables the alert), {@code memoryBudgetBytes} (64 MiB: the estimated bytes the receiver may
 * hold, feed queue and writer buffer together; past it messages are shed at arrival, counted and
 * recorded as gaps; see {@link io.tradekit.feed.MemoryBudget}), {@code commandTimeoutMs} (5000),
 * {@code retryMinMs} / {@code retryMaxMs} (100 / 5000), {@code redis} (resource name),
 * {@code trimIntervalMs} (5000: how often the written streams are trimmed safely; 0 disables).
 *
 * <p>{@code maxBuffered} and {@code overflow} are gone (the writer no longer drops what it
 * accepted; the budget bounds it): setting them is a config error that says so.
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
  final long memoryBudgetBytes;
  final long commandTimeoutMs;
  final long retryMinMs;
  final long retryMaxMs;
  final String redis;
  final long trimIntervalMs;

  /**
   * Default {@code memoryBudgetBytes}, 64 MiB: with {@code MemoryBudget}'s conservative estimates
   * (1 KiB per trade) the receiver holds at most about 64k trades, so it stays inside a 256 MB heap
   * at any offered rate (FirehoseIT runs it with {@code -Xmx256m}).
   */
  public static final long DEFAULT_MEMORY_BUDGET_BYTES = 64L * 1024 * 1024;

  public ReceiverOptions(JsonObject json) {
    this(ConfigReader.of(json, "config"));
  }

  /**
   * Parses and validates the service's config block; errors name keys under the reader's path
   * (e.g. {@code services[name].config.batchSize} when the supervisor validates it up front).
   */
  public ReceiverOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("exchange", "instruments", "kinds",
      "interval", "feed", "batchSize", "lingerMs", "writeConcurrency", "maxLen", "memoryBudgetBytes",
      "commandTimeoutMs", "retryMinMs", "retryMaxMs", "redis", "trimIntervalMs", "maxBuffered", "overflow"));
    for (String removed : List.of("maxBuffered", "overflow")) {
      if (c.has(removed)) {
        throw new ConfigException(c.path(removed), "no longer supported: the receiver never drops what it accepted; "
          + "its memory is bounded by memoryBudgetBytes (shedding at arrival, recorded as gaps)");
      }
    }
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
    memoryBudgetBytes = c.longValue("memoryBudgetBytes", DEFAULT_MEMORY_BUDGET_BYTES, 65_536, Long.MAX_VALUE);
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
      .put("maxLen", maxLen).put("memoryBudgetBytes", memoryBudgetBytes)
      .put("commandTimeoutMs", commandTimeoutMs).put("retryMinMs", retryMinMs).put("retryMaxMs", retryMaxMs)
      .put("redis", redis).put("trimIntervalMs", trimIntervalMs);
  }
}
