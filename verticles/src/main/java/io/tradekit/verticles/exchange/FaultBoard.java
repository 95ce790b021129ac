package io.tradekit.verticles.exchange;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The faults currently active in one {@link SimulatedExchange}, each removed by its own timer when
 * its duration ends.
 *
 * <p>Connections and the generator ASK the board at the moment they act (send, answer, connect),
 * so a fault covers open connections and new ones alike without per-connection bookkeeping; only
 * faults that act once at injection (drop, close, gap) are pushed via the activation listener.
 * Used only on the exchange's event-loop context.
 */
final class FaultBoard {

  private static final class Active {
    final Fault fault;
    final long untilMs;
    final long timerId;
    /** Countable faults: how much of {@code fault.count()} each instrument (withhold), the HTTP API or the events used. */
    final Map<String, Long> used = new HashMap<>();

    Active(Fault fault, long untilMs, long timerId) {
      this.fault = fault;
      this.untilMs = untilMs;
      this.timerId = timerId;
    }
  }

  /** Key of {@link Active#used} for the HTTP faults and the per-event faults (one budget each). */
  private static final String HTTP = "";

  private final Vertx vertx;
  private final Consumer<Fault> onActivated;
  private final List<Active> active = new ArrayList<>();
  /** Rolls the per-event faults' probabilities: seeded, so a run with the same seed and events repeats. */
  private final SplittableRandom random;

  FaultBoard(Vertx vertx, Consumer<Fault> onActivated, long seed) {
    this.vertx = vertx;
    this.onActivated = onActivated;
    this.random = new SplittableRandom(seed);
  }

  /** Activates {@code fault} now for its duration; must run on the exchange context. */
  void inject(Fault fault) {
    long[] timer = new long[1];
    timer[0] = vertx.setTimer(fault.durationMs(), id -> active.removeIf(a -> a.timerId == id));
    active.add(new Active(fault, System.currentTimeMillis() + fault.durationMs(), timer[0]));
    onActivated.accept(fault);
  }

  /** Ends every active fault at once. */
  void clear() {
    active.forEach(a -> vertx.cancelTimer(a.timerId));
    active.clear();
  }

  boolean isActive(Fault.Type type) {
    for (int i = 0; i < active.size(); i++) {
      if (active.get(i).fault.type() == type) {
        return true;
      }
    }
    return false;
  }

  /** @return whether notifications of {@code channel} are silenced */
  boolean isSilenced(String channel) {
    for (int i = 0; i < active.size(); i++) {
      Fault f = active.get(i).fault;
      if (f.type() == Fault.Type.SILENCE && f.channel().equals(channel)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Applies the withhold faults to a new batch of {@code batchCount} trades of {@code instrument}.
   *
   * @return how many of the batch's FIRST trades must not be written to any socket (0..batchCount);
   *     a counted fault's budget for the instrument is used up by this call
   */
  int withhold(String instrument, int batchCount) {
    int withheld = 0;
    for (int i = 0; i < active.size(); i++) {
      Active a = active.get(i);
      if (a.fault.type() != Fault.Type.WITHHOLD) {
        continue;
      }
      if (a.fault.count() == 0) {
        return batchCount;
      }
      long used = a.used.getOrDefault(instrument, 0L);
      int take = (int) Math.min(batchCount, a.fault.count() - used);
      if (take > 0) {
        a.used.put(instrument, used + take);
      }
      withheld = Math.max(withheld, take);
    }
    return withheld;
  }

  /**
   * @return the HTTP fault that applies to the public HTTP request being answered now, or null; a
   *     counted fault is spent by this call and ends when its count is used up
   */
  Fault takeHttpFault() {
    for (int i = 0; i < active.size(); i++) {
      Active a = active.get(i);
      Fault.Type type = a.fault.type();
      if (type != Fault.Type.HTTP_429 && type != Fault.Type.HTTP_10028) {
        continue;
      }
      if (a.fault.count() > 0) {
        long used = a.used.merge(HTTP, 1L, Long::sum);
        if (used >= a.fault.count()) {
          vertx.cancelTimer(a.timerId);
          active.remove(i);
        }
      }
      return a.fault;
    }
    return null;
  }

  /**
   * Decides whether a per-event fault of {@code type} hits the event happening now (an order
   * placed, a user notification, a private call): each active fault of the type rolls its
   * probability, and a counted one spends one of its events (and ends when they are used up).
   *
   * @return the fault that hit, or null
   */
  Fault take(Fault.Type type) {
    return take(type, null);
  }

  /** As {@link #take(Fault.Type)}, only faults whose target (channel or method) is {@code target}, when not null. */
  Fault take(Fault.Type type, String target) {
    for (int i = 0; i < active.size(); i++) {
      Active a = active.get(i);
      if (a.fault.type() != type || (target != null && !target.equals(a.fault.channel()))
          || (a.fault.probability() < 1 && random.nextDouble() >= a.fault.probability())) {
        continue;
      }
      if (a.fault.count() > 0) {
        long used = a.used.merge(HTTP, 1L, Long::sum);
        if (used >= a.fault.count()) {
          vertx.cancelTimer(a.timerId);
          active.remove(i);
        }
      }
      return a.fault;
    }
    return null;
  }

  boolean isEmpty() {
    return active.isEmpty();
  }

  /** @return the active faults with the time each has left, for {@code GET /admin/faults} */
  JsonArray toJson() {
    long now = System.currentTimeMillis();
    JsonArray array = new JsonArray();
    for (Active a : active) {
      JsonObject json = a.fault.toJson().put("remainingMs", Math.max(0, a.untilMs - now));
      array.add(json);
    }
    return array;
  }
}
