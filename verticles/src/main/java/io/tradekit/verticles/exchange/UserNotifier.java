package io.tradekit.verticles.exchange;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sends the private notifications {@code user.orders.<instrument>.raw} (the order object on each
 * change) and {@code user.trades.<instrument>.raw} (an array of own fills) to every connection
 * authenticated as the account and subscribed to the channel, applying the notify_duplicate
 * (a notification sent twice) and notify_reorder (held back, then sent after the next one, or
 * alone after {@link #REORDER_FLUSH_MS}) faults.
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

  @Override
  public void orderChanged(Order order) {
    // Encoded now: the order is mutable and may change again before the send.
    String data = order.toJson().encode();
    afterWrite.accept(() -> send(order.account, Channel.userChannel("orders", order.instrument), data));
  }

  @Override
  public void traded(String account, String instrument, List<Fill> fills) {
    JsonArray data = new JsonArray();
    fills.forEach(f -> data.add(f.toJson()));
    String encoded = data.encode();
    afterWrite.accept(() -> send(account, Channel.userChannel("trades", instrument), encoded));
  }

  private void send(String account, String channelName, String data) {
    String frame = null;
    // Copy: a write can complete a close synchronously and remove the connection from the set.
    for (ExchangeConnection c : new ArrayList<>(connections)) {
      Channel channel = c.subscription(channelName);
      if (channel == null || !account.equals(c.session.account)) {
        continue;
      }
      frame = frame != null ? frame : MarketDataGenerator.notification(channelName, data);
      deliver(c, channel, frame);
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
