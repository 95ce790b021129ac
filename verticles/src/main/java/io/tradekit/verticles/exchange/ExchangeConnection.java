package io.tradekit.verticles.exchange;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client WebSocket on {@code /ws/api/v2}: JSON-RPC dispatch, heartbeats, the subscription set
 * and the per-frame effect of active faults. {@code public/auth} and {@code private/*} go to the
 * {@link PrivateApi}; the connection's authentication lives in its {@link PrivateSession}.
 *
 * <p>Created by {@link SimulatedExchange} for each upgraded request; every handler runs on the
 * exchange's event-loop context, so the state needs no locking. The generator pushes
 * notifications through {@link #sendData}, which counts only what was actually written.
 */
final class ExchangeConnection extends RpcTransport {

  private static final Logger LOG = LoggerFactory.getLogger(ExchangeConnection.class);
  private static final String HEARTBEAT = "{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\",\"params\":{\"type\":\"heartbeat\"}}";
  /** Deribit's "retry" error: the request cannot be processed now. */
  private static final int RETRY = 10040;
  private static final String TEST_REQUEST = "{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\",\"params\":{\"type\":\"test_request\"}}";

  private final SimulatedExchange exchange;
  private final ServerWebSocket ws;
  private final ExchangeStats stats;
  private final FaultBoard faults;
  private final Map<String, Channel> subscriptions = new LinkedHashMap<>();
  /** Who authenticated this connection; a new connection is unauthenticated. */
  final PrivateSession session = new PrivateSession();
  private long heartbeatTimer = -1;
  private long heartbeatIntervalMs;
  private boolean awaitingTest;
  private boolean closed;
  private int garbageRound;

  ExchangeConnection(String id, SimulatedExchange exchange, ServerWebSocket ws) {
    super(id);
    this.exchange = exchange;
    this.ws = ws;
    this.stats = exchange.stats();
    this.faults = exchange.faults();
  }

  /** Installs the handlers and applies connect-time faults (drop, close). */
  void start() {
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> onBadFrame("binary frames are not supported, send JSON-RPC as text"));
    ws.exceptionHandler(e -> LOG.debug("event=exchange.connection.error id={} error={}", id, e.toString()));
    ws.closeHandler(v -> onClosed());
    if (faults.isActive(Fault.Type.DROP)) {
      drop();
    } else if (faults.isActive(Fault.Type.CLOSE)) {
      closeGoingAway();
    }
  }

  Collection<Channel> subscriptions() {
    return subscriptions.values();
  }

  /** @return the subscribed channel named {@code name}, or null */
  Channel subscription(String name) {
    return subscriptions.get(name);
  }

  boolean isClosed() {
    return closed;
  }

  /** @return whether data may be written now: open, not stalled, and the write queue has room */
  boolean writable() {
    if (closed || faults.isActive(Fault.Type.STALL)) {
      return false;
    }
    try {
      return !ws.writeQueueFull();
    } catch (IllegalStateException closedUnderUs) {
      // The peer closed and our close handler has not run yet: treat as closed, do not throw
      // from a generator timer (that would fail the whole exchange service).
      closed = true;
      return false;
    }
  }

  /** Closes the TCP connection without a WebSocket close frame, as a dead network would. */
  @Override
  void drop() {
    if (!closed) {
      closed = true;
      exchange.relay().drop(ws.remoteAddress());
    }
  }

  /** Closes with close frame 1001, as an exchange going down for maintenance does. */
  void closeGoingAway() {
    if (!closed) {
      closed = true;
      ws.close((short) 1001, "going away (simulated)");
    }
  }

  private void onClosed() {
    closed = true;
    if (heartbeatTimer >= 0) {
      exchange.vertx().cancelTimer(heartbeatTimer);
      heartbeatTimer = -1;
    }
    exchange.connectionClosed(this);
  }

  /**
   * Writes a notification of {@code channel} unless the connection cannot take it: closed,
   * stalled, channel silenced or write queue full (the caller counts a false as not sent).
   */
  boolean sendData(Channel channel, String frame) {
    if (!writable() || faults.isSilenced(channel.name)) {
      return false;
    }
    write(frame);
    return true;
  }

  /**
   * Writes a user notification unless the connection is closed, stalled or the channel silenced;
   * unlike market data it is written even when the write queue is full (nothing injected it).
   */
  boolean sendUser(Channel channel, String frame) {
    if (closed || faults.isActive(Fault.Type.STALL) || faults.isSilenced(channel.name)) {
      return false;
    }
    write(frame);
    return true;
  }

  private boolean sendControl(String frame) {
    if (closed || faults.isActive(Fault.Type.STALL)) {
      return false;
    }
    write(frame);
    return true;
  }

  private void write(String frame) {
    try {
      ws.writeTextMessage(frame).onFailure(e -> LOG.debug("event=exchange.write.failed id={} error={}", id, e.toString()));
    } catch (IllegalStateException closedUnderUs) {
      closed = true;
    }
  }

  /** Sends one malformed frame; the kind rotates so a client sees every sort of junk. */
  void sendGarbage() {
    if (closed || faults.isActive(Fault.Type.STALL)) {
      return;
    }
    String channel = subscriptions.isEmpty() ? "trades.UNKNOWN.100ms" : subscriptions.keySet().iterator().next();
    int kind = garbageRound++ % 5;
    if (kind == 4) {
      try {
        ws.writeBinaryMessage(Buffer.buffer(new byte[] {(byte) 0xde, (byte) 0xad, 0, (byte) 0xbe, (byte) 0xef}));
      } catch (IllegalStateException closedUnderUs) {
        closed = true;
        return;
      }
    } else {
      write(Garbage.frame(kind, channel));
    }
    stats.garbageFramesSent.incrementAndGet();
  }

  private void onText(String text) {
    long usIn = JsonRpc.micros();
    if (closed || faults.isActive(Fault.Type.STALL)) {
      // A stalled exchange is hung: requests vanish, exactly what a client's request timeout must catch.
      return;
    }
    stats.requests.incrementAndGet();
    Object parsed;
    try {
      parsed = Json.decodeValue(text);
    } catch (DecodeException e) {
      sendError(null, new RpcException(RpcException.PARSE_ERROR, "Parse error",
        new JsonObject().put("reason", "frame is not valid JSON: " + e.getMessage())), usIn);
      return;
    }
    if (!(parsed instanceof JsonObject)) {
      sendError(null, RpcException.invalidRequest("expected a JSON object, batch requests are not supported"), usIn);
      return;
    }
    JsonObject request = (JsonObject) parsed;
    Object id = request.getValue("id");
    Object method = request.getValue("method");
    if (!(method instanceof String)) {
      sendError(id, RpcException.invalidRequest("method: required, a string"), usIn);
      return;
    }
    if (faults.isActive(Fault.Type.RATELIMIT)) {
      rateLimitClose(id, usIn, "request rate limit exceeded (simulated); session terminated");
      return;
    }
    Object params = request.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      sendError(id, RpcException.invalidParams("params", "expected an object of named parameters"), usIn);
      return;
    }
    try {
      handle(id, (String) method, params == null ? new JsonObject() : (JsonObject) params, usIn);
    } catch (RpcException e) {
      sendError(id, e, usIn);
    }
  }

  /** Answers {@code id} with 10028 too_many_requests and closes the session, as Deribit does. */
  @Override
  void rateLimitClose(Object id, long usIn, String reason) {
    sendError(id, new RpcException(RpcException.TOO_MANY_REQUESTS, "too_many_requests",
      new JsonObject().put("reason", reason)), usIn);
    closed = true;
    ws.close((short) 1000, "too_many_requests");
  }

  private void handle(Object id, String method, JsonObject params, long usIn) {
    if (faults.isActive(Fault.Type.SUBSCRIBE_ERROR) && (method.endsWith("/subscribe") || method.endsWith("/unsubscribe"))) {
      throw new RpcException(RETRY, "retry", new JsonObject().put("reason", "subscriptions cannot be changed now (simulated)"));
    }
    params = exchange.methods().validate(method, params, false);
    if (faults.take(Fault.Type.METHOD_ERROR, method) != null) {
      throw new RpcException(11094, "internal_server_error",
        new JsonObject().put("reason", "the exchange failed to answer " + method + " (simulated)"));
    }
    switch (method) {
      case "public/set_heartbeat":
        setHeartbeat(params);
        sendResult(id, "ok", usIn);
        return;
      case "public/disable_heartbeat":
        cancelHeartbeat();
        sendResult(id, "ok", usIn);
        return;
      case "public/test":
        if (awaitingTest) {
          awaitingTest = false;
          stats.testRequestsAnswered.incrementAndGet();
        }
        sendResult(id, exchange.api().call(method, params), usIn);
        return;
      case "public/auth":
        sendResult(id, exchange.privateApi().auth(this, params), usIn);
        return;
      case "private/subscribe":
        exchange.privateApi().account(this);
        subscribe(id, channels(params), true, usIn);
        return;
      case "public/subscribe":
        subscribe(id, channels(params), false, usIn);
        return;
      case "private/unsubscribe":
        exchange.privateApi().account(this);
        sendResult(id, unsubscribe(channels(params), true), usIn);
        return;
      case "public/unsubscribe":
        sendResult(id, unsubscribe(channels(params), false), usIn);
        return;
      case "public/unsubscribe_all":
        subscriptions.clear();
        sendResult(id, "ok", usIn);
        return;
      default:
        if (method.startsWith("private/")) {
          exchange.privateApi().call(this, id, method, params, usIn);
        } else {
          sendResult(id, exchange.api().call(method, params), usIn);
        }
    }
  }

  private static List<String> channels(JsonObject params) {
    Object value = params.getValue("channels");
    if (!(value instanceof JsonArray)) {
      throw RpcException.invalidParams("channels", value == null ? "required parameter missing" : "expected an array of channel names");
    }
    List<String> names = new ArrayList<>();
    for (Object item : (JsonArray) value) {
      if (!(item instanceof String)) {
        throw RpcException.invalidParams("channels", "expected channel names as strings, got " + item);
      }
      names.add((String) item);
    }
    return names;
  }

  /** @return the channels removed; {@code public/unsubscribe} cannot remove private channels, as on Deribit */
  private JsonArray unsubscribe(List<String> names, boolean viaPrivate) {
    JsonArray removed = new JsonArray();
    for (String name : names) {
      Channel channel = subscriptions.get(name);
      if (channel != null && (viaPrivate || !channel.isPrivate())) {
        subscriptions.remove(name);
        removed.add(name);
      }
    }
    return removed;
  }

  /**
   * Deribit semantics: rejected channels are simply missing from the result (all rejected: []).
   * {@code public/subscribe} takes public channels only: a {@code user.*} channel is left out of its
   * result (the client must use {@code private/subscribe} on an authenticated connection). A
   * {@code raw} interval on an unauthenticated connection fails the whole request with 13778.
   */
  private void subscribe(Object id, List<String> names, boolean viaPrivate, long usIn) {
    List<Channel> added = new ArrayList<>();
    JsonArray result = new JsonArray();
    List<Channel> parsed = new ArrayList<>();
    for (String name : names) {
      Channel channel = Channel.parse(name, exchange.options().getInstruments());
      if (channel != null && channel.isPrivate() && !viaPrivate) {
        channel = null;
      }
      if (channel != null && channel.isRaw()) {
        // Before anything is subscribed: the whole request fails, as on Deribit.
        exchange.privateApi().checkRawSubscription(this);
      }
      parsed.add(channel);
    }
    if (!faults.isActive(Fault.Type.REJECT)) {
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        Channel channel = parsed.get(i);
        if (channel != null && !result.contains(name)) {
          result.add(name);
          if (subscriptions.putIfAbsent(name, channel) == null) {
            added.add(channel);
          }
        }
      }
    }
    sendResult(id, result, usIn);
    // After the result, like Deribit: the first book message on a new subscription is a snapshot.
    exchange.generator().subscribed(this, added);
  }

  private void setHeartbeat(JsonObject params) {
    double seconds = PublicApi.requiredSeconds(params, "interval");
    long intervalMs = Math.round(seconds * 1000);
    long min = exchange.options().getMinHeartbeatIntervalMs();
    if (!(intervalMs >= min) || seconds > 3600) {
      throw RpcException.invalidParams("interval", "expected seconds in [" + (min / 1000.0) + ", 3600], got " + seconds);
    }
    cancelHeartbeat();
    heartbeatIntervalMs = intervalMs;
    heartbeatTimer = exchange.vertx().setPeriodic(intervalMs, t -> onHeartbeatTick());
  }

  private void cancelHeartbeat() {
    if (heartbeatTimer >= 0) {
      exchange.vertx().cancelTimer(heartbeatTimer);
      heartbeatTimer = -1;
    }
    awaitingTest = false;
  }

  private void onHeartbeatTick() {
    if (closed) {
      return;
    }
    if (faults.isActive(Fault.Type.STALL)) {
      // Nothing was sent, so nothing is owed: the deadline starts again once the stall ends.
      awaitingTest = false;
      return;
    }
    if (awaitingTest) {
      stats.heartbeatTimeouts.incrementAndGet();
      LOG.info("event=exchange.heartbeat.timeout id={} intervalMs={}", id, heartbeatIntervalMs);
      closed = true;
      ws.close((short) 1000, "test_request not answered within " + heartbeatIntervalMs + " ms");
      return;
    }
    if (sendControl(HEARTBEAT)) {
      stats.heartbeatsSent.incrementAndGet();
    }
    if (sendControl(TEST_REQUEST)) {
      stats.testRequestsSent.incrementAndGet();
      awaitingTest = true;
    }
  }

  private void onBadFrame(String reason) {
    sendError(null, RpcException.invalidRequest(reason), JsonRpc.micros());
  }

  private void sendResult(Object id, Object result, long usIn) {
    sendControl(JsonRpc.result(id, result, usIn).encode());
  }

  /** Sends the result of request {@code id} (received at {@code usIn}) unless the connection is closed or stalled. */
  @Override
  void reply(Object id, Object result, long usIn) {
    sendResult(id, result, usIn);
  }

  private void sendError(Object id, RpcException error, long usIn) {
    stats.errorsSent.incrementAndGet();
    sendControl(JsonRpc.error(id, error, usIn).encode());
  }
}
