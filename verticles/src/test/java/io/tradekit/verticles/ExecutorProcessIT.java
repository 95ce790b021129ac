package io.tradekit.verticles;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.resource.ResourceFactories;
import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The executor as a real process (the fat jar) against the simulated exchange in this test JVM and
 * this JVM's dev PostgreSQL/Redis (so state outlives the process): SIGKILL in the middle of a stream
 * of intents, and SIGTERM while orders wait for their replies; each followed by a restart that must
 * resolve everything, with no label placed twice and every exchange fill stored once.
 */
@Timeout(value = 300)
class ExecutorProcessIT {

  private static final String INSTRUMENT = "BTC-PERPETUAL";

  @TempDir
  Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final String exchangeName = "xp" + UUID.randomUUID().toString().substring(0, 8);
  private DevServices.Lease lease;
  private SimulatedExchange exchange;
  private PgResource pg;
  private RedisResource redis;
  private int adminPort;

  private static <T> T get(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  @BeforeEach
  void open() throws Exception {
    lease = get(DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)));
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(INSTRUMENT))
      .setTradesPerSecond(100).setMinHeartbeatIntervalMs(1000));
    get(exchange.start(vertx));
    pg = (PgResource) ResourceFactories.create(vertx, "check-pg", new JsonObject().put("type", "postgres")
      .put("connect", lease.postgresConnect()).put("migrations", new JsonObject().put("enabled", true)), "test");
    redis = (RedisResource) ResourceFactories.create(vertx, "check-redis", new JsonObject().put("type", "redis")
      .put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))), "test");
    get(pg.open().compose(v -> pg.migrate()).compose(v -> redis.open()));
    adminPort = FatJarProcess.freePort();
  }

  @AfterEach
  void close() throws Exception {
    get(redis.close().compose(v -> pg.close()).compose(v -> exchange.stop()).compose(v -> lease.release())
      .eventually(vertx::close));
  }

  private Path config(JsonObject executorOverrides) throws Exception {
    Path secret = dir.resolve("exchange-client-secret");
    Files.writeString(secret, SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET + "\n");
    JsonObject executor = new JsonObject().put("exchange", exchangeName).put("instruments", new JsonArray().add(INSTRUMENT))
      .put("url", "ws://127.0.0.1:" + exchange.port() + "/ws/api/v2").put("clientId", SimulatedExchangeOptions.DEFAULT_CLIENT_ID)
      .put("clientSecretFile", secret.toString()).put("maxOrdersPerSecond", 100_000).put("maxOpenOrders", 100_000)
      .put("maxPositionPerInstrument", 1e9).put("heartbeatIntervalMs", 1000).put("blockMs", 200).put("claimIdleMs", 1_000)
      .put("claimIntervalMs", 500).put("retryDelayMs", 100).mergeIn(executorOverrides);
    JsonObject config = new JsonObject()
      .put("admin", new JsonObject().put("port", adminPort))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
          .put("migrations", new JsonObject().put("enabled", true)))
        .put("redis", new JsonObject().put("type", "redis").put("options", new JsonObject()
          .put("endpoints", new JsonArray().add(lease.redisEndpoint())))))
      .put("services", new JsonArray().add(new JsonObject().put("name", "executor")
        .put("verticle", "io.tradekit.verticles.executor.ExecutorService").put("stopTimeoutMs", 30_000)
        .put("uses", new JsonArray().add("postgres").add("redis")).put("config", executor)));
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    return file;
  }

  /** Writes {@code n} new-order intents: limit orders around the market (some cross it) and market orders. */
  private List<String> writeIntents(String run, int n) throws Exception {
    JsonObject last = (JsonObject) get(Future.succeededFuture(exchange)
      .compose(x -> io.vertx.ext.web.client.WebClient.create(vertx)
        .get(exchange.port(), "127.0.0.1", "/api/v2/public/get_last_trades_by_instrument")
        .addQueryParam("instrument_name", INSTRUMENT).addQueryParam("count", "1").send())
      .map(r -> r.bodyAsJsonObject().getJsonObject("result").getJsonArray("trades").getJsonObject(0)));
    double price = Math.round(Double.parseDouble(last.getValue("price").toString()) * 2) / 2.0;
    List<String> labels = new ArrayList<>(n);
    List<Request> requests = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String label = "tk-" + run + "-" + i;
      labels.add(label);
      Request r = Request.cmd(Command.XADD).arg(Streams.intents(exchangeName)).arg("*").arg("type").arg("new")
        .arg("intent_id").arg(label).arg("instrument").arg(INSTRUMENT).arg("side").arg(i % 2 == 0 ? "buy" : "sell")
        .arg("amount").arg(String.valueOf(10 * (1 + i % 3)));
      if (i % 5 == 0) {
        r.arg("order_type").arg("market");
      } else {
        r.arg("order_type").arg("limit").arg("price").arg(String.valueOf(price + 0.5 * ((i % 13) - 6)));
      }
      requests.add(r);
    }
    for (int from = 0; from < n; from += 200) {
      get(redis.pipeline(requests.subList(from, Math.min(n, from + 200)), false)).forEach(result ->
        assertThat(result.succeeded()).as("XADD %s", result.error()).isTrue());
    }
    return labels;
  }

  private long count(String sql) throws Exception {
    return get(pg.query(sql, Tuple.of(exchangeName), true)).iterator().next().getLong(0);
  }

  private long decided() throws Exception {
    return count("SELECT count(*) FROM intent_outcomes WHERE exchange = $1");
  }

  private Set<String> pendingNew() throws Exception {
    Set<String> out = new HashSet<>();
    get(pg.query("SELECT label FROM orders WHERE exchange = $1 AND state = 'pending_new'", Tuple.of(exchangeName), true))
      .forEach(r -> out.add(r.getString(0)));
    return out;
  }

  private void awaitReady(FatJarProcess p) {
    await().atMost(Duration.ofSeconds(90)).until(() -> !p.process().isAlive() || FatJarProcess.status(adminPort, "/health/ready") == 200);
    assertThat(p.process().isAlive()).as("executor process died:\n%s", p.stdout()).isTrue();
  }

  /** label → how many orders the exchange holds with it (its own records). */
  private Map<String, Integer> exchangeLabels() throws Exception {
    Map<String, Integer> out = new HashMap<>();
    get(exchange.privateOrders()).forEach(o -> out.merge(((JsonObject) o).getString("label"), 1, Integer::sum));
    return out;
  }

  /** After the run: no label twice, the exchange's fills == the fills table by trade id, no row pending_new, every intent decided. */
  private void assertConverged(List<String> labels) throws Exception {
    get(exchange.haltTrading());
    await().atMost(Duration.ofSeconds(30)).until(() -> fillsEqual());
    Map<String, Integer> perLabel = exchangeLabels();
    assertThat(perLabel.entrySet().stream().filter(e -> e.getValue() > 1).toList()).as("labels placed twice").isEmpty();
    assertThat(pendingNew()).as("rows left pending_new").isEmpty();
    Set<String> decided = new HashSet<>();
    get(pg.query("SELECT intent_id FROM intent_outcomes WHERE exchange = $1", Tuple.of(exchangeName), true))
      .forEach(r -> decided.add(r.getString(0)));
    assertThat(decided).as("intents with an outcome").containsAll(labels);
    // Every order the exchange holds has its row, in the exchange's state.
    Map<String, String> local = new HashMap<>();
    get(pg.query("SELECT label, state FROM orders WHERE exchange = $1", Tuple.of(exchangeName), true))
      .forEach(r -> local.put(r.getString(0), r.getString(1)));
    List<String> differ = new ArrayList<>();
    for (Object o : get(exchange.privateOrders())) {
      JsonObject order = (JsonObject) o;
      String state = order.getString("order_state");
      String expected = "open".equals(state) && Double.parseDouble(order.getValue("filled_amount").toString()) > 0
        ? "partially_filled" : state;
      if (!expected.equals(local.get(order.getString("label")))) {
        differ.add(order.getString("label") + ": local " + local.get(order.getString("label")) + ", exchange " + expected);
      }
    }
    assertThat(differ).as("orders whose row differs from the exchange").isEmpty();
  }

  private boolean fillsEqual() throws Exception {
    Map<String, String> remote = new TreeMap<>();
    get(exchange.privateFills()).forEach(o -> remote.put(((JsonObject) o).getValue("trade_id").toString(),
      ((JsonObject) o).getString("label")));
    Map<String, String> local = new TreeMap<>();
    get(pg.query("SELECT trade_id, label FROM fills WHERE exchange = $1", Tuple.of(exchangeName), true))
      .forEach((Row r) -> local.put(r.getString(0), r.getString(1)));
    return !remote.isEmpty() && remote.equals(local);
  }

  @Test
  void sigkillInTheMiddleOfTheIntentStreamThenRestartReconcilesWithin5sOfReadyWithNoDuplicateAndEveryFillOnce()
      throws Exception {
    Path conf = config(new JsonObject().put("requestTimeoutMs", 2_000).put("batchSize", 32));
    // Some replies late so the kill finds orders in flight, and their rows pending_new.
    get(exchange.injectFault(Fault.replyDelay(1_500, 0, 0.2, 600_000)));
    List<String> labels;
    try (FatJarProcess first = FatJarProcess.start(dir, "-conf", conf.toString())) {
      awaitReady(first);
      labels = writeIntents("kill", 3_000);
      await().atMost(Duration.ofSeconds(120)).until(() -> !first.process().isAlive() || decided() > 600);
      assertThat(first.process().isAlive()).as("first run died early:\n%s", first.stdout()).isTrue();
      first.process().destroyForcibly(); // SIGKILL: batches in flight, rows pending_new, entries unacknowledged
      first.process().waitFor(30, TimeUnit.SECONDS);
    }
    long decidedAtKill = decided();
    assertThat(decidedAtKill).as("the kill left intents undecided").isLessThan(labels.size());
    get(exchange.clearFaults());
    Path restartDir = Files.createDirectories(dir.resolve("restart"));
    try (FatJarProcess second = FatJarProcess.start(restartDir, "-conf", conf.toString())) {
      awaitReady(second);
      // Ready means reconciled: nothing the killed run left pending_new is still unresolved.
      await().atMost(Duration.ofSeconds(5)).until(() -> pendingNew().isEmpty());
      await().atMost(Duration.ofSeconds(120)).until(() -> !second.process().isAlive() || decided() >= labels.size());
      assertConverged(labels);
      second.terminate();
      assertThat(second.waitForExit(60)).isZero();
    }
  }

  @Test
  void sigtermLeavesEveryConsumedIntentDoneOrDurablyPendingAndTheNextStartResolvesIt() throws Exception {
    // Every reply comes long after the request timeout: at SIGTERM orders are at the exchange while
    // their intents are unacknowledged (half-sent); their rows are pending_new unless a user.orders
    // notification already told the state (the notifications are not delayed).
    Path conf = config(new JsonObject().put("requestTimeoutMs", 20_000).put("batchSize", 16).put("cancelOnDisconnect", false));
    get(exchange.injectFault(Fault.replyDelay(60_000, 0, 1.0, 600_000)));
    List<String> labels;
    Set<String> halfSent;
    String firstOut;
    try (FatJarProcess first = FatJarProcess.start(dir, "-conf", conf.toString())) {
      awaitReady(first);
      labels = writeIntents("term", 200);
      await().atMost(Duration.ofSeconds(60)).until(() -> exchangeLabels().size() >= 16);
      first.terminate();
      assertThat(first.waitForExit(60)).as("clean exit:\n%s", first.stdout()).isZero();
      firstOut = first.stdout();
    }
    Map<String, String> rowsAtExit = new HashMap<>();
    get(pg.query("SELECT label, state FROM orders WHERE exchange = $1", Tuple.of(exchangeName), true))
      .forEach(r -> rowsAtExit.put(r.getString(0), r.getString(1)));
    Map<String, Integer> atExchange = exchangeLabels();
    Set<String> unacked = unacknowledgedIntents();
    // Half-sent: consumed, at the exchange, not acknowledged (its reply never came before the stop).
    halfSent = new HashSet<>(unacked);
    halfSent.retainAll(atExchange.keySet());
    assertThat(halfSent).as("intents half-sent at SIGTERM; first run's output:\n%s",
      firstOut.substring(Math.max(0, firstOut.length() - 20_000))).isNotEmpty();
    assertThat(firstOut).as("the stop path gives up cleanly (it used to retry until StackOverflowError)")
      .doesNotContain("StackOverflowError");
    assertThat(atExchange.keySet()).as("every order sent has its durable row (pending_new or later)")
      .allMatch(rowsAtExit::containsKey);
    for (String label : labels) {
      if (!unacked.contains(label) && delivered(label)) {
        assertThat(hasOutcome(label)).as("acknowledged intent %s has its outcome", label).isTrue();
      }
      if (unacked.contains(label) && !atExchange.containsKey(label) && rowsAtExit.containsKey(label)) {
        assertThat(rowsAtExit.get(label)).as("a consumed intent not at the exchange is durably pending_new or unknown").isIn("pending_new", "unknown", "rejected");
      }
    }
    get(exchange.clearFaults());
    Path restartDir = Files.createDirectories(dir.resolve("restart"));
    try (FatJarProcess second = FatJarProcess.start(restartDir, "-conf", conf.toString())) {
      awaitReady(second);
      await().atMost(Duration.ofSeconds(5)).until(() -> pendingNew().isEmpty());
      await().atMost(Duration.ofSeconds(120)).until(() -> !second.process().isAlive() || decided() >= labels.size());
      for (String label : halfSent) {
        assertThat(outcomeStatus(label)).as("outcome of half-sent %s", label).isIn("placed", "filled", "cancelled");
      }
      assertConverged(labels);
      second.terminate();
      assertThat(second.waitForExit(60)).isZero();
    }
  }

  private final Set<String> deliveredCache = new HashSet<>();
  private String lastDeliveredId;

  private boolean hasOutcome(String label) {
    try {
      return outcomeStatus(label) != null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String outcomeStatus(String label) throws Exception {
    var rows = get(pg.query("SELECT status FROM intent_outcomes WHERE exchange = $1 AND intent_id = $2",
      Tuple.of(exchangeName, label), true));
    return rows.size() == 0 ? null : rows.iterator().next().getString(0);
  }

  /** @return the intent ids of the group's pending (delivered, not acknowledged) entries; also notes what was delivered */
  private Set<String> unacknowledgedIntents() throws Exception {
    String stream = Streams.intents(exchangeName);
    Response groups = get(redis.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(stream), true));
    for (Response g : groups) {
      if ("executor".equals(g.get("name").toString())) {
        lastDeliveredId = g.get("last-delivered-id").toString();
      }
    }
    Set<String> pendingIds = new HashSet<>();
    for (Response p : get(redis.send(Request.cmd(Command.XPENDING).arg(stream).arg("executor").arg("-").arg("+").arg(10_000), true))) {
      pendingIds.add(p.get(0).toString());
    }
    Set<String> out = new HashSet<>();
    for (Response entry : get(redis.send(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg(lastDeliveredId), true))) {
      Response kv = entry.get(1);
      String intentId = null;
      for (int i = 0; i + 1 < kv.size(); i += 2) {
        if ("intent_id".equals(kv.get(i).toString())) {
          intentId = kv.get(i + 1).toString();
        }
      }
      deliveredCache.add(intentId);
      if (pendingIds.contains(entry.get(0).toString())) {
        out.add(intentId);
      }
    }
    return out;
  }

  private boolean delivered(String label) {
    return deliveredCache.contains(label);
  }
}
