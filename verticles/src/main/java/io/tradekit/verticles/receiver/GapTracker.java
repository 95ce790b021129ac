package io.tradekit.verticles.receiver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gap detection by trade_seq (Deribit numbers the trades of each instrument consecutively): the
 * receiver tells it every trade it processes, every message it shed and every disconnect; it
 * answers each trade with the gap that trade reveals, if any.
 *
 * <p>A trade with {@code seq > last + 1} reveals the gap {@code [last + 1, seq - 1]}. Its reason:
 * {@code shed} when the receiver shed trades in that range, else {@code reconnect} when the feed
 * disconnected between the previous trade's arrival and this one's, else {@code startup} for the
 * first trade after start whose {@code last} came from Redis ({@code md:<exchange>:lastseq}), else
 * {@code jump} (frames withheld or lost without a disconnect). A trade with {@code seq <= last}
 * (duplicate, out of order) is no gap and never moves {@code last} back.
 *
 * <p>Shed messages are recorded by their seq range, so a shed message still queued behind older
 * ones cannot be confused with them; shed trades after the last processed one (nothing came after
 * them yet) are reported by {@link #trailingShed()} when the receiver stops.
 *
 * <p>Plain state, no I/O; confined to the receiver's context.
 */
final class GapTracker {

  /** One run of missing trade_seq values of one instrument, {@code from..to} inclusive. */
  record Gap(String instrument, long from, long to, String reason) {
    long size() {
      return to - from + 1;
    }
  }

  /** Disconnect times remembered: plenty for the trades in flight at any moment. */
  private static final int DISCONNECTS_KEPT = 256;

  private static final class Instrument {
    /** Highest trade_seq processed (or loaded from Redis); {@code Long.MIN_VALUE} when unknown. */
    long last = Long.MIN_VALUE;
    /** Arrival of the message holding {@link #last} (or the tracker's creation). */
    long lastReceivedNanos;
    /** {@link #last} came from Redis and no later trade was processed yet. */
    boolean startup;
    /** Shed seq ranges above {@link #last}, merged: from → to. */
    final TreeMap<Long, Long> shed = new TreeMap<>();
  }

  private final Map<String, Instrument> instruments = new HashMap<>();
  private final Deque<Long> disconnects = new ArrayDeque<>();
  private final long createdNanos;

  /** @param stored the last trade_seq per instrument stored by an earlier run (from Redis) */
  GapTracker(Map<String, Long> stored, long nowNanos) {
    this.createdNanos = nowNanos;
    stored.forEach((name, seq) -> {
      Instrument s = state(name);
      s.last = seq;
      s.startup = true;
    });
  }

  private Instrument state(String name) {
    return instruments.computeIfAbsent(name, n -> {
      Instrument s = new Instrument();
      s.lastReceivedNanos = createdNanos;
      return s;
    });
  }

  /** The receiver shed trades {@code minSeq..maxSeq} of {@code instrument} (not stored). */
  void shed(String instrument, long minSeq, long maxSeq) {
    Instrument s = state(instrument);
    if (maxSeq <= s.last) {
      return; // only duplicates of what was processed
    }
    long from = Math.max(minSeq, s.last == Long.MIN_VALUE ? minSeq : s.last + 1);
    long to = maxSeq;
    // Merge with overlapping or adjacent ranges, so steady shedding keeps one range per run.
    Map.Entry<Long, Long> before = s.shed.floorEntry(from);
    if (before != null && before.getValue() >= from - 1) {
      from = before.getKey();
      to = Math.max(to, before.getValue());
      s.shed.remove(before.getKey());
    }
    for (Iterator<Map.Entry<Long, Long>> it = s.shed.tailMap(from, true).entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Long> next = it.next();
      if (next.getKey() > to + 1) {
        break;
      }
      to = Math.max(to, next.getValue());
      it.remove();
    }
    s.shed.put(from, to);
  }

  /** The feed lost its connection at {@code nanos}. */
  void disconnected(long nanos) {
    disconnects.addLast(nanos);
    if (disconnects.size() > DISCONNECTS_KEPT) {
      disconnects.pollFirst();
    }
  }

  /** @return the gap trade {@code seq} of {@code instrument} (arrived at {@code receivedNanos}) reveals, or null */
  Gap trade(String instrument, long seq, long receivedNanos) {
    Instrument s = state(instrument);
    long last = s.last;
    if (last == Long.MIN_VALUE && !s.shed.isEmpty() && seq > s.shed.firstKey()) {
      last = s.shed.firstKey() - 1; // shed before the first processed trade: missing too
    }
    if (last == Long.MIN_VALUE || seq == last + 1) {
      advance(s, seq, receivedNanos);
      return null;
    }
    if (seq <= last) {
      return null;
    }
    long from = last + 1;
    long to = seq - 1;
    String reason;
    if (shedWithin(s, from, to)) {
      reason = "shed";
    } else if (disconnectedBetween(s.lastReceivedNanos, receivedNanos)) {
      reason = "reconnect";
    } else if (s.startup) {
      reason = "startup";
    } else {
      reason = "jump";
    }
    advance(s, seq, receivedNanos);
    return new Gap(instrument, from, to, reason);
  }

  private static void advance(Instrument s, long seq, long receivedNanos) {
    s.last = seq;
    s.lastReceivedNanos = receivedNanos;
    s.startup = false;
    // Shed ranges at or below the new last are accounted for (in this gap or as duplicates).
    while (!s.shed.isEmpty() && s.shed.firstKey() <= seq) {
      Map.Entry<Long, Long> first = s.shed.pollFirstEntry();
      if (first.getValue() > seq) {
        s.shed.put(seq + 1, first.getValue());
        break;
      }
    }
  }

  private static boolean shedWithin(Instrument s, long from, long to) {
    Map.Entry<Long, Long> candidate = s.shed.floorEntry(to);
    return candidate != null && candidate.getValue() >= from;
  }

  private boolean disconnectedBetween(long afterNanos, long upToNanos) {
    for (Iterator<Long> it = disconnects.descendingIterator(); it.hasNext(); ) {
      long t = it.next();
      if (t - afterNanos > 0 && upToNanos - t >= 0) {
        return true;
      }
      if (t - afterNanos <= 0) {
        return false;
      }
    }
    return false;
  }

  /**
   * @return one {@code shed} gap per instrument for what was shed after its last processed trade
   *     (from {@code last + 1}, or the first shed seq, to the highest shed seq); they count as
   *     processed afterwards
   */
  List<Gap> trailingShed() {
    List<Gap> gaps = new ArrayList<>();
    instruments.forEach((name, s) -> {
      if (s.shed.isEmpty()) {
        return;
      }
      long from = s.last == Long.MIN_VALUE ? s.shed.firstKey() : s.last + 1;
      long to = s.shed.lastEntry().getValue();
      gaps.add(new Gap(name, from, to, "shed"));
      s.shed.clear();
      s.last = to;
    });
    return gaps;
  }
}
