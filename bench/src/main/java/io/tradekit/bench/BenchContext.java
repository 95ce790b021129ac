package io.tradekit.bench;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.resource.ResourceFactories;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What every measure shares: one embedded PostgreSQL and Redis for the whole run (dev services,
 * started by the harness so that no process under test pays for them), the harness's own clients
 * of both (to preload, count and check), the launcher of the processes under test (the production
 * {@code tradekit.jar}), and the figures and details collected for the results JSON.
 *
 * <p>Used from the harness's main thread; the clients' callbacks run on this context's Vert.x
 * event loops and are awaited with {@link #await}.
 */
final class BenchContext implements AutoCloseable {

  static final List<String> INSTRUMENTS = List.of("BTC-PERPETUAL", "ETH-PERPETUAL");

  final BenchOptions options;
  final Vertx vertx = Vertx.vertx();
  /** Where configs and the processes' output go for this run (not committed). */
  final Path work;
  final List<Figure> figures = new ArrayList<>();
  final JsonObject details = new JsonObject();
  private DevServices.Lease lease;
  private RedisResource redis;
  private PgResource pg;

  BenchContext(BenchOptions options) throws IOException {
    this.options = options;
    this.work = Files.createDirectories(Path.of("bench/target/bench-work/" + System.currentTimeMillis()));
    if (!Files.isRegularFile(options.jar)) {
      throw new IllegalStateException("--jar: " + options.jar.toAbsolutePath() + " not found; build it first: mvn -B -q package -DskipTests");
    }
  }

  void open() throws Exception {
    long start = System.nanoTime();
    lease = await(DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)));
    details.put("devServicesStartMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    pg = (PgResource) ResourceFactories.create(vertx, "bench-pg", postgresBlock(), "bench");
    redis = (RedisResource) ResourceFactories.create(vertx, "bench-redis", redisBlock(), "bench");
    await(pg.open().compose(v -> pg.migrate()).compose(v -> redis.open()));
  }

  RedisResource redis() {
    return redis;
  }

  PgResource pg() {
    return pg;
  }

  DevServices.Lease lease() {
    return lease;
  }

  JsonObject postgresBlock() {
    return new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
      .put("pool", new JsonObject().put("maxSize", 8)).put("migrations", new JsonObject().put("enabled", true));
  }

  JsonObject redisBlock() {
    return new JsonObject().put("type", "redis").put("options", new JsonObject()
      .put("endpoints", new JsonArray().add(lease.redisEndpoint())).put("maxPoolSize", 8).put("maxPoolWaiting", 4096));
  }

  /** @return host and port of the embedded Redis, e.g. {@code [127.0.0.1, 41234]} */
  String[] redisHostPort() {
    String hostPort = lease.redisEndpoint().substring("redis://".length());
    return hostPort.split(":");
  }

  void add(Figure figure) {
    figures.add(figure);
  }

  /**
   * Starts the simulated exchange as its own process ({@code run service:exchange}); its plain-HTTP
   * admin API ({@code /admin/stats}, {@code /admin/faults}) is on the same port as its WebSocket.
   *
   * @param tradesPerSecond a number, or {@code "max"}
   */
  Child exchange(Object tradesPerSecond) throws Exception {
    int port = freePort();
    JsonObject config = new JsonObject().put("admin", new JsonObject().put("enabled", false))
      .put("services", new JsonArray().add(new JsonObject().put("name", "exchange")
        .put("verticle", "io.tradekit.verticles.exchange.SimulatedExchangeVerticle")
        .put("config", new JsonObject().put("port", port).put("instruments", new JsonArray(INSTRUMENTS))
          .put("tradesPerSecond", tradesPerSecond).put("minHeartbeatIntervalMs", 1000))));
    Child child = spawn("exchange-" + port, List.of("-Xmx512m"), List.of("run", "service:exchange", "-conf",
      writeConfig("exchange-" + port, config).toString()), port);
    Wait.until(60_000, "exchange listening on " + port, () -> {
      if (!child.alive()) {
        throw new IllegalStateException("the exchange exited with " + child.process.exitValue() + "; see " + child.log);
      }
      return Http.status(port, "/admin/stats") == 200;
    });
    return child;
  }

  /** The receiver's config block with nothing but what it needs to run: every other key at its default. */
  JsonObject receiverService(String exchange, int exchangePort) {
    return new JsonObject().put("name", "receiver").put("verticle", "io.tradekit.verticles.receiver.ReceiverService")
      .put("uses", new JsonArray().add("redis"))
      .put("config", new JsonObject().put("exchange", exchange).put("instruments", new JsonArray(INSTRUMENTS))
        .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + exchangePort + "/ws/api/v2")));
  }

  /** {@code java <jvmArgs> -jar tradekit.jar <args>}, output to a file in the work directory. */
  Child spawn(String name, List<String> jvmArgs, List<String> args, int adminPort) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", options.jar.toAbsolutePath().toString()));
    command.addAll(args);
    Path log = work.resolve(name + ".log");
    long spawned = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Child(name, p, log, adminPort, spawned);
  }

  /** Runs only {@code service} of {@code config} in its own process: {@code run service:<name> -conf <file>}. */
  Child service(String name, String service, JsonObject config, List<String> jvmArgs) throws IOException {
    int adminPort = config.getJsonObject("admin").getInteger("port");
    return spawn(name, jvmArgs, List.of("run", "service:" + service, "-conf", writeConfig(name, config).toString()), adminPort);
  }

  Path writeConfig(String name, JsonObject config) throws IOException {
    Path file = work.resolve(name + ".json");
    Files.writeString(file, config.encodePrettily());
    return file;
  }

  /** @return the entries in the trade streams of {@code exchange} (one entry per trade) */
  long tradeEntries(String exchange) throws Exception {
    long total = 0;
    for (String instrument : INSTRUMENTS) {
      total += await(redis.send(Request.cmd(Command.XLEN).arg(Streams.key(exchange, Streams.TRADES, instrument)), true)).toLong();
    }
    return total;
  }

  /** Frees Redis memory after a measure: the streams and hashes the run wrote for {@code exchange}. */
  void dropStreams(String exchange) throws Exception {
    Request del = Request.cmd(Command.DEL);
    for (String kind : List.of(Streams.TRADES, Streams.TICKER)) {
      for (String instrument : INSTRUMENTS) {
        del.arg(Streams.key(exchange, kind, instrument));
      }
    }
    del.arg(Streams.gaps(exchange)).arg(Streams.lastSeq(exchange)).arg(Streams.persisted(exchange));
    await(redis.send(del, true));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }

  @Override
  public void close() throws Exception {
    try {
      if (redis != null) {
        await(redis.close());
      }
      if (pg != null) {
        await(pg.close());
      }
      if (lease != null) {
        await(lease.release());
      }
    } finally {
      await(vertx.close());
    }
  }
}
