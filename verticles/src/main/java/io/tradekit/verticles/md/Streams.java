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
  /** Kind segment of the gap stream {@code md:<exchange>:gaps} (see {@link #gaps(String)}). */
  public static final String GAPS = "gaps";

  private Streams() {
  }

  public static String key(String exchange, String kind, String instrument) {
    return PREFIX + exchange + ":" + kind + ":" + instrument;
  }

  /**
   * Gap records: {@code md:<exchange>:gaps}, one entry per run of missing trade_seq values of one
   * instrument, fields {@code ex}, {@code in}, {@code from}, {@code to} (inclusive), {@code reason}
   * ({@code startup|reconnect|stall|jump|shed}) and {@code at} (detection time, epoch ms). Written by
   * the receiver, read by the {@code gapfill} group; never trimmed.
   */
  public static String gaps(String exchange) {
    return PREFIX + exchange + ":" + GAPS;
  }

  /**
   * The hash {@code md:<exchange>:lastseq}: field instrument, value the highest trade_seq the
   * receiver has stored in Redis with everything it accepted before it (written by the receiver
   * after acknowledged batches, read at its start). A hash, not a stream.
   */
  public static String lastSeq(String exchange) {
    return PREFIX + exchange + ":lastseq";
  }

  /**
   * Order intents: {@code exec:<exchange>:intents}, written by strategies, read by the executor's
   * consumer group (fields in the README's executor section). Not a market-data stream, so not
   * under {@link #PREFIX}: the janitor never trims it.
   */
  public static String intents(String exchange) {
    return "exec:" + exchange + ":intents";
  }

  /**
   * The executor's order events: {@code exec:<exchange>:orders}, one entry per change of an order
   * row ({@code kind=order}) and per own trade stored ({@code kind=fill}), read by strategies to
   * follow their orders (a resting order's fills come only here).
   */
  public static String orders(String exchange) {
    return "exec:" + exchange + ":orders";
  }

  /** The executor's outcomes of intents: {@code exec:<exchange>:outcomes}, read by strategies. */
  public static String outcomes(String exchange) {
    return "exec:" + exchange + ":outcomes";
  }

  /** Persisted-trades notifications for the analyzer: {@code md:<exchange>:persisted}. */
  public static String persisted(String exchange) {
    return PREFIX + exchange + ":persisted";
  }
}
