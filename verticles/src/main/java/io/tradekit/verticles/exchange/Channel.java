package io.tradekit.verticles.exchange;

import java.util.Collection;

/**
 * A subscription channel the simulated exchange serves, parsed from its Deribit name.
 *
 * <p>Supported: {@code trades|book|ticker.{instrument}.{100ms|agg2}} and
 * {@code chart.trades.{instrument}.{resolution}}, and the private
 * {@code user.orders|user.trades.{instrument}.raw} (an authenticated connection only, see
 * {@link #isPrivate()}). Public {@code raw} intervals are not served: rejected like other
 * unsupported names, the channel is simply missing from the subscribe result. Immutable; any thread.
 */
final class Channel {

  enum Kind { TRADES, BOOK, TICKER, CHART, USER_ORDERS, USER_TRADES }

  final String name;
  final Kind kind;
  final String instrument;
  /** The interval ({@code 100ms}, {@code agg2}) or, for charts, the resolution. */
  final String interval;

  private Channel(String name, Kind kind, String instrument, String interval) {
    this.name = name;
    this.kind = kind;
    this.instrument = instrument;
    this.interval = interval;
  }

  /** @return the parsed channel, or null when the name is malformed, unsupported or the instrument unknown */
  static Channel parse(String name, Collection<String> instruments) {
    if (name == null) {
      return null;
    }
    String[] parts = name.split("\\.", -1);
    if (parts.length == 4 && "user".equals(parts[0]) && "raw".equals(parts[3]) && instruments.contains(parts[2])) {
      if ("orders".equals(parts[1])) {
        return new Channel(name, Kind.USER_ORDERS, parts[2], parts[3]);
      }
      if ("trades".equals(parts[1])) {
        return new Channel(name, Kind.USER_TRADES, parts[2], parts[3]);
      }
      return null;
    }
    if (parts.length == 4 && "chart".equals(parts[0]) && "trades".equals(parts[1])) {
      if (instruments.contains(parts[2]) && ChartHistory.resolutionMs(parts[3]) > 0) {
        return new Channel(name, Kind.CHART, parts[2], parts[3]);
      }
      return null;
    }
    if (parts.length != 3 || !instruments.contains(parts[1])
      || !("100ms".equals(parts[2]) || "agg2".equals(parts[2]))) {
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

  /** @return whether this is a user channel, which needs an authenticated connection */
  boolean isPrivate() {
    return kind == Kind.USER_ORDERS || kind == Kind.USER_TRADES;
  }

  /** @return the name of the {@code user.orders} ({@code orders}) or {@code user.trades} channel of {@code instrument} */
  static String userChannel(String what, String instrument) {
    return "user." + what + "." + instrument + ".raw";
  }

  @Override
  public String toString() {
    return name;
  }
}
