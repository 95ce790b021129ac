package io.tradekit.verticles.exchange;

import java.util.Collection;

/**
 * A subscription channel the simulated exchange serves, parsed from its Deribit name.
 *
 * <p>Public: {@code trades|book|ticker.{instrument}.{raw|100ms|agg2}} and
 * {@code chart.trades.{instrument}.{resolution}} ({@code raw} only on an authenticated connection,
 * see {@link #isRaw()}). Private ({@link #isPrivate()}: {@code private/subscribe} on an
 * authenticated connection only): {@code user.orders|user.trades|user.changes} followed by
 * {@code .{instrument}.{interval}} or {@code .{kind}.{currency}.{interval}} ({@code any} allowed for
 * both, e.g. {@code user.orders.any.any.raw}). {@code user.orders.*.raw} carries one order object,
 * its {@code 100ms}/{@code agg2} forms an array; {@code user.trades.*} an array of own trades;
 * {@code user.changes.*} an object with {@code orders}, {@code trades} and {@code positions}.
 * Anything else is rejected: simply missing from the subscribe result, as on Deribit. Immutable;
 * any thread.
 */
final class Channel {

  enum Kind { TRADES, BOOK, TICKER, CHART, USER_ORDERS, USER_TRADES, USER_CHANGES }

  /** The channel kinds of Deribit's {@code .{kind}.{currency}.} forms. */
  private static final java.util.Set<String> KINDS = java.util.Set.of("future", "option", "spot", "combo", "any");
  private static final java.util.Set<String> CURRENCIES = java.util.Set.of("BTC", "ETH", "USDC", "USDT", "any");
  private static final java.util.Set<String> INTERVALS = java.util.Set.of("raw", "100ms", "agg2");

  final String name;
  final Kind kind;
  /** The instrument, or null for the {@code .{kind}.{currency}.} forms of user channels. */
  final String instrument;
  /** The interval ({@code raw}, {@code 100ms}, {@code agg2}) or, for charts, the resolution. */
  final String interval;
  /** For {@code .{kind}.{currency}.} user channels: the kind and currency filters (possibly {@code any}). */
  final String kindFilter;
  final String currencyFilter;

  private Channel(String name, Kind kind, String instrument, String interval) {
    this(name, kind, instrument, interval, null, null);
  }

  private Channel(String name, Kind kind, String instrument, String interval, String kindFilter, String currencyFilter) {
    this.name = name;
    this.kind = kind;
    this.instrument = instrument;
    this.interval = interval;
    this.kindFilter = kindFilter;
    this.currencyFilter = currencyFilter;
  }

  /** @return the parsed channel, or null when the name is malformed, unsupported or the instrument unknown */
  static Channel parse(String name, Collection<String> instruments) {
    if (name == null) {
      return null;
    }
    String[] parts = name.split("\\.", -1);
    if ("user".equals(parts[0])) {
      return parseUser(name, parts, instruments);
    }
    if (parts.length == 4 && "chart".equals(parts[0]) && "trades".equals(parts[1])) {
      if (instruments.contains(parts[2]) && ChartHistory.resolutionMs(parts[3]) > 0) {
        return new Channel(name, Kind.CHART, parts[2], parts[3]);
      }
      return null;
    }
    if (parts.length != 3 || !instruments.contains(parts[1]) || !INTERVALS.contains(parts[2])) {
      return null;
    }
    switch (parts[0]) {
      case "trades":
        return new Channel(name, Kind.TRADES, parts[1], parts[2]);
      case "book":
        return new Channel(name, Kind.BOOK, parts[1], parts[2]);
      case "ticker":
        return new Channel(name, Kind.TICKER, parts[1], parts[2]);
      default:
        return null;
    }
  }

  private static Channel parseUser(String name, String[] parts, Collection<String> instruments) {
    if (parts.length < 4 || !INTERVALS.contains(parts[parts.length - 1])) {
      return null;
    }
    Kind kind;
    switch (parts[1]) {
      case "orders" -> kind = Kind.USER_ORDERS;
      case "trades" -> kind = Kind.USER_TRADES;
      case "changes" -> kind = Kind.USER_CHANGES;
      default -> {
        return null;
      }
    }
    String interval = parts[parts.length - 1];
    if (parts.length == 4) {
      return instruments.contains(parts[2]) ? new Channel(name, kind, parts[2], interval) : null;
    }
    if (parts.length == 5 && KINDS.contains(parts[2]) && CURRENCIES.contains(parts[3])) {
      return new Channel(name, kind, null, interval, parts[2], parts[3]);
    }
    return null;
  }

  /** @return whether this is a user channel, which needs {@code private/subscribe} on an authenticated connection */
  boolean isPrivate() {
    return kind == Kind.USER_ORDERS || kind == Kind.USER_TRADES || kind == Kind.USER_CHANGES;
  }

  /** @return whether this channel asks for the {@code raw} interval, which needs an authenticated connection */
  boolean isRaw() {
    return "raw".equals(interval);
  }

  /** @return whether this user channel carries events of {@code instrument} (every simulated instrument is a future) */
  boolean covers(InstrumentSpec instrument) {
    if (this.instrument != null) {
      return this.instrument.equals(instrument.name);
    }
    return ("any".equals(kindFilter) || "future".equals(kindFilter))
      && ("any".equals(currencyFilter) || instrument.currency.equals(currencyFilter));
  }

  @Override
  public String toString() {
    return name;
  }
}
