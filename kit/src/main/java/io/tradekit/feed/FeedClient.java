package io.tradekit.feed;

import io.tradekit.feed.impl.DeliveryQueue;
import io.tradekit.feed.impl.FeedMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Non-blocking Deribit JSON-RPC v2 WebSocket consumer with event-driven liveness.
 *
 * <p>On every connect: {@code public/set_heartbeat}, then ONE {@code public/subscribe} with all
 * channels (rejected channels are reported, not retried). {@code test_request} is answered at once
 * on the event loop. Every inbound frame re-arms a transport deadline of stallFactor × heartbeat
 * interval; when it passes, the socket is closed without waiting for a handshake and the client
 * reconnects with capped exponential backoff and full jitter (after error 10028: the cool-down
 * first). Per-channel data staleness (heartbeats do not count) resubscribes the channel, and
 * reconnects when it repeats. Book channels are checked for change-id continuity; a gap drops the
 * book's messages until a fresh snapshot arrives after a resubscribe. Messages go to the consumer
 * through a bounded {@link DeliveryQueue}; the socket is never paused.
 *
 * <p>Created and used on one Vert.x context: {@link #start()} binds the client to the caller's
 * context and every callback runs there. Owned by a service (the receiver), which calls
 * {@link #stop()} from its own {@code stop()}.
 */
public final class FeedClient {

  private static final Logger LOG = LoggerFactory.getLogger(FeedClient.class);

  private final Vertx vertx;
  private final FeedOptions options;
  private final Map<Long, Promise<Object>> pending = new HashMap<>();
  private final Map<String, Long> lastMessageNanos = new HashMap<>();
  private final Map<String, Integer> staleCounts = new HashMap<>();
  private final Map<String, Long> channelTimers = new HashMap<>();
  private final Map<String, OrderBook> books = new HashMap<>();
  private final Set<String> rejected = new TreeSet<>();
  private Context context;
  private WebSocketClient client;
  private DeliveryQueue queue;
  private FeedMetrics metrics;
  private WebSocket ws;
  private int generation;
  private long nextId = 1;
  private boolean connected;
  private boolean stopped = true;
  private boolean rateLimited;
  private long lastFrameNanos;
  private long connectedAtNanos;
  private long stallTimer = -1;
  private long reconnectTimer = -1;
  private int attempt;
  private Function<List<FeedMessage>, Future<Void>> consumer = batch -> Future.succeededFuture();
  private io.vertx.core.Handler<Boolean> connectionHandler = up -> { };

  public FeedClient(Vertx vertx, FeedOptions options) {
    this.vertx = vertx;
    this.options = options;
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
  public FeedClient connectionHandler(io.vertx.core.Handler<Boolean> handler) {
    this.connectionHandler = handler;
    return this;
  }

  /** Starts connecting in the background; completes at once (readiness reflects the connection). */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    // closingTimeout 0: after our close frame is written, close TCP at once instead of waiting up to
    // 10 s for the peer's reply (a stalled exchange never sends one; the socket would linger).
    client = vertx.createWebSocketClient(new WebSocketClientOptions().setClosingTimeout(0).setMaxMessageSize(options.getMaxMessageBytes())
      .setMaxFrameSize(Math.min(options.getMaxMessageBytes(), 1024 * 1024)).setConnectTimeout((int) options.getConnectTimeoutMs()));
    queue = new DeliveryQueue(context, options.getQueueCapacity(), options.getOverflowPolicy(), options.getDeliveryBatchMax(),
      () -> metrics.drops.increment());
    queue.consumer(consumer);
    metrics = new FeedMetrics(options.getName(), () -> connected, () -> queue.size());
    stopped = false;
    connect();
    return Future.succeededFuture();
  }

  private void connect() {
    if (stopped) {
      return;
    }
    int gen = ++generation;
    client.connect(new WebSocketConnectOptions().setAbsoluteURI(options.getUrl()).setTimeout(options.getConnectTimeoutMs()))
      .onComplete(ar -> {
        if (ar.failed()) {
          if (gen == generation) {
            scheduleReconnect("connect failed: " + ar.cause().getMessage());
          }
        } else if (stopped || gen != generation) {
          ar.result().close((short) 1000);
        } else {
          onOpen(ar.result(), gen);
        }
      });
  }

  private void onOpen(WebSocket socket, int gen) {
    ws = socket;
    connectedAtNanos = System.nanoTime();
    lastFrameNanos = connectedAtNanos;
    books.clear(); // a new connection never continues an old book: wait for its snapshot
    socket.textMessageHandler(text -> onText(gen, text));
    socket.binaryMessageHandler(b -> {
      touch(gen);
      metrics.malformed.increment();
    });
    socket.pongHandler(b -> touch(gen));
    socket.closeHandler(v -> onClosed(gen, "closed by peer (code " + socket.closeStatusCode() + ")"));
    socket.exceptionHandler(err -> LOG.debug("feed {} socket error: {}", options.getName(), err.toString()));
    armStallDeadline(gen);
    double seconds = options.getHeartbeatIntervalMs() / 1000.0;
    request("public/set_heartbeat", new JsonObject().put("interval", seconds == Math.rint(seconds) ? (Object) (long) seconds : seconds))
      .compose(ok -> request("public/subscribe", new JsonObject().put("channels", new JsonArray(options.getChannels()))))
      .onComplete(ar -> {
        if (gen != generation) {
          return;
        }
        if (ar.failed()) {
          reconnectNow(gen, "handshake failed: " + ar.cause().getMessage());
          return;
        }
        onSubscribed(ar.result() instanceof JsonArray accepted ? accepted : new JsonArray());
      });
  }

  private void onSubscribed(JsonArray accepted) {
    Set<String> now = new TreeSet<>();
    for (String channel : options.getChannels()) {
      if (!accepted.contains(channel)) {
        now.add(channel);
      }
    }
    if (!now.equals(rejected) && !now.isEmpty()) {
      LOG.warn("event=feed.rejected feed={} channels={}", options.getName(), now);
    }
    metrics.rejected.increment(now.size() - Math.min(now.size(), rejected.size()));
    rejected.clear();
    rejected.addAll(now);
    connected = true;
    metrics.connects.increment();
    LOG.info("event=feed.connected feed={} url={} channels={} rejected={}", options.getName(), options.getUrl(),
      accepted.size(), rejected.size());
    long nowNanos = System.nanoTime();
    for (Object channel : accepted) {
      lastMessageNanos.put(channel.toString(), nowNanos);
      armChannelDeadline(channel.toString(), generation);
    }
    connectionHandler.handle(true);
  }

  /**
   * Sends a JSON-RPC request on the current connection.
   *
   * @return the {@code result}; fails on an error reply, after {@code requestTimeoutMs}, or with a
   *     {@link FeedClosedException} when the connection closes or the feed stops first
   */
  public Future<Object> request(String method, JsonObject params) {
    WebSocket socket = ws;
    if (socket == null || stopped) {
      return Future.failedFuture(new FeedClosedException(options.getName(), "not connected"));
    }
    long id = nextId++;
    Promise<Object> reply = Promise.promise();
    pending.put(id, reply);
    long timer = vertx.setTimer(options.getRequestTimeoutMs(), t -> {
      Promise<Object> p = pending.remove(id);
      if (p != null) {
        p.tryFail(new FeedClosedException(options.getName(), method + " got no reply within " + options.getRequestTimeoutMs() + " ms"));
      }
    });
    socket.writeTextMessage(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params).encode());
    return reply.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private void onText(int gen, String text) {
    if (gen != generation) {
      return;
    }
    long receivedNanos = touch(gen);
    Object decoded;
    try {
      decoded = ExactJson.decode(text);
    } catch (IllegalArgumentException malformed) {
      metrics.malformed.increment();
      return;
    }
    if (!(decoded instanceof JsonObject frame)) {
      metrics.malformed.increment();
      return;
    }
    Object id = frame.getValue("id");
    JsonObject error = frame.getValue("error") instanceof JsonObject e ? e : null;
    if (error != null && Long.valueOf(10028).equals(error.getValue("code"))) {
      rateLimited = true;
    }
    if (id instanceof Long requestId && (frame.containsKey("result") || error != null)) {
      Promise<Object> reply = pending.remove(requestId);
      if (reply != null) {
        if (error != null) {
          reply.tryFail(new IllegalStateException("error " + error.getValue("code") + ": " + error.getValue("message")));
        } else {
          reply.tryComplete(frame.getValue("result"));
        }
      }
      return;
    }
    if (error != null) {
      metrics.unsolicitedErrors.increment();
      LOG.warn("feed {} unsolicited error {}", options.getName(), error.encode());
      return;
    }
    String method = frame.getString("method", "");
    JsonObject params = frame.getValue("params") instanceof JsonObject p ? p : null;
    if (method.equals("heartbeat") && params != null) {
      if ("test_request".equals(params.getValue("type")) && options.isAnswerTestRequests()) {
        request("public/test", new JsonObject()).onSuccess(r -> { });
        metrics.heartbeatReply.record(System.nanoTime() - receivedNanos, TimeUnit.NANOSECONDS);
      }
    } else if (method.equals("subscription") && params != null && params.getValue("channel") instanceof String channel
      && params.containsKey("data")) {
      onNotification(channel, params.getValue("data"), receivedNanos);
    } else {
      metrics.malformed.increment();
    }
  }

  private void onNotification(String channel, Object data, long receivedNanos) {
    lastMessageNanos.put(channel, receivedNanos);
    staleCounts.remove(channel);
    String kind = channel.substring(0, Math.max(0, channel.indexOf('.')));
    if (kind.equals("book") && !bookContinuous(channel, data)) {
      return;
    }
    metrics.message(channel);
    queue.offer(new FeedMessage(channel, kind, data, receivedNanos));
  }

  /** Applies the message to the channel's book; on a gap, drops the book's messages until a fresh snapshot. */
  private boolean bookContinuous(String channel, Object data) {
    if (!(data instanceof JsonObject message)) {
      metrics.malformed.increment();
      return false;
    }
    try {
      if ("snapshot".equals(message.getValue("type"))) {
        books.computeIfAbsent(channel, OrderBook::new).applySnapshot(message);
        return true;
      }
      OrderBook book = books.get(channel);
      if (book == null || !book.isValid()) {
        return false; // still waiting for the snapshot after a gap or a reconnect
      }
      long last = book.changeId();
      if (!book.applyChange(message)) {
        metrics.gaps.increment();
        LOG.warn("event=feed.book_gap feed={} channel={} expected={} got={}", options.getName(), channel, last,
          message.getValue("prev_change_id"));
        resubscribe(channel);
        return false;
      }
      return true;
    } catch (RuntimeException unexpectedShape) {
      metrics.malformed.increment();
      OrderBook book = books.get(channel);
      if (book != null) {
        book.invalidate();
        resubscribe(channel);
      }
      return false;
    }
  }

  /** @return the channel's book (read it on the feed's context), empty before its first snapshot */
  public java.util.Optional<OrderBook> book(String channel) {
    return java.util.Optional.ofNullable(books.get(channel));
  }

  private void resubscribe(String channel) {
    JsonObject params = new JsonObject().put("channels", new JsonArray().add(channel));
    request("public/unsubscribe", params).compose(v -> request("public/subscribe", params))
      .onFailure(err -> LOG.warn("feed {} resubscribe of {} failed: {}", options.getName(), channel, err.getMessage()));
  }

  private long touch(int gen) {
    long now = System.nanoTime();
    if (gen == generation) {
      lastFrameNanos = now;
    }
    return now;
  }

  /** One timer per connection; a frame only moves lastFrameNanos, the timer re-arms itself for the rest. */
  private void armStallDeadline(int gen) {
    long windowNanos = TimeUnit.MILLISECONDS.toNanos(options.getHeartbeatIntervalMs() * options.getStallFactor());
    long dueInMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(lastFrameNanos + windowNanos - System.nanoTime()));
    stallTimer = vertx.setTimer(dueInMs, t -> {
      if (gen != generation || stopped) {
        return;
      }
      if (System.nanoTime() - lastFrameNanos >= windowNanos) {
        metrics.transportStalls.increment();
        LOG.warn("event=feed.stall feed={} silentMs={}", options.getName(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastFrameNanos));
        reconnectNow(gen, "transport stalled");
      } else {
        armStallDeadline(gen);
      }
    });
  }

  private void armChannelDeadline(String channel, int gen) {
    long staleMs = options.getChannelStaleMs();
    if (staleMs <= 0) {
      return;
    }
    long staleNanos = TimeUnit.MILLISECONDS.toNanos(staleMs);
    long dueInMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(lastMessageNanos.get(channel) + staleNanos - System.nanoTime()));
    channelTimers.put(channel, vertx.setTimer(dueInMs, t -> {
      if (gen != generation || stopped) {
        return;
      }
      if (System.nanoTime() - lastMessageNanos.get(channel) >= staleNanos) {
        int count = staleCounts.merge(channel, 1, Integer::sum);
        metrics.channelStalls.increment();
        LOG.warn("event=feed.channel_stale feed={} channel={} count={}", options.getName(), channel, count);
        if (count > options.getStaleResubscribeLimit()) {
          staleCounts.clear();
          reconnectNow(gen, "channel " + channel + " stale " + count + " times");
          return;
        }
        lastMessageNanos.put(channel, System.nanoTime());
        resubscribe(channel);
      }
      armChannelDeadline(channel, gen);
    }));
  }

  private void reconnectNow(int gen, String reason) {
    if (gen != generation) {
      return;
    }
    WebSocket socket = ws;
    onClosed(gen, reason);
    if (socket != null) {
      // No close handshake: a stalled peer would never answer it.
      socket.close((short) 1001, reason);
    }
  }

  private void onClosed(int gen, String reason) {
    if (gen != generation) {
      return;
    }
    generation++; // late events of this connection are ignored from here on
    boolean wasConnected = connected;
    connected = false;
    ws = null;
    cancelTimers();
    failPending(reason);
    if (wasConnected) {
      connectionHandler.handle(false);
    }
    if (!stopped) {
      LOG.warn("event=feed.disconnected feed={} reason=\"{}\" wasConnected={}", options.getName(), reason, wasConnected);
      scheduleReconnect(reason);
    }
  }

  private void scheduleReconnect(String reason) {
    if (stopped) {
      return;
    }
    if (connectedAtNanos != 0 && System.nanoTime() - connectedAtNanos >= TimeUnit.MILLISECONDS.toNanos(options.getReconnectResetAfterMs())) {
      attempt = 0;
    }
    attempt++;
    long cap = Math.min(options.getReconnectMaxMs(), options.getReconnectMinMs() << Math.min(20, attempt - 1));
    long delayMs = Math.max(1, ThreadLocalRandom.current().nextLong(cap + 1)); // full jitter
    if (rateLimited) {
      delayMs = Math.max(delayMs, options.getRateLimitCooldownMs());
      rateLimited = false;
    }
    metrics.reconnects.increment();
    LOG.info("event=feed.reconnecting feed={} attempt={} delayMs={} reason=\"{}\"", options.getName(), attempt, delayMs, reason);
    reconnectTimer = vertx.setTimer(delayMs, t -> {
      reconnectTimer = -1;
      connect();
    });
  }

  private void cancelTimers() {
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
    channelTimers.values().forEach(vertx::cancelTimer);
    channelTimers.clear();
  }

  private void failPending(String reason) {
    Map<Long, Promise<Object>> copy = new HashMap<>(pending);
    pending.clear();
    copy.values().forEach(p -> p.tryFail(new FeedClosedException(options.getName(), reason)));
  }

  /** Closes with code 1000, fails pending requests, and never reconnects. Idempotent. */
  public Future<Void> stop() {
    if (stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
      reconnectTimer = -1;
    }
    WebSocket socket = ws;
    generation++;
    connected = false;
    ws = null;
    cancelTimers();
    failPending("feed stopped");
    LOG.info("event=feed.stopped feed={}", options.getName());
    Future<Void> closed = socket == null ? Future.succeededFuture()
      : socket.close((short) 1000, "client stop").timeout(2, TimeUnit.SECONDS).otherwiseEmpty();
    return closed.compose(v -> client.close().otherwiseEmpty());
  }

  /** @return completes when every message received so far has been handed to the consumer and processed */
  public Future<Void> drain() {
    return queue == null ? Future.succeededFuture() : queue.drain();
  }

  public boolean isConnected() {
    return connected;
  }

  /** @return channels the exchange did not accept on the last subscribe */
  public Set<String> rejectedChannels() {
    return Set.copyOf(rejected);
  }

  /** @return connection state for health output */
  public JsonObject status() {
    return new JsonObject().put("feed", options.getName()).put("url", options.getUrl()).put("connected", connected)
      .put("queueDepth", queue == null ? 0 : queue.size()).put("rejected", new JsonArray(List.copyOf(rejected)))
      .put("invalidBooks", new JsonArray(books.values().stream().filter(b -> !b.isValid()).map(OrderBook::channel).sorted().toList()));
  }
}
