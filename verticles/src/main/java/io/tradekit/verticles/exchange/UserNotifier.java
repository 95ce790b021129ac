package io.tradekit.verticles.exchange;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sends the private notifications to every connection authenticated as the account and subscribed
 * to a user channel that covers the instrument (by name, or by its {@code .{kind}.{currency}.} /
 * {@code any} form): {@code user.orders.*} (one order object on {@code raw}, an array on
 * {@code 100ms}/{@code agg2}), {@code user.trades.*} (an array of own fills) and
 * {@code user.changes.*} (an object with {@code instrument_name}, {@code orders}, {@code trades} and
 * {@code positions}), applying the notify_duplicate (a notification sent twice) and notify_reorder
 * (held back, then sent after the next one, or alone after {@link #REORDER_FLUSH_MS}) faults.
 *
 * <p>The {@link MatchingEngine}'s event sink (behind the {@link LedgerJournal} when the state is
 * durable, which sends nothing before the change is written); runs on the exchange's context. User notifications
 * are not dropped when a socket's write queue is full (unlike market data): losing one would be a
 * fault nobody injected.
 */
final class UserNotifier implements MatchingEngine.Events {

  /** How long notify_reorder holds a notification when no other one follows. */
  static final long REORDER_FLUSH_MS = 200;

  private final Vertx vertx;
  private final FaultBoard faults;
  private final Collection<ExchangeConnection> connections;
  private final Consumer<Runnable> afterWrite;
  private PrivateLedger ledger;

  /**
   * @param afterWrite runs a send once the change it tells about is durable
   *     ({@link LedgerJournal#afterWrite}); {@code Runnable::run} when the state is in memory only
   */
  UserNotifier(Vertx vertx, FaultBoard faults, Collection<ExchangeConnection> connections, Consumer<Runnable> afterWrite) {
    this.vertx = vertx;
    this.faults = faults;
    this.connections = connections;
    this.afterWrite = afterWrite;
  }

  /** The ledger whose positions {@code user.changes} carries; set once the engine exists. */
  void ledger(PrivateLedger ledger) {
    this.ledger = ledger;
  }

  @Override
  public void orderChanged(Order order) {
    changed(order, List.of());
  }

  @Override
  public void traded(String account, String instrument, List<Fill> fills) {
    if (!fills.isEmpty()) {
      changed(fills.get(0).order, fills);
    }
  }

  @Override
  public void changed(Order order, List<Fill> fills) {
    JsonObject orderJson = order.toJson();
    JsonArray trades = new JsonArray();
    fills.forEach(f -> trades.add(f.toJson()));
    // Copy: a write can complete a close synchronously and remove the connection from the set.
    for (ExchangeConnection c : new ArrayList<>(connections)) {
      if (!order.account.equals(c.session.account)) {
        continue;
      }
      for (Channel channel : new ArrayList<>(c.subscriptions())) {
        if (!channel.isPrivate() || !channel.covers(order.spec)) {
          continue;
        }
        Object data = switch (channel.kind) {
          case USER_ORDERS -> channel.isRaw() ? orderJson : new JsonArray().add(orderJson);
          case USER_TRADES -> trades.isEmpty() ? null : trades;
          case USER_CHANGES -> new JsonObject().put("instrument_name", order.instrument)
            .put("orders", new JsonArray().add(orderJson)).put("trades", trades)
            .put("positions", new JsonArray().add(ledger == null ? new JsonObject()
              : ledger.positionJson(order.account, order.instrument)));
          default -> null;
        };
        if (data != null) {
          // Encoded now (the order is mutable), sent once the change is durable.
          String frame = MarketDataGenerator.notification(channel.name,
            data instanceof JsonObject ? ((JsonObject) data).encode() : ((JsonArray) data).encode());
          afterWrite.accept(() -> deliver(c, channel, frame));
        }
      }
    }
  }

  private void deliver(ExchangeConnection c, Channel channel, String frame) {
    boolean duplicate = faults.take(Fault.Type.NOTIFY_DUPLICATE) != null;
    boolean reorder = faults.take(Fault.Type.NOTIFY_REORDER) != null;
    PrivateSession s = c.session;
    if (reorder && s.heldFrame == null) {
      s.heldChannel = channel;
      s.heldFrame = frame;
      s.heldTimer = vertx.setTimer(REORDER_FLUSH_MS, t -> {
        s.heldTimer = -1;
        flush(c);
      });
      if (duplicate) {
        c.sendUser(channel, frame);
      }
      return;
    }
    c.sendUser(channel, frame);
    if (duplicate) {
      c.sendUser(channel, frame);
    }
    flush(c);
  }

  /** Sends the held notification, if any, now: after the one that overtook it. */
  void flush(ExchangeConnection c) {
    PrivateSession s = c.session;
    if (s.heldFrame == null) {
      return;
    }
    if (s.heldTimer >= 0) {
      vertx.cancelTimer(s.heldTimer);
      s.heldTimer = -1;
    }
    String frame = s.heldFrame;
    s.heldFrame = null;
    c.sendUser(s.heldChannel, frame);
  }
}
