package io.tradekit.feed;

import io.tradekit.resilience.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A reconnecting Deribit-style JSON-RPC 2.0 client over one WebSocket at a time: connect, frame
 * decode and dispatch, request/reply by id with a timeout per request, reconnect with the kit's
 * {@link Backoff}, close. It knows nothing about subscriptions or heartbeats: its owner (the
 * {@link FeedClient}, or an authenticated private-API session) runs its own handshake in
 * {@link Listener#opened(long)} and calls {@link #established(long)} when the connection is usable.
 *
 * <p>Reconnects: every lost or abandoned connection, and every failed connect, schedules the next
 * attempt after {@code reconnect.nextDelayMs()}; {@link #established(long)} records a success, so
 * the backoff starts over only after a connection that lasted {@code resetAfterMs} and otherwise
 * keeps growing. After error 10028 (too_many_requests, which also ends the session) the next
 * attempt waits at least {@code rateLimitCooldownMs}.
 *
 * <p>Threading: {@link #start(Listener)} binds the transport to the caller's Vert.x context; every
 * listener callback runs there and every method must be called there. Connections are numbered: a
 * callback or timer of an old connection passes its number, and calls naming a connection that is
 * no longer current are ignored, so late events never touch a newer connection.
 */
public final class JsonRpcTransport {

  private static final Logger LOG = LoggerFactory.getLogger(JsonRpcTransport.class);
  private static final long RATE_LIMITED = 10028;

  /**
   * What a transport needs to know.
   *
   * @param kind the log prefix and tag key, e.g. {@code feed} ({@code event=feed.reconnecting feed=<name>})
   * @param name the instance name in logs and errors, e.g. {@code deribit}
   * @param url a {@code ws://} or {@code wss://} URL
   * @param connectTimeoutMs bound on the WebSocket connect and upgrade
   * @param requestTimeoutMs bound on each request's reply
   * @param maxMessageBytes the largest inbound message accepted
   * @param reconnect the reconnect policy
   * @param rateLimitCooldownMs the least wait before reconnecting after error 10028
   * @param clockMs the monotonic clock the reconnect backoff measures stable periods on (tests may pass a virtual one)
   */
  public record Config(String kind, String name, String url, long connectTimeoutMs, long requestTimeoutMs, int maxMessageBytes,
      Backoff reconnect, long rateLimitCooldownMs, LongSupplier clockMs) {

    public Config {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(reconnect, "reconnect");
      Objects.requireNonNull(clockMs, "clockMs");
    }
  }

  /** The owner's side of a transport; every callback runs on the transport's context. */
  public interface Listener {

    /**
     * A socket is open (connection number {@code connection}): run the handshake with
     * {@link JsonRpcTransport#request}, then call {@link JsonRpcTransport#established(long)}, or
     * {@link JsonRpcTransport#abort(long, String)} when it failed.
     */
    void opened(long connection);

    /** Any inbound message arrived (text, binary or pong), before it is decoded. */
    default void frame(long receivedNanos) {
    }

    /**
     * A text message's UTF-8 bytes, before the generic decode: a hot path may decode it itself
     * (e.g. the feed's {@link TradeFrameDecoder}) and return true; false lets the transport decode
     * it with {@link ExactJson} and dispatch it. The array is the transport's scratch buffer: valid
     * only during the call.
     *
     * @throws IllegalArgumentException when the bytes are not JSON (counted as {@link #malformed()})
     */
    default boolean rawText(byte[] bytes, int offset, int length, long receivedNanos) {
      return false;
    }

    /** A frame with a {@code method} and no reply id; {@code params} is null when not an object. */
    default void notification(String method, JsonObject params, long receivedNanos) {
    }

    /**
     * The current connection is gone; its pending requests fail right after this returns (so the
     * owner has already dropped its per-connection state when their callbacks run). A reconnect
     * follows unless stopped.
     */
    default void closed(String reason, boolean wasEstablished) {
    }

    /** A frame that is not JSON, not an object, or binary. */
    default void malformed() {
    }

    /** An error frame that answers no pending request. */
    default void unsolicitedError(JsonObject error) {
    }

    /** The next connect is scheduled: {@code attempt} consecutive failures so far, after {@code delayMs}. */
    default void reconnecting(int attempt, long delayMs, String reason) {
    }
  }

  private final Vertx vertx;
  private final Config config;
  private final Map<Long, Promise<Object>> pending = new HashMap<>();
  private final Backoff.Sequence backoff;
  private Listener listener;
  private WebSocketClient client;
  private WebSocket ws;
  private long connection;
  private long nextId = 1;
  private boolean established;
  private boolean stopped = true;
  private boolean rateLimited;
  private long reconnectTimer = -1;
  /** The text message being assembled from fragments (rare: the exchange sends whole frames). */
  private Buffer assembling;
  private boolean assemblingText;
  private boolean oversized;
  /** Each text message is copied here once for the parser (the public Buffer API has no backing array). */
  private byte[] scratch = new byte[64 * 1024];

  public JsonRpcTransport(Vertx vertx, Config config) {
    this.vertx = vertx;
    this.config = config;
    this.backoff = config.reconnect().newSequence(config.clockMs(), () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Starts connecting in the background on the caller's context; completes at once. */
  public Future<Void> start(Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    int maxBytes = config.maxMessageBytes();
    // closingTimeout 0: after our close frame is written, close TCP at once instead of waiting up to
    // 10 s for the peer's reply (a stalled exchange never sends one; the socket would linger).
    client = vertx.createWebSocketClient(new WebSocketClientOptions().setClosingTimeout(0).setMaxMessageSize(maxBytes)
      .setMaxFrameSize(Math.min(maxBytes, 1024 * 1024)).setConnectTimeout((int) config.connectTimeoutMs()));
    stopped = false;
    connect();
    return Future.succeededFuture();
  }

  private void connect() {
    if (stopped) {
      return;
    }
    long conn = ++connection;
    client.connect(new WebSocketConnectOptions().setAbsoluteURI(config.url()).setTimeout(config.connectTimeoutMs()))
      .onComplete(ar -> {
        if (ar.failed()) {
          if (conn == connection && !stopped) {
            scheduleReconnect("connect failed: " + ar.cause().getMessage());
          }
        } else if (stopped || conn != connection) {
          ar.result().close((short) 1000);
        } else {
          onOpen(ar.result(), conn);
        }
      });
  }

  private void onOpen(WebSocket socket, long conn) {
    ws = socket;
    assembling = null;
    oversized = false;
    // Frames, not textMessageHandler: the message aggregator would decode every text message into a
    // String (a UTF-8 decode and a copy of each 25 KB trades frame); here the bytes go straight to
    // the parser. Fragmented messages are assembled below, bounded by maxMessageBytes.
    socket.frameHandler(frame -> onFrame(conn, frame));
    socket.pongHandler(b -> {
      if (conn == connection) {
        listener.frame(System.nanoTime());
      }
    });
    socket.closeHandler(v -> onClosed(conn, "closed by peer (code " + socket.closeStatusCode() + ")"));
    socket.exceptionHandler(err -> LOG.debug("{} {} socket error: {}", config.kind(), config.name(), err.toString()));
    listener.opened(conn);
  }

  private void onFrame(long conn, WebSocketFrame frame) {
    if (conn != connection) {
      return;
    }
    boolean first = frame.isText() || frame.isBinary();
    if (!first && !frame.isContinuation()) {
      return; // ping, pong (pongHandler), close (closeHandler)
    }
    if (first) {
      assemblingText = frame.isText();
      oversized = false;
      if (frame.isFinal()) {
        assembling = null;
        onMessage(frame.binaryData());
        return;
      }
      assembling = Buffer.buffer(Math.min(config.maxMessageBytes(), 64 * 1024));
    } else if (assembling == null && !oversized) {
      return; // a continuation of nothing
    }
    Buffer part = frame.binaryData();
    if (!oversized && assembling.length() + part.length() > config.maxMessageBytes()) {
      oversized = true; // dropped whole; counted as malformed when its last fragment arrives
      assembling = null;
    }
    if (!oversized) {
      assembling.appendBuffer(part);
    }
    if (frame.isFinal()) {
      Buffer message = assembling;
      assembling = null;
      if (oversized) {
        oversized = false;
        listener.frame(System.nanoTime());
        listener.malformed();
      } else {
        onMessage(message);
      }
    }
  }

  /** A whole text or binary message of the current connection. */
  private void onMessage(Buffer data) {
    long receivedNanos = System.nanoTime();
    listener.frame(receivedNanos);
    if (!assemblingText) {
      listener.malformed();
      return;
    }
    int length = data.length();
    if (scratch.length < length) {
      scratch = new byte[Math.max(length, Math.min(config.maxMessageBytes(), scratch.length * 2))];
    }
    data.getBytes(0, length, scratch, 0);
    Object decoded;
    try {
      if (listener.rawText(scratch, 0, length, receivedNanos)) {
        return;
      }
      decoded = ExactJson.decode(scratch, 0, length);
    } catch (IllegalArgumentException notJson) {
      listener.malformed();
      return;
    }
    if (!(decoded instanceof JsonObject frame)) {
      listener.malformed();
      return;
    }
    JsonObject error = frame.getValue("error") instanceof JsonObject e ? e : null;
    if (error != null && Long.valueOf(RATE_LIMITED).equals(error.getValue("code"))) {
      rateLimited = true;
    }
    if (frame.getValue("id") instanceof Long requestId && (frame.containsKey("result") || error != null)) {
      Promise<Object> reply = pending.remove(requestId);
      if (reply != null) {
        if (error != null) {
          reply.tryFail(new JsonRpcErrorException(error));
        } else {
          reply.tryComplete(frame.getValue("result"));
        }
      }
      return;
    }
    if (error != null) {
      listener.unsolicitedError(error);
      return;
    }
    if (frame.getValue("method") instanceof String method) {
      listener.notification(method, frame.getValue("params") instanceof JsonObject p ? p : null, receivedNanos);
    } else {
      listener.malformed();
    }
  }

  /**
   * Sends a JSON-RPC request on the current connection.
   *
   * @return the {@code result}; fails with a {@link JsonRpcErrorException} on an error reply, after {@code requestTimeoutMs}, or with a
   *     {@link FeedClosedException} when the connection closes or the transport stops first
   */
  public Future<Object> request(String method, JsonObject params) {
    WebSocket socket = ws;
    if (socket == null || stopped) {
      return Future.failedFuture(new FeedClosedException(config.name(), "not connected"));
    }
    long id = nextId++;
    Promise<Object> reply = Promise.promise();
    pending.put(id, reply);
    long timeoutMs = config.requestTimeoutMs();
    long timer = vertx.setTimer(timeoutMs, t -> {
      Promise<Object> p = pending.remove(id);
      if (p != null) {
        p.tryFail(new FeedClosedException(config.name(), method + " got no reply within " + timeoutMs + " ms"));
      }
    });
    socket.writeTextMessage(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params).encode());
    return reply.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  /** The handshake of {@code conn} succeeded: the connection counts as a success for the reconnect backoff. */
  public void established(long conn) {
    if (conn == connection && ws != null && !stopped) {
      established = true;
      backoff.succeeded();
    }
  }

  /**
   * Abandons connection {@code conn} (a stall, a failed handshake): closes it without waiting for a
   * close handshake (a stalled peer never answers one) and schedules a reconnect. Ignored when
   * {@code conn} is no longer the current connection.
   */
  public void abort(long conn, String reason) {
    if (conn != connection || ws == null) {
      return;
    }
    WebSocket socket = ws;
    onClosed(conn, reason);
    socket.close((short) 1001, reason);
  }

  private void onClosed(long conn, String reason) {
    if (conn != connection || ws == null) {
      return;
    }
    connection++; // late events of this connection are ignored from here on
    boolean wasEstablished = established;
    established = false;
    ws = null;
    listener.closed(reason, wasEstablished);
    failPending(reason);
    if (!stopped) {
      LOG.warn("event={}.disconnected {}={} reason=\"{}\" wasConnected={}", config.kind(), config.kind(), config.name(), reason,
        wasEstablished);
      scheduleReconnect(reason);
    }
  }

  private void scheduleReconnect(String reason) {
    long delayMs = backoff.nextDelayMs();
    if (rateLimited) {
      delayMs = Math.max(delayMs, config.rateLimitCooldownMs());
      rateLimited = false;
    }
    listener.reconnecting(backoff.attempt(), delayMs, reason);
    LOG.info("event={}.reconnecting {}={} attempt={} delayMs={} reason=\"{}\"", config.kind(), config.kind(), config.name(),
      backoff.attempt(), delayMs, reason);
    reconnectTimer = vertx.setTimer(delayMs, t -> {
      reconnectTimer = -1;
      connect();
    });
  }

  private void failPending(String reason) {
    List<Promise<Object>> copy = new ArrayList<>(pending.values());
    pending.clear();
    copy.forEach(p -> p.tryFail(new FeedClosedException(config.name(), reason)));
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
    if (socket != null) {
      onClosed(connection, config.kind() + " stopped");
    }
    Future<Void> closed = socket == null ? Future.succeededFuture()
      : socket.close((short) 1000, "client stop").timeout(2, TimeUnit.SECONDS).otherwiseEmpty();
    return closed.compose(v -> client == null ? Future.succeededFuture() : client.close().otherwiseEmpty());
  }

  /** @return whether a socket is open (the handshake may still be running) */
  public boolean isOpen() {
    return ws != null;
  }

  /** @return the number of the current connection (or of the next one while none is open) */
  public long connection() {
    return connection;
  }

  public Config config() {
    return config;
  }
}
