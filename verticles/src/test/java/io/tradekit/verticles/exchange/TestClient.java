package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A minimal JSON-RPC WebSocket client for the simulated exchange tests: correlates replies by id,
 * records every frame with its arrival time, optionally answers test_requests, and reports how
 * the connection ended (close code, or none when TCP was cut without a close frame).
 *
 * <p>Its handlers run on the event-loop context of the Vert.x client; the recorded lists are
 * thread-safe so test code on other threads can read them.
 */
final class TestClient {

  /** One received text frame: parsed JSON (or null when it was not JSON) and its arrival time. */
  static final class Frame {
    final String text;
    final Object json;
    final long atMs;

    Frame(String text, Object json, long atMs) {
      this.text = text;
      this.json = json;
      this.atMs = atMs;
    }

    JsonObject object() {
      return json instanceof JsonObject ? (JsonObject) json : null;
    }

    String method() {
      JsonObject o = object();
      return o == null ? null : o.getString("method");
    }

    String channel() {
      JsonObject o = object();
      JsonObject params = o == null ? null : o.getJsonObject("params");
      return params == null ? null : params.getString("channel");
    }
  }

  final WebSocket ws;
  /** Held so the client (and its connection pool) is not reclaimed while the socket is in use. */
  private final WebSocketClient client;
  final List<Frame> frames = new CopyOnWriteArrayList<>();
  final List<Frame> notifications = new CopyOnWriteArrayList<>();
  final List<Object> binaryFrames = new CopyOnWriteArrayList<>();
  final AtomicLong testRequests = new AtomicLong();
  private final Map<Long, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private final Promise<Short> closed = Promise.promise();
  private volatile boolean answerTestRequests = true;
  private volatile Handler<Frame> notificationHandler = f -> { };
  private final List<Map.Entry<Predicate<Frame>, Promise<Frame>>> waiters = new CopyOnWriteArrayList<>();

  private TestClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> binaryFrames.add(b));
    // closeStatusCode() is null when no close frame arrived (TCP cut): the drop fault.
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
  }

  static Future<TestClient> connect(Vertx vertx, int port) {
    WebSocketClient client = vertx.createWebSocketClient();
    // The lambda captures the client, keeping it reachable during the handshake as well.
    return client.connect(port, "127.0.0.1", SimulatedExchange.WS_PATH).map(ws -> new TestClient(client, ws));
  }

  TestClient answerTestRequests(boolean answer) {
    this.answerTestRequests = answer;
    return this;
  }

  TestClient onNotification(Handler<Frame> handler) {
    this.notificationHandler = handler;
    return this;
  }

  /** @return the whole reply (result or error) of {@code method} */
  Future<JsonObject> call(String method, JsonObject params) {
    long id = nextId.getAndIncrement();
    Promise<JsonObject> promise = Promise.promise();
    pending.put(id, promise);
    ws.writeTextMessage(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method)
      .put("params", params).encode()).onFailure(promise::tryFail);
    return promise.future();
  }

  Future<JsonObject> setHeartbeat(double seconds) {
    return call("public/set_heartbeat", new JsonObject().put("interval", seconds));
  }

  Future<JsonArray> subscribe(String... channels) {
    return call("public/subscribe", new JsonObject().put("channels", new JsonArray(List.of((Object[]) channels))))
      .map(reply -> reply.getJsonArray("result"));
  }

  /** @return the channels {@code private/subscribe} subscribed (the user.* channels need it); fails on an error reply */
  Future<JsonArray> privateSubscribe(String... channels) {
    return call("private/subscribe", new JsonObject().put("channels", new JsonArray(List.of((Object[]) channels))))
      .map(reply -> {
        if (reply.containsKey("error")) {
          throw new IllegalStateException("private/subscribe failed: " + reply.getJsonObject("error").encode());
        }
        return reply.getJsonArray("result");
      });
  }

  /** @return the whole reply of {@code public/auth} with client credentials */
  Future<JsonObject> auth(String clientId, String clientSecret) {
    return call("public/auth", new JsonObject().put("grant_type", "client_credentials")
      .put("client_id", clientId).put("client_secret", clientSecret));
  }

  /** @return the {@code result} of {@code public/auth} with the simulator's default test account; fails on an error reply */
  Future<JsonObject> auth() {
    return auth(SimulatedExchangeOptions.DEFAULT_CLIENT_ID, SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET).map(TestClient::result);
  }

  /** @return the {@code result} of {@code method}; fails with the error object's text on an error reply */
  Future<Object> rpc(String method, JsonObject params) {
    return call(method, params).map(reply -> {
      if (reply.containsKey("error")) {
        throw new IllegalStateException(method + " failed: " + reply.getJsonObject("error").encode());
      }
      return reply.getValue("result");
    });
  }

  /** @return the object {@code result} of a reply; fails with the error object's text on an error reply */
  static JsonObject result(JsonObject reply) {
    if (reply.containsKey("error")) {
      throw new IllegalStateException("error reply: " + reply.getJsonObject("error").encode());
    }
    return reply.getJsonObject("result");
  }

  /** @return the notifications of {@code channel} received so far, their {@code data} in arrival order */
  List<Object> data(String channel) {
    List<Object> out = new java.util.ArrayList<>();
    for (Frame f : notifications) {
      if (channel.equals(f.channel())) {
        out.add(f.object().getJsonObject("params").getValue("data"));
      }
    }
    return out;
  }

  /** @return the first frame, already received or future, that matches {@code predicate} */
  Future<Frame> awaitFrame(Predicate<Frame> predicate) {
    Promise<Frame> promise = Promise.promise();
    waiters.add(Map.entry(predicate, promise));
    for (Frame f : frames) {
      if (predicate.test(f)) {
        promise.tryComplete(f);
      }
    }
    return promise.future();
  }

  /** @return a predicate matching heartbeat frames of {@code type} (heartbeat or test_request) */
  static Predicate<Frame> heartbeat(String type) {
    return f -> "heartbeat".equals(f.method()) && type.equals(f.object().getJsonObject("params").getString("type"));
  }

  /** @return completes with the close status code (null: closed without a close frame) */
  Future<Short> closed() {
    return closed.future();
  }

  private void onText(String text) {
    Object json;
    try {
      json = Json.decodeValue(text);
    } catch (RuntimeException e) {
      json = null;
    }
    Frame frame = new Frame(text, json, System.currentTimeMillis());
    frames.add(frame);
    for (Map.Entry<Predicate<Frame>, Promise<Frame>> w : waiters) {
      if (w.getKey().test(frame) && w.getValue().tryComplete(frame)) {
        waiters.remove(w);
      }
    }
    JsonObject o = frame.object();
    if (o == null) {
      return;
    }
    Object id = o.getValue("id");
    if (id instanceof Number) {
      Promise<JsonObject> p = pending.remove(((Number) id).longValue());
      if (p != null) {
        p.complete(o);
      }
      return;
    }
    if ("heartbeat".equals(o.getString("method"))) {
      JsonObject params = o.getJsonObject("params", new JsonObject());
      if ("test_request".equals(params.getString("type"))) {
        testRequests.incrementAndGet();
        if (answerTestRequests) {
          call("public/test", new JsonObject());
        }
      }
    } else if ("subscription".equals(o.getString("method"))) {
      notifications.add(frame);
      notificationHandler.handle(frame);
    }
  }
}
