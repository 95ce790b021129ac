package io.tradekit.feed.impl;

import io.tradekit.feed.FeedOptions;
import io.tradekit.feed.JsonRpcTransport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The feed's liveness, event-driven (no polling monitor):
 * <ul>
 *   <li>Transport stall: every inbound frame of any kind moves a deadline of stallFactor ×
 *   heartbeat interval; when it passes, the connection is abandoned (no close handshake) and the
 *   transport reconnects.</li>
 *   <li>Heartbeats: {@code public/set_heartbeat} in the handshake; a {@code test_request} is
 *   answered at once with {@code public/test}.</li>
 *   <li>Channel staleness: a channel with no USEFUL message for {@code channelStaleMs} (heartbeats
 *   do not count, nor book changes dropped while the book waits for a snapshot) is resubscribed;
 *   after {@code staleResubscribeLimit} consecutive stale periods the connection is abandoned.</li>
 * </ul>
 * Per connection: {@link #opened(long)} arms the stall deadline, {@link #closed()} cancels every
 * timer. Confined to the feed's context.
 */
public final class Liveness {

  private static final Logger LOG = LoggerFactory.getLogger(Liveness.class);

  private final Vertx vertx;
  private final FeedOptions options;
  private final FeedMetrics metrics;
  private final JsonRpcTransport transport;
  private final Consumer<String> resubscribe;
  private final Map<String, Long> lastDataNanos = new HashMap<>();
  private final Map<String, Integer> staleCounts = new HashMap<>();
  private final Map<String, Long> channelTimers = new HashMap<>();
  private long connection = -1;
  private long lastFrameNanos;
  private long stallTimer = -1;

  /** @param resubscribe called with a stale channel to resubscribe it */
  public Liveness(Vertx vertx, FeedOptions options, FeedMetrics metrics, JsonRpcTransport transport, Consumer<String> resubscribe) {
    this.vertx = vertx;
    this.options = options;
    this.metrics = metrics;
    this.transport = transport;
    this.resubscribe = resubscribe;
  }

  /** A socket opened: the stall deadline runs from now, through the handshake. */
  public void opened(long conn) {
    connection = conn;
    lastFrameNanos = System.nanoTime();
    armStallDeadline(conn);
  }

  /** @return asks the exchange for heartbeats at the configured interval (in seconds, as the API wants) */
  public Future<Object> requestHeartbeats() {
    double seconds = options.getHeartbeatIntervalMs() / 1000.0;
    return transport.request("public/set_heartbeat",
      new JsonObject().put("interval", seconds == Math.rint(seconds) ? (Object) (long) seconds : seconds));
  }

  /** Any inbound frame: the transport is alive. */
  public void frame(long receivedNanos) {
    lastFrameNanos = receivedNanos;
  }

  /** A {@code heartbeat} notification: a {@code test_request} is answered at once. */
  public void heartbeat(JsonObject params, long receivedNanos) {
    if ("test_request".equals(params.getValue("type")) && options.isAnswerTestRequests()) {
      transport.request("public/test", new JsonObject()).onSuccess(r -> { });
      metrics.heartbeatReply.record(System.nanoTime() - receivedNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Starts the staleness deadline of each channel the exchange accepted on this connection. */
  public void watch(Collection<String> channels) {
    long now = System.nanoTime();
    for (String channel : channels) {
      lastDataNanos.put(channel, now);
      armChannelDeadline(channel, connection);
    }
  }

  /** A message of {@code channel} that reached the consumer: the channel is alive. */
  public void channelData(String channel, long receivedNanos) {
    lastDataNanos.put(channel, receivedNanos);
    staleCounts.remove(channel);
  }

  /** The connection is gone: cancels every deadline. */
  public void closed() {
    connection = -1;
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    channelTimers.values().forEach(vertx::cancelTimer);
    channelTimers.clear();
    lastDataNanos.clear();
  }

  /** One timer per connection; a frame only moves lastFrameNanos, the timer re-arms itself for the rest. */
  private void armStallDeadline(long conn) {
    long windowNanos = TimeUnit.MILLISECONDS.toNanos(options.getHeartbeatIntervalMs() * options.getStallFactor());
    long dueInMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(lastFrameNanos + windowNanos - System.nanoTime()));
    stallTimer = vertx.setTimer(dueInMs, t -> {
      if (conn != connection) {
        return;
      }
      long silentNanos = System.nanoTime() - lastFrameNanos;
      if (silentNanos >= windowNanos) {
        metrics.transportStalls.increment();
        LOG.warn("event=feed.stall feed={} silentMs={}", options.getName(), TimeUnit.NANOSECONDS.toMillis(silentNanos));
        transport.abort(conn, "transport stalled");
      } else {
        armStallDeadline(conn);
      }
    });
  }

  private void armChannelDeadline(String channel, long conn) {
    long staleMs = options.getChannelStaleMs();
    if (staleMs <= 0) {
      return;
    }
    long staleNanos = TimeUnit.MILLISECONDS.toNanos(staleMs);
    long dueInMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(lastDataNanos.get(channel) + staleNanos - System.nanoTime()));
    channelTimers.put(channel, vertx.setTimer(dueInMs, t -> {
      if (conn != connection) {
        return;
      }
      if (System.nanoTime() - lastDataNanos.get(channel) >= staleNanos) {
        int count = staleCounts.merge(channel, 1, Integer::sum);
        metrics.channelStalls.increment();
        LOG.warn("event=feed.channel_stale feed={} channel={} count={}", options.getName(), channel, count);
        if (count > options.getStaleResubscribeLimit()) {
          staleCounts.clear();
          transport.abort(conn, "channel " + channel + " stale " + count + " times");
          return;
        }
        // The next stale period starts now: a resubscribe gets a full window to bring data back.
        lastDataNanos.put(channel, System.nanoTime());
        resubscribe.accept(channel);
      }
      armChannelDeadline(channel, conn);
    }));
  }
}
