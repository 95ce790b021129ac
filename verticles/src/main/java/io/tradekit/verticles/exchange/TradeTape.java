package io.tradekit.verticles.exchange;

/**
 * Trades of one instrument with consecutive trade_seq values, stored column-wise in primitive
 * arrays (about 25 bytes a trade instead of a 260-byte JSON string): the batch an
 * {@link InstrumentSim} just generated, and the bounded history that {@code
 * public/get_last_trades_by_instrument} answers from (a ring: when full, each new trade replaces
 * the oldest one).
 *
 * <p>Everything that is not stored here is derived: the trade id from the seq, prices from ticks
 * and the instrument's tick size ({@link InstrumentSim#render}). Used only on the exchange's
 * event-loop context.
 */
final class TradeTape {

  final int capacity;
  private final long[] timestampMs;
  private final long[] priceTicks;
  private final int[] amount;
  /** Bit 0: buy; bits 1-2: tick_direction. */
  private final byte[] flags;
  /** mark_price and index_price minus price, in cents. */
  private final short[] markOffsetCents;
  private final short[] indexOffsetCents;
  private long firstSeq = -1;
  private long lastSeq = -1;

  TradeTape(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: expected >= 1, got " + capacity);
    }
    this.capacity = capacity;
    timestampMs = new long[capacity];
    priceTicks = new long[capacity];
    amount = new int[capacity];
    flags = new byte[capacity];
    markOffsetCents = new short[capacity];
    indexOffsetCents = new short[capacity];
  }

  /** Appends trade {@code seq}, which must follow the last one; the oldest is evicted when full. */
  void add(long seq, long tsMs, long ticks, int amountValue, boolean buy, int tickDirection, int markOffset, int indexOffset) {
    if (lastSeq >= 0 && seq != lastSeq + 1) {
      throw new IllegalStateException("trade_seq " + seq + " does not follow " + lastSeq);
    }
    int slot = slot(seq);
    timestampMs[slot] = tsMs;
    priceTicks[slot] = ticks;
    amount[slot] = amountValue;
    flags[slot] = (byte) ((buy ? 1 : 0) | (tickDirection << 1));
    markOffsetCents[slot] = (short) markOffset;
    indexOffsetCents[slot] = (short) indexOffset;
    if (firstSeq < 0) {
      firstSeq = seq;
    }
    lastSeq = seq;
    if (lastSeq - firstSeq + 1 > capacity) {
      firstSeq = lastSeq - capacity + 1;
    }
  }

  /** Copies trade {@code seq} of {@code other} to the end of this tape. */
  void addFrom(TradeTape other, long seq) {
    int s = other.slot(seq);
    add(seq, other.timestampMs[s], other.priceTicks[s], other.amount[s], (other.flags[s] & 1) == 1, other.flags[s] >> 1,
      other.markOffsetCents[s], other.indexOffsetCents[s]);
  }

  /** @return the oldest trade_seq held, or -1 when empty */
  long firstSeq() {
    return firstSeq;
  }

  /** @return the newest trade_seq held, or -1 when empty */
  long lastSeq() {
    return lastSeq;
  }

  boolean isEmpty() {
    return lastSeq < 0;
  }

  private int slot(long seq) {
    return (int) Math.floorMod(seq, (long) capacity);
  }

  long timestampMs(long seq) {
    return timestampMs[slot(seq)];
  }

  long priceTicks(long seq) {
    return priceTicks[slot(seq)];
  }

  int amount(long seq) {
    return amount[slot(seq)];
  }

  boolean buy(long seq) {
    return (flags[slot(seq)] & 1) == 1;
  }

  int tickDirection(long seq) {
    return flags[slot(seq)] >> 1;
  }

  int markOffsetCents(long seq) {
    return markOffsetCents[slot(seq)];
  }

  int indexOffsetCents(long seq) {
    return indexOffsetCents[slot(seq)];
  }
}
