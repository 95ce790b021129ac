package io.tradekit.feed;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A byte budget for everything a feed consumer holds in memory: the feed's delivery queue and
 * whatever the consumer keeps of a message until it is done with it (the receiver: its Redis
 * writer's buffer). One budget is shared by both, so a slow consumer cannot grow the process past
 * it: a message is admitted into the queue only if its estimated size fits ({@link #tryReserve});
 * otherwise the queue sheds it (counted, reported to the consumer). The reservation of a delivered
 * message passes to the consumer, which releases it when it no longer holds the message's data.
 *
 * <p>Sizes are ESTIMATES, cheap by design (no object-graph walking): {@link #estimateBytes} counts
 * the items of a message plus a fixed overhead. A trade of a {@link TradeBatch} counts
 * {@link #BYTES_PER_TRADE}: an upper bound of everything held for it until Redis acknowledged it
 * (the {@link Trade} with its id and decimal texts, the writer's pending entry, and the XADD
 * request's argument arrays while in flight), measured with JOL on a 64-bit JVM with compressed
 * oops (see the constant). Other items (a book level of a generic JSON message) count
 * {@link #BYTES_PER_ITEM}, an upper bound of a decoded JSON item.
 *
 * <p>Created by the feed's owner (the receiver) and handed to {@link FeedClient#budget}; used on
 * the feed's context only. {@link #usedBytes()} and {@link #peakBytes()} may be read from any
 * thread (metrics).
 */
public final class MemoryBudget {

  /** Estimated bytes per item of a generic JSON message (e.g. a level of a book). */
  public static final long BYTES_PER_ITEM = 1_024;
  /**
   * Estimated bytes per trade of a {@link TradeBatch}, held from the feed's queue until Redis
   * acknowledged its entry. Measured (JOL, compressed oops) for the exchange's trades: the
   * {@link Trade} 56 B plus its trade id, price and amount texts about 160 B (instrument and
   * direction are shared), the receiver's pending entry 32 B, and while its batch is in flight the
   * XADD request (argument list and the per-trade argument arrays) about 260 B: about 510 B.
   * Rounded up for longer ids and decimals.
   */
  public static final long BYTES_PER_TRADE = 640;
  /** Estimated bytes per message besides its items (the message, its channel and the JSON container). */
  public static final long BYTES_PER_MESSAGE = 512;
  /** Estimated bytes per field of an object message (ticker, book header, chart sample). */
  public static final long BYTES_PER_FIELD = 128;

  private final long limitBytes;
  private volatile long usedBytes;
  private volatile long peakBytes;

  /** @param limitBytes the most the reservations may add up to; at least one byte */
  public MemoryBudget(long limitBytes) {
    if (limitBytes < 1) {
      throw new IllegalArgumentException("limitBytes: expected at least 1, got " + limitBytes);
    }
    this.limitBytes = limitBytes;
  }

  /** @return true and reserves {@code bytes} when they fit in what is left, false (nothing reserved) otherwise */
  public boolean tryReserve(long bytes) {
    long next = usedBytes + bytes;
    if (bytes < 0 || next > limitBytes) {
      return false;
    }
    usedBytes = next;
    if (next > peakBytes) {
      peakBytes = next;
    }
    return true;
  }

  /** Returns {@code bytes} of earlier reservations. */
  public void release(long bytes) {
    long next = usedBytes - bytes;
    if (bytes < 0 || next < 0) {
      throw new IllegalStateException("released " + bytes + " bytes with only " + usedBytes + " reserved");
    }
    usedBytes = next;
  }

  public long limitBytes() {
    return limitBytes;
  }

  /** @return bytes reserved now; any thread */
  public long usedBytes() {
    return usedBytes;
  }

  /** @return the most ever reserved at once; any thread */
  public long peakBytes() {
    return peakBytes;
  }

  /**
   * The estimated heap a decoded message holds: {@link #BYTES_PER_MESSAGE}, plus
   * {@link #BYTES_PER_TRADE} per trade of a {@link TradeBatch}, or {@link #BYTES_PER_ITEM} per
   * element of an array message, or {@link #BYTES_PER_FIELD}
   * per field of an object message plus {@link #BYTES_PER_ITEM} per element of each array field
   * (a book's levels). Looks only at sizes, never walks deeper: constant cost per message.
   * Deterministic, so the consumer can recompute what the queue reserved for a message.
   */
  public static long estimateBytes(FeedMessage message) {
    Object data = message.data();
    if (data instanceof TradeBatch trades) {
      return BYTES_PER_MESSAGE + trades.size() * BYTES_PER_TRADE;
    }
    if (data instanceof JsonArray items) {
      return BYTES_PER_MESSAGE + items.size() * BYTES_PER_ITEM;
    }
    if (data instanceof JsonObject object) {
      long bytes = BYTES_PER_MESSAGE + object.size() * BYTES_PER_FIELD;
      for (String name : object.fieldNames()) {
        if (object.getValue(name) instanceof JsonArray nested) {
          bytes += nested.size() * BYTES_PER_ITEM;
        }
      }
      return bytes;
    }
    return BYTES_PER_MESSAGE;
  }
}
