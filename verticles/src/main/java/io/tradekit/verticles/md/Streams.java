package io.tradekit.verticles.md;

/**
 * Redis Streams naming shared by the receiver (writer), distributor and analyzer (readers) and the
 * janitor (trimming): {@code md:<exchange>:<kind>:<instrument>}, e.g.
 * {@code md:deribit:trades:BTC-PERPETUAL}. Pure functions.
 */
public final class Streams {

  /** Prefix of every market-data stream; the janitor trims {@code md:*}. */
  public static final String PREFIX = "md:";
  /** Where the distributor parks entries that can never be persisted, with the reason. */
  public static final String DEAD_LETTER = "md:deadletter";
  /** Kinds of streams the receiver writes. */
  public static final String TRADES = "trades";
  public static final String BOOK = "book";
  public static final String TICKER = "ticker";
  public static final String CHART = "chart";

  private Streams() {
  }

  public static String key(String exchange, String kind, String instrument) {
    return PREFIX + exchange + ":" + kind + ":" + instrument;
  }

  /** Persisted-trades notifications for the analyzer: {@code md:<exchange>:persisted}. */
  public static String persisted(String exchange) {
    return PREFIX + exchange + ":persisted";
  }
}
