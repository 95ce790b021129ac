package io.tradekit.bench;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.feed.JsonRpcTransport;
import io.tradekit.feed.PrivateSession;
import io.tradekit.redis.StreamEntry;
import io.tradekit.resilience.Backoff;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Executor benchmark (issue 14; a main class, not a test): the executor deployed by the real
 * supervisor on embedded dev services against the simulated exchange in this JVM, measured three
 * ways in ONE run so they share the machine's load:
 *
 * <ol>
 *   <li>{@code exchangeRtt}: the simulator's own round trip, {@code private/buy} → reply on an
 *       authenticated connection (the kit's {@link PrivateSession}), one at a time: the floor;</li>
 *   <li>{@code intentToPlaced}: an intent XADDed to {@code exec:<exchange>:intents} → its outcome
 *       {@code placed} read from {@code exec:<exchange>:outcomes} (XREAD BLOCK on its own
 *       connection), at a paced rate well below capacity, one intent at a time in flight;</li>
 *   <li>{@code sustained}: a burst of intents written at once; intents/s = burst / (last outcome − first XADD).</li>
 * </ol>
 *
 * <p>Orders are limit buys at 1 USD (they rest, never fill) so every outcome is {@code placed}.
 * Risk limits are raised so they never refuse. Prints a table and writes the raw figures as JSON
 * (default {@code bench/results/executor.json}).
 *
 * <p>{@code java -cp bench/target/tradekit-bench.jar io.tradekit.bench.ExecutorBench [rttOrders] [pacedIntents] [burstIntents] [out.json]}
 * Runs on the main thread; the measured traffic runs on Vert.x event loops.
 */
public final class ExecutorBench {

  private static final String INSTRUMENT = "BTC-PERPETUAL";
  private static final String EXCHANGE = "bench";

  private final Vertx vertx = Vertx.vertx();
  private DevServices.Lease lease;
  private SimulatedExchange exchange;
  private TradeKit kit;
  private PrivateSession direct;
  private RedisConnection writer;
  private RedisConnection reader;
  private final Map<String, Long> sentNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> placedNanos = new ConcurrentHashMap<>();
  private final Map<String, Promise<Long>> waiting = new ConcurrentHashMap<>();
  private volatile String lastOutcomeId = "0-0";
  private volatile boolean reading = true;
  private long labels;

  public static void main(String[] args) throws Exception {
    int rttOrders = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
    int paced = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    int burst = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    Path out = Path.of(args.length > 3 ? args[3] : "bench/results/executor.json");
    ExecutorBench bench = new ExecutorBench();
    try {
      bench.setUp();
      bench.rtt(rttOrders / 5); // warm-up, not reported
      bench.paced(paced / 5, 2);
      long[] rtt = bench.rtt(rttOrders);
      long[] placed = bench.paced(paced, 2);
      double[] sustained = bench.burst(burst);
      JsonObject result = new JsonObject()
        .put("machine", new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
          .put("java", System.getProperty("java.version")).put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
          .put("loadAverage", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
        .put("at", Instant.now().toString())
        .put("exchangeRtt", stats(rtt).put("what", "private/buy -> reply, authenticated connection, one at a time"))
        .put("intentToPlaced", stats(placed).put("what", "XADD intent -> outcome placed read from the outcomes stream, one in flight"))
        .put("sustained", new JsonObject().put("intents", burst).put("seconds", sustained[0]).put("intentsPerSecond", sustained[1])
          .put("what", "burst of intents written at once, first XADD -> last outcome"));
      System.out.println("---- executor bench, " + Runtime.getRuntime().availableProcessors() + " cores, Java "
        + System.getProperty("java.version") + ", load " + result.getJsonObject("machine").getValue("loadAverage"));
      System.out.printf("exchange RTT (private/buy)      n=%d p50=%.2f ms p99=%.2f ms%n", rtt.length, ms(rtt, 50), ms(rtt, 99));
      System.out.printf("intent -> placed (executor)    n=%d p50=%.2f ms p99=%.2f ms%n", placed.length, ms(placed, 50), ms(placed, 99));
      System.out.printf("sustained                      %d intents in %.2f s = %.0f intents/s%n", burst, sustained[0], sustained[1]);
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, result.encodePrettily() + "\n");
      System.out.println("raw: " + out);
    } finally {
      bench.tearDown();
    }
  }

  private void setUp() throws Exception {
    lease = await(DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)));
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(INSTRUMENT)).setTradesPerSecond(20)
      .setMinHeartbeatIntervalMs(1000));
    int port = await(exchange.start(vertx));
    String url = "ws://127.0.0.1:" + port + "/ws/api/v2";
    Path secret = Files.createTempFile("tk-bench-secret", ".txt");
    secret.toFile().deleteOnExit();
    Files.writeString(secret, SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET + "\n");
    JsonObject executor = new JsonObject().put("exchange", EXCHANGE).put("instruments", new JsonArray().add(INSTRUMENT))
      .put("url", url).put("clientId", SimulatedExchangeOptions.DEFAULT_CLIENT_ID).put("clientSecretFile", secret.toString())
      .put("maxOrdersPerSecond", 100_000).put("maxOpenOrders", 100_000).put("maxOrderAmount", 1e6)
      .put("maxPositionPerInstrument", 1e12).put("blockMs", 1000);
    JsonObject config = new JsonObject().put("admin", new JsonObject().put("enabled", false))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
          .put("migrations", new JsonObject().put("enabled", true)))
        .put("redis", new JsonObject().put("type", "redis").put("options", new JsonObject()
          .put("endpoints", new JsonArray().add(lease.redisEndpoint())))))
      .put("services", new JsonArray().add(new JsonObject().put("name", "executor")
        .put("verticle", "io.tradekit.verticles.executor.ExecutorService").put("uses", new JsonArray().add("postgres").add("redis"))
        .put("config", executor)));
    // Fresh rows: a previous run's orders would count against nothing, but keep the tables small.
    kit = await(TradeKit.start(vertx, config));
    JsonRpcTransport.Config t = new JsonRpcTransport.Config("bench", "bench-direct", url, 2000, 5000, 16 << 20,
      Backoff.fullJitter(20, 200, 1000), 100, Backoff::monotonicMs);
    direct = new PrivateSession(vertx, new PrivateSession.Config(t, new PrivateSession.Credentials(
      SimulatedExchangeOptions.DEFAULT_CLIENT_ID, SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET), false, List.of(),
      10_000, 3.0, 60_000, Backoff.fullJitter(20, 200, 1000), 5));
    await(direct.start(new PrivateSession.Listener() {
      @Override
      public void ready(long connection) {
      }

      @Override
      public void notification(String channel, Object data) {
      }

      @Override
      public void failed(PrivateSession.AuthenticationException error) {
      }
    }).compose(v -> direct.whenReady()));
    RedisOptions redisOptions = new RedisOptions().setConnectionString(lease.redisEndpoint());
    writer = await(Redis.createClient(vertx, redisOptions).connect());
    reader = await(Redis.createClient(vertx, redisOptions).connect());
    readOutcomes();
  }

  /** XREAD BLOCK loop on its own connection: notes the arrival of every {@code placed} outcome. */
  private void readOutcomes() {
    if (!reading) {
      return;
    }
    reader.send(Request.cmd(Command.XREAD).arg("COUNT").arg(1000).arg("BLOCK").arg(200).arg("STREAMS")
      .arg(Streams.outcomes(EXCHANGE)).arg(lastOutcomeId)).onComplete(ar -> {
        long now = System.nanoTime();
        if (ar.succeeded()) {
          for (StreamEntry entry : StreamEntry.fromReadGroup(ar.result())) {
            lastOutcomeId = entry.id();
            Map<String, String> fields = entry.fields();
            if (fields != null && fields.get("intent_id") != null) {
              String id = fields.get("intent_id");
              placedNanos.putIfAbsent(id, "placed".equals(fields.get("status")) ? now : -now);
              Promise<Long> p = waiting.get(id);
              if (p != null) {
                p.tryComplete(placedNanos.get(id));
              }
            }
          }
          readOutcomes();
        } else if (reading) {
          vertx.setTimer(100, t -> readOutcomes()); // the connection failed: retry, never recurse synchronously
        }
      });
  }

  private long[] rtt(int n) throws Exception {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      await(direct.call("private/buy", new JsonObject().put("instrument_name", INSTRUMENT).put("amount", 10).put("type", "limit")
        .put("price", 1).put("label", "direct-" + (labels++))));
      out[i] = System.nanoTime() - start;
    }
    return out;
  }

  private Request intent(String id) {
    return Request.cmd(Command.XADD).arg(Streams.intents(EXCHANGE)).arg("*").arg("type").arg("new").arg("intent_id").arg(id)
      .arg("instrument").arg(INSTRUMENT).arg("side").arg("buy").arg("amount").arg("10").arg("order_type").arg("limit")
      .arg("price").arg("1");
  }

  /** One intent at a time, the next {@code gapMs} after the previous outcome: latency without queueing. */
  private long[] paced(int n, long gapMs) throws Exception {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      String id = "tk-p" + (labels++);
      long start = System.nanoTime();
      sentNanos.put(id, start);
      await(writer.send(intent(id)));
      Long at = awaitOutcome(id);
      if (at < 0) {
        throw new IllegalStateException("intent " + id + " was not placed; see the outcomes stream");
      }
      out[i] = at - start;
      if (gapMs > 0) {
        // Pacing between measurements (not a wait for an event): keeps the rate fixed and low.
        Thread.sleep(gapMs);
      }
    }
    return out;
  }

  /** @return when the outcome of {@code id} arrived (nanoTime; negative: not placed) */
  private Long awaitOutcome(String id) throws Exception {
    Promise<Long> done = Promise.promise();
    waiting.put(id, done);
    Long at = placedNanos.get(id);
    if (at != null) {
      done.tryComplete(at); // arrived before the promise was registered
    }
    Long result = done.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    waiting.remove(id);
    return result;
  }

  /** @return {seconds, intents per second} for {@code n} intents written at once */
  private double[] burst(int n) throws Exception {
    List<Request> requests = new ArrayList<>(n);
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String id = "tk-b" + (labels++);
      ids.add(id);
      requests.add(intent(id));
    }
    long start = System.nanoTime();
    for (int from = 0; from < n; from += 500) {
      await(writer.batch(requests.subList(from, Math.min(n, from + 500))));
    }
    long last = 0;
    for (String id : ids) {
      long at = Math.abs(awaitOutcome(id));
      last = Math.max(last, at);
    }
    double seconds = (last - start) / 1e9;
    return new double[] {seconds, n / seconds};
  }

  private static JsonObject stats(long[] nanos) {
    return new JsonObject().put("n", nanos.length).put("p50Ms", ms(nanos, 50)).put("p90Ms", ms(nanos, 90))
      .put("p99Ms", ms(nanos, 99)).put("maxMs", ms(nanos, 100));
  }

  private static double ms(long[] nanos, double percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int index = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100.0 * sorted.length) - 1);
    return Math.round(sorted[Math.max(0, index)] / 10_000.0) / 100.0;
  }

  private void tearDown() throws Exception {
    reading = false;
    if (direct != null) {
      await(direct.stop().otherwiseEmpty());
    }
    if (kit != null) {
      await(kit.stop().otherwiseEmpty());
    }
    if (writer != null) {
      writer.close();
    }
    if (reader != null) {
      reader.close();
    }
    if (exchange != null) {
      await(exchange.stop().otherwiseEmpty());
    }
    if (lease != null) {
      await(lease.release());
    }
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }
}
