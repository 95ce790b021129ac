package io.tradekit.verticles.executor;

import io.tradekit.feed.JsonRpcTransport;
import io.tradekit.feed.PrivateSession;
import io.tradekit.resilience.Backoff;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.pipeline.PipelineAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One isolated executor world per test: its own exchange name (so its own rows and streams), a
 * fresh simulated exchange with the private API, real PostgreSQL/Redis from dev services, the
 * executor deployed by the real supervisor, and an account view: a second authenticated session
 * on the same test account, to ask the exchange what it holds.
 */
final class ExecutorWorld {

  static final String INSTRUMENT = "BTC-PERPETUAL";
  /** The instruments the exchange simulates and the executor trades (first: {@link #INSTRUMENT} by default). */
  final List<String> instruments;
  final String exchangeName = "x" + UUID.randomUUID().toString().substring(0, 8);
  final SimulatedExchange exchange;
  PipelineAccess fx;
  TradeKit kit;
  PrivateSession account;
  Vertx vertx;

  ExecutorWorld() {
    this(new SimulatedExchangeOptions());
  }

  ExecutorWorld(SimulatedExchangeOptions options) {
    this(options, List.of(INSTRUMENT));
  }

  ExecutorWorld(SimulatedExchangeOptions options, List<String> instruments) {
    this.instruments = List.copyOf(instruments);
    exchange = new SimulatedExchange(options.setInstruments(this.instruments).setMinHeartbeatIntervalMs(1000));
  }

  static Path secretFile(String secret) {
    try {
      Path file = Files.createTempFile("tk-exec-secret", ".txt");
      Files.writeString(file, secret + "\n");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonObject executorConfig(int port) {
    return new JsonObject().put("exchange", exchangeName).put("instruments", new JsonArray(new ArrayList<>(instruments)))
      .put("url", "ws://127.0.0.1:" + port + "/ws/api/v2").put("clientId", SimulatedExchangeOptions.DEFAULT_CLIENT_ID)
      .put("clientSecretFile", secretFile(SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET).toString())
      .put("requestTimeoutMs", 500).put("blockMs", 100).put("heartbeatIntervalMs", 1000).put("reconnectInitialMs", 20)
      .put("reconnectMaxMs", 200).put("rateLimitInitialMs", 20).put("rateLimitMaxMs", 200).put("maxOrdersPerSecond", 100_000)
      .put("maxOpenOrders", 10_000).put("maxPositionPerInstrument", 1e9).put("maxOrderAmount", 1e6).put("retryDelayMs", 50);
  }

  /** Starts the exchange, opens the fixture and the account view, then the executor with {@code overrides}. */
  Future<ExecutorWorld> start(Vertx vertx, JsonObject overrides, String restart) {
    return startExchange(vertx).compose(w -> startExecutor(overrides, restart));
  }

  Future<ExecutorWorld> startExchange(Vertx vertx) {
    this.vertx = vertx;
    return exchange.start(vertx).compose(port -> PipelineAccess.open(vertx).compose(f -> {
      fx = f;
      JsonRpcTransport.Config t = new JsonRpcTransport.Config("account", "account-view", "ws://127.0.0.1:" + port + "/ws/api/v2",
        2000, 2000, 16 << 20, Backoff.fullJitter(20, 200, 1000), 100, Backoff::monotonicMs);
      account = new PrivateSession(vertx, new PrivateSession.Config(t, new PrivateSession.Credentials(
        SimulatedExchangeOptions.DEFAULT_CLIENT_ID, SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET), false, List.of(),
        10_000, 3.0, 60_000, Backoff.fullJitter(20, 200, 1000), 5));
      account.start(new PrivateSession.Listener() {
        @Override
        public void ready(long connection) {
        }

        @Override
        public void notification(String channel, Object data) {
        }

        @Override
        public void failed(PrivateSession.AuthenticationException error) {
        }
      });
      return account.whenReady();
    })).map(v -> this);
  }

  Future<ExecutorWorld> startExecutor(JsonObject overrides, String restart) {
    JsonObject executor = new JsonObject().put("name", "executor").put("verticle", ExecutorService.class.getName())
      .put("restart", restart).put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", executorConfig(exchange.port()).mergeIn(overrides));
    return TradeKit.start(vertx, PipelineAccess.config(executor))
      .map(k -> {
        kit = k;
        return this;
      });
  }

  /** XADDs an intent (fields alternate names and values). */
  Future<Void> intent(String... fields) {
    Request r = Request.cmd(Command.XADD).arg(Streams.intents(exchangeName)).arg("*");
    for (String f : fields) {
      r.arg(f);
    }
    return fx.redis().send(r, false).mapEmpty();
  }

  Future<Void> newLimit(String id, String side, String amount, String price) {
    return intent("type", "new", "intent_id", id, "instrument", INSTRUMENT, "side", side, "amount", amount, "order_type", "limit",
      "price", price);
  }

  /** @return intent_id → fields of every outcome so far (the last one per intent) */
  Future<Map<String, Map<String, String>>> outcomes() {
    return entries(Streams.outcomes(exchangeName)).map(all -> {
      Map<String, Map<String, String>> out = new HashMap<>();
      all.forEach(fields -> out.put(fields.get("intent_id"), fields));
      return out;
    });
  }

  /** @return the executor's order events ({@code exec:<exchange>:orders}), oldest first */
  Future<List<Map<String, String>>> orderEvents() {
    return entries(Streams.orders(exchangeName));
  }

  /** @return every entry of {@code stream}, oldest first, as flat field maps */
  private Future<List<Map<String, String>>> entries(String stream) {
    return fx.redis().send(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+"), true).map(reply -> {
      List<Map<String, String>> out = new ArrayList<>();
      for (Response entry : reply) {
        Response kv = entry.get(1);
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < kv.size(); i += 2) {
          fields.put(kv.get(i).toString(), kv.get(i + 1).toString());
        }
        out.add(fields);
      }
      return out;
    });
  }

  /** @return the outcome of {@code intentId} once published */
  Future<Map<String, String>> outcome(Vertx vertx, String intentId) {
    List<Map<String, String>> found = new ArrayList<>();
    return PipelineAccess.eventually(vertx, 20_000, () -> outcomes().map(all -> {
      found.clear();
      if (all.containsKey(intentId)) {
        found.add(all.get(intentId));
      }
      return !found.isEmpty();
    })).map(v -> found.get(0));
  }

  Future<Row> order(String label) {
    return fx.pg().query("SELECT * FROM orders WHERE exchange = $1 AND label = $2", Tuple.of(exchangeName, label), true)
      .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** @return the exchange's orders with this label (its own records) */
  Future<JsonArray> exchangeOrders(String label) {
    return account.call("private/get_order_state_by_label", new JsonObject().put("currency", "BTC").put("label", label))
      .map(r -> (JsonArray) r);
  }

  Future<JsonObject> readiness(Vertx vertx) {
    return io.vertx.ext.web.client.WebClient.create(vertx).get(kit.adminPort(), "127.0.0.1", "/health/ready").send()
      .map(response -> response.bodyAsJsonObject());
  }

  Future<Void> close() {
    Future<Void> stopped = kit == null ? Future.succeededFuture() : kit.stop().mapEmpty();
    return stopped.eventually(() -> account == null ? Future.succeededFuture() : account.stop())
      .eventually(exchange::stop)
      .eventually(() -> fx == null ? Future.<Void>succeededFuture() : fx.close());
  }
}
