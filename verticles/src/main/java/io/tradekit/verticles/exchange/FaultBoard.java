package io.tradekit.verticles.exchange;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
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

    Active(Fault fault, long untilMs, long timerId) {
      this.fault = fault;
      this.untilMs = untilMs;
      this.timerId = timerId;
    }
  }

  private final Vertx vertx;
  private final Consumer<Fault> onActivated;
  private final List<Active> active = new ArrayList<>();

  FaultBoard(Vertx vertx, Consumer<Fault> onActivated) {
    this.vertx = vertx;
    this.onActivated = onActivated;
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
