package io.tradekit.verticles.strategy;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Config of the example {@link QuoteStrategy}: {@code exchange} ("deribit"), {@code instruments}
 * (required), {@code tickSizes} (required, instrument → tick, e.g. {@code {"BTC-PERPETUAL": "0.5"}}),
 * {@code quoteAmount} ("10"), {@code spreadBps} ("10": each quote this far from the close),
 * {@code quoteIntervalMs} (5000), {@code maxOpenQuotes} (4 per instrument: quotes written and not
 * yet known to be closed, cancel-requested ones included), {@code outcomeTimeoutMs} (60000: a quote
 * without any outcome that long is cancelled anyway), {@code labelPrefix} ("tk-": must equal the
 * executor's), {@code group} ("strategy": consumer group on the outcomes stream), {@code blockMs}
 * (1000), {@code commandTimeoutMs} (5000), {@code redis} resource name. Decimals may be written as
 * JSON strings (exact) or numbers.
 */
public final class StrategyOptions {

  /** Deribit's limit on an order label. */
  static final int MAX_LABEL_CHARS = 64;
  /** Room a label needs besides prefix and instrument: "q-", "-", run id (8 base-36 digits), "-", counter (7). */
  static final int LABEL_OVERHEAD_CHARS = 2 + 1 + 8 + 1 + 7;

  final String exchange;
  final List<String> instruments;
  final Map<String, BigDecimal> tickSizes;
  final BigDecimal quoteAmount;
  final BigDecimal spreadBps;
  final long quoteIntervalMs;
  final int maxOpenQuotes;
  final long outcomeTimeoutMs;
  final String labelPrefix;
  final String group;
  final long blockMs;
  final long commandTimeoutMs;
  final String redis;

  /**
   * Parses and validates the service's config block; errors name keys under the reader's path
   * (e.g. {@code services[name].config.tickSizes.BTC-PERPETUAL}).
   */
  public StrategyOptions(ConfigReader config) {
    ConfigReader c = config.rejectUnknownKeys(Set.of("exchange", "instruments", "tickSizes", "quoteAmount",
      "spreadBps", "quoteIntervalMs", "maxOpenQuotes", "outcomeTimeoutMs", "labelPrefix", "group", "blockMs",
      "commandTimeoutMs", "redis"));
    exchange = c.string("exchange", "deribit");
    instruments = c.stringList("instruments");
    if (instruments.isEmpty()) {
      throw new ConfigException(c.path("instruments"), "expected at least one instrument");
    }
    labelPrefix = c.string("labelPrefix", "tk-");
    if (labelPrefix.isEmpty() || !labelPrefix.matches("[A-Za-z0-9._-]+")) {
      throw new ConfigException(c.path("labelPrefix"), "expected letters, digits, '.', '_' or '-', got \"" + labelPrefix + "\"");
    }
    for (int i = 0; i < instruments.size(); i++) {
      int chars = labelPrefix.length() + instruments.get(i).length() + LABEL_OVERHEAD_CHARS;
      if (chars > MAX_LABEL_CHARS) {
        throw new ConfigException(c.path("instruments") + "[" + i + "]", "its quote labels would need " + chars
          + " characters with labelPrefix \"" + labelPrefix + "\"; the exchange allows " + MAX_LABEL_CHARS);
      }
    }
    ConfigReader ticks = c.object("tickSizes").rejectUnknownKeys(Set.copyOf(instruments));
    Map<String, BigDecimal> t = new LinkedHashMap<>();
    for (String instrument : instruments) {
      if (!ticks.has(instrument)) {
        throw new ConfigException(ticks.path(instrument), "required: the tick size of every configured instrument");
      }
      t.put(instrument, positiveDecimal(ticks, instrument, null));
    }
    tickSizes = Map.copyOf(t);
    quoteAmount = positiveDecimal(c, "quoteAmount", "10");
    spreadBps = positiveDecimal(c, "spreadBps", "10");
    if (spreadBps.compareTo(BigDecimal.valueOf(5_000)) >= 0) {
      throw new ConfigException(c.path("spreadBps"), "expected less than 5000 basis points, got " + spreadBps.toPlainString());
    }
    quoteIntervalMs = c.millis("quoteIntervalMs", 5_000, 100);
    maxOpenQuotes = c.intValue("maxOpenQuotes", 4 * instruments.size(), 2, 10_000);
    outcomeTimeoutMs = c.millis("outcomeTimeoutMs", 60_000, 1);
    group = c.string("group", "strategy");
    if (group.isBlank()) {
      throw new ConfigException(c.path("group"), "expected a non-empty consumer group name");
    }
    blockMs = c.millis("blockMs", 1_000, 1);
    commandTimeoutMs = c.millis("commandTimeoutMs", 5_000, 1);
    redis = c.string("redis", "redis");
  }

  /** A decimal above zero, from a JSON string (exact) or number; {@code defaultValue} null: required. */
  static BigDecimal positiveDecimal(ConfigReader c, String key, String defaultValue) {
    Object raw = c.json().getValue(key);
    if (raw == null && defaultValue != null) {
      return new BigDecimal(defaultValue);
    }
    BigDecimal value;
    try {
      value = raw instanceof String || raw instanceof Number ? new BigDecimal(raw.toString()) : null;
    } catch (NumberFormatException e) {
      value = null;
    }
    if (value == null || value.signum() <= 0) {
      throw new ConfigException(c.path(key), "expected a decimal above zero (e.g. \"0.5\"), got "
        + (raw instanceof String ? "\"" + raw + "\"" : String.valueOf(raw)));
    }
    return value;
  }
}
