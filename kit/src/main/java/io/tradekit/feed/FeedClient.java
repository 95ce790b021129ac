package io.tradekit.feed;

import io.tradekit.feed.impl.DeliveryQueue;
import io.tradekit.feed.impl.FeedMetrics;
import io.tradekit.feed.impl.Liveness;
import io.tradekit.feed.impl.Subscriptions;
import io.tradekit.resilience.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Non-blocking Deribit JSON-RPC v2 WebSocket consumer with event-driven liveness: three parts
 * wired together here.
 * <ul>
 *   <li>{@link JsonRpcTransport}: connect, decode and dispatch frames, requests by id with
 *   timeouts, reconnect with the kit's {@link Backoff} ({@code reconnectMinMs},
 *   {@code reconnectMaxMs}, full jitter, reset only after a connection lasted
 *   {@code reconnectResetAfterMs}; after error 10028 at least {@code rateLimitCooldownMs}).</li>
 *   <li>{@link Liveness}: {@code set_heartbeat}, {@code test_request} answered at once, the
 *   transport stall deadline (stallFactor × heartbeat interval, re-armed by every frame) and
 *   per-channel staleness.</li>
 *   <li>{@link Subscriptions}: ONE subscribe of every channel after each connect (rejected
 *   channels reported, not retried), order books, and resubscribes; a book's resubscribe is
 *   retried with the same backoff policy until a fresh snapshot makes it valid.</li>
 * </ul>
 * A connection counts as a success for the backoff once it is subscribed. Messages go to the
 * consumer through a bounded {@link DeliveryQueue}; the socket is never paused.
 *
 * <p>Threading: {@link #start()} binds the client to the caller's Vert.x context and every
 * callback runs there. {@link #status()}, {@link #book(String)}, {@link #request} and
 * {@link #rejectedChannels()} read state confined to that context: call them there (a readiness
 * procedure runs on the owning service's context, which is the feed's). {@link #isConnected()}
 * and the metrics are safe from any thread. Owned by a service (the receiver), which calls
 * {@link #stop()} from its own {@code stop()}.
 */
public final class FeedClient {

  private static final Logger LOG = LoggerFactory.getLogger(FeedClient.class);

  private final Vertx vertx;
  private final FeedOptions options;
  private final FeedMetrics metrics;
  private final JsonRpcTransport transport;
  private final Liveness liveness;
  private final Subscriptions subscriptions;
  /** Confined to the transport's context, like every listener callback. */
  private final TradeFrameDecoder tradeDecoder = new TradeFrameDecoder();
  private DeliveryQueue queue;
  private volatile boolean connected;
  private boolean stopped = true;
  private Function<List<FeedMessage>, Future<Void>> consumer = batch -> Future.succeededFuture();
  private Handler<Boolean> connectionHandler = up -> { };
  private MemoryBudget budget;
  private java.util.function.Consumer<FeedMessage> onShed = message -> { };

  public FeedClient(Vertx vertx, FeedOptions options) {
    this(vertx, options, Backoff::monotonicMs);
  }

  /**
   * @param clockMs the monotonic clock in milliseconds that the reconnect backoff measures a
   *     connection's stable period on (see {@link FeedOptions#getReconnectResetAfterMs()}); tests
   *     may pass a virtual one
   */
  public FeedClient(Vertx vertx, FeedOptions options, LongSupplier clockMs) {
    this.vertx = vertx;
    this.options = options;
    Backoff policy = Backoff.fullJitter(options.getReconnectMinMs(), options.getReconnectMaxMs(), options.getReconnectResetAfterMs());
    this.transport = new JsonRpcTransport(vertx, new JsonRpcTransport.Config("feed", options.getName(), options.getUrl(),
      options.getConnectTimeoutMs(), options.getRequestTimeoutMs(), options.getMaxMessageBytes(), policy,
      options.getRateLimitCooldownMs(), clockMs));
    // The gauges read fields, not the parts, so they can be registered before the parts exist.
    this.metrics = new FeedMetrics(io.tradekit.health.KitMetrics.of(vertx), options.getName(), () -> connected, () -> queue == null ? 0 : queue.size(), () -> invalidBooks());
    this.subscriptions = new Subscriptions(vertx, options, metrics, transport, policy, message -> queue.offer(message),
      this::channelData);
    this.liveness = new Liveness(vertx, options, metrics, transport, subscriptions::resubscribe);
  }

  /** A message reached the consumer: liveness counts it as channel data (dropped book changes never get here). */
  private void channelData(String channel, long receivedNanos) {
    liveness.channelData(channel, receivedNanos);
  }

  private int invalidBooks() {
    Subscriptions parts = subscriptions;
    return parts == null ? 0 : parts.invalidBookCount();
  }

  /** Sets the consumer; it gets the next batch only when the previous one's future completed. */
  public FeedClient handler(Function<List<FeedMessage>, Future<Void>> consumer) {
    this.consumer = consumer;
    if (queue != null) {
      queue.consumer(consumer);
    }
    return this;
  }

  /** Called with true once subscribed after each connect, and false on every disconnect. */
  public FeedClient connectionHandler(Handler<Boolean> handler) {
    this.connectionHandler = handler;
    return this;
  }

  /**
   * Bounds the delivery queue by {@code budget} too (call before {@link #start()}): a message whose
   * estimate does not fit is shed and given to {@code onShed}, as is one dropped by the
   * {@code queueCapacity} bound. The consumer then owns each delivered message's reservation
   * ({@link MemoryBudget#estimateBytes}) and must release it.
   */
  public FeedClient budget(MemoryBudget budget, java.util.function.Consumer<FeedMessage> onShed) {
    this.budget = budget;
    this.onShed = onShed;
    return this;
  }

  /** Starts connecting in the background; completes at once (readiness reflects the connection). */
  public Future<Void> start() {
    queue = new DeliveryQueue(vertx.getOrCreateContext(), options.getQueueCapacity(), options.getOverflowPolicy(),
      options.getDeliveryBatchMax(), budget, message -> {
        metrics.drops.increment();
        onShed.accept(message);
      });
    queue.consumer(consumer);
    stopped = false;
    return transport.start(new Events());
  }

  /** The transport's events, routed to the parts. */
  private final class Events implements JsonRpcTransport.Listener {

    @Override
    public void opened(long conn) {
      liveness.opened(conn);
      liveness.requestHeartbeats().compose(ok -> subscriptions.subscribeAll()).onComplete(ar -> {
        if (conn != transport.connection()) {
          return;
        }
        if (ar.failed()) {
          transport.abort(conn, "handshake failed: " + ar.cause().getMessage());
          return;
        }
        List<String> accepted = ar.result();
        liveness.watch(accepted);
        transport.established(conn);
        connected = true;
        metrics.connects.increment();
        LOG.info("event=feed.connected feed={} url={} channels={} rejected={}", options.getName(), options.getUrl(),
          accepted.size(), subscriptions.rejected().size());
        connectionHandler.handle(true);
      });
    }

    @Override
    public void frame(long receivedNanos) {
      liveness.frame(receivedNanos);
    }

    /** The hot path: trades notifications are decoded from the frame's bytes; everything else goes the generic way. */
    @Override
    public boolean rawText(byte[] bytes, int offset, int length, long receivedNanos) {
      TradeFrameDecoder.TradesNotification trades = tradeDecoder.decode(bytes, offset, length);
      if (trades == null) {
        return false;
      }
      subscriptions.notification(trades.channel(), trades.trades(), receivedNanos);
      return true;
    }

    @Override
    public void notification(String method, JsonObject params, long receivedNanos) {
      if (params == null) {
        metrics.malformed.increment();
      } else if (method.equals("heartbeat")) {
        liveness.heartbeat(params, receivedNanos);
      } else if (method.equals("subscription") && params.getValue("channel") instanceof String channel && params.containsKey("data")) {
        subscriptions.notification(channel, params.getValue("data"), receivedNanos);
      } else {
        metrics.malformed.increment();
      }
    }

    @Override
    public void closed(String reason, boolean wasEstablished) {
      connected = false;
      liveness.closed();
      subscriptions.closed();
      if (wasEstablished) {
        connectionHandler.handle(false);
      }
    }

    @Override
    public void malformed() {
      metrics.malformed.increment();
    }

    @Override
    public void unsolicitedError(JsonObject error) {
      metrics.unsolicitedErrors.increment();
      LOG.warn("feed {} unsolicited error {}", options.getName(), error.encode());
    }

    @Override
    public void reconnecting(int attempt, long delayMs, String reason) {
      metrics.reconnects.increment();
    }
  }

  /**
   * Sends a JSON-RPC request on the current connection (call on the feed's context).
   *
   * @return the {@code result}; fails on an error reply, after {@code requestTimeoutMs}, or with a
   *     {@link FeedClosedException} when the connection closes or the feed stops first
   */
  public Future<Object> request(String method, JsonObject params) {
    return transport.request(method, params);
  }

  /** @return the channel's book, empty before its first snapshot; call on the feed's context */
  public Optional<OrderBook> book(String channel) {
    return subscriptions.book(channel);
  }

  /** Closes with code 1000, fails pending requests, and never reconnects. Idempotent. */
  public Future<Void> stop() {
    if (stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    LOG.info("event=feed.stopped feed={}", options.getName());
    return transport.stop();
  }

  /** @return completes when every message received so far has been handed to the consumer and processed */
  public Future<Void> drain() {
    return queue == null ? Future.succeededFuture() : queue.drain();
  }

  /** @return whether the feed is connected and subscribed; safe from any thread */
  public boolean isConnected() {
    return connected;
  }

  /** @return channels the exchange did not accept on the last subscribe; call on the feed's context */
  public Set<String> rejectedChannels() {
    return subscriptions.rejected();
  }

  /**
   * @return connection state for health output: connected, queue depth, rejected channels and
   *     {@code invalidBooks} (book channels waiting for a snapshot); call on the feed's context
   */
  public JsonObject status() {
    return new JsonObject().put("feed", options.getName()).put("url", options.getUrl()).put("connected", connected)
      .put("queueDepth", queue == null ? 0 : queue.size()).put("rejected", new JsonArray(List.copyOf(subscriptions.rejected())))
      .put("invalidBooks", new JsonArray(subscriptions.invalidBooks()));
  }
}
