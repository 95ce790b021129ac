package io.tradekit.bench;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.health.KitMetrics;
import io.tradekit.pg.PgResource;
import io.tradekit.resource.ResourceFactories;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Persistence probe (issue 13; not a test): preloads N trades into the trade streams, runs two
 * distributor instances AND the analyzer (as the default deployment does) on embedded dev services,
 * times the distributors until every row is persisted, and measures in the same run the ceiling:
 * pgjdbc {@code COPY} of the same rows into an identical empty table, with 1, 2 and 4 parallel
 * connections (the best is the ceiling, so it is an upper bound). Prints one line per trial and the
 * ratio. Run from the harness's main thread; nothing here runs on an event loop except the XADDs.
 *
 * <p>{@code java -cp bench/target/tradekit-bench.jar io.tradekit.bench.PersistenceProbe [rows] [trials]}
 * System properties: {@code probe.batchSize} (distributor batchSize; default: the distributor's own),
 * {@code probe.poolSize} (PostgreSQL pool, default 8), {@code probe.analyzer} (true),
 * {@code probe.tradesPerSecond} (exchange-time spacing of the trades, default 10000).
 */
public final class PersistenceProbe {

  static final List<String> INSTRUMENTS = List.of("BTC-PERPETUAL", "ETH-PERPETUAL");

  private final Vertx vertx = Vertx.vertx();
  private DevServices.Lease lease;
  private RedisConnection redis;

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int trials = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    PersistenceProbe probe = new PersistenceProbe();
    try {
      probe.setUp();
      probe.trial(rows / 4, true); // warm-up (JIT, PostgreSQL caches), not reported
      List<String> lines = new ArrayList<>();
      for (int t = 0; t < trials; t++) {
        lines.add(probe.trial(rows, false));
      }
      System.out.println("---- persistence probe: " + rows + " rows, " + Runtime.getRuntime().availableProcessors()
        + " cores, Java " + System.getProperty("java.version") + ", " + Instant.now());
      lines.forEach(System.out::println);
    } finally {
      probe.tearDown();
    }
  }

  private void setUp() throws Exception {
    lease = await(DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)));
    redis = await(Redis.createClient(vertx, new RedisOptions().setConnectionString(lease.redisEndpoint())).connect());
    // The schema, by the kit's own migrations (the same the supervisor runs when enabled).
    PgResource migrator = (PgResource) ResourceFactories.create(vertx, "probe-pg", new JsonObject().put("type", "postgres")
      .put("connect", lease.postgresConnect()).put("migrations", new JsonObject().put("enabled", true)), "probe");
    await(migrator.open().compose(v -> migrator.migrate()).compose(n -> migrator.close()));
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      for (String setting : List.of("server_version", "synchronous_commit", "fsync", "shared_buffers", "wal_level",
        "max_wal_size", "checkpoint_timeout")) {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
          rs.next();
          System.out.println("pg " + setting + " = " + rs.getString(1));
        }
      }
    }
  }

  private void tearDown() throws Exception {
    if (redis != null) {
      redis.close();
    }
    if (lease != null) {
      await(lease.release());
    }
    await(vertx.close());
  }

  private Connection jdbc() throws Exception {
    JsonObject pg = lease.postgresConnect();
    return DriverManager.getConnection("jdbc:postgresql://" + pg.getString("host") + ":" + pg.getInteger("port") + "/"
      + pg.getString("database"), pg.getString("user"), pg.getString("password"));
  }

  private String trial(int rows, boolean warmUp) throws Exception {
    String exchange = "probe" + System.currentTimeMillis();
    long tradesPerSecond = Long.getLong("probe.tradesPerSecond", 10_000);
    long baseMs = System.currentTimeMillis() - rows * 1000L / tradesPerSecond;
    List<TradeRecord> trades = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      long seq = i / 2 + 1;
      String price = (i % 2 == 0 ? "97000." : "3500.") + (i % 97);
      trades.add(new TradeRecord(exchange, INSTRUMENTS.get(i % 2), (i % 2 == 0 ? "B-" : "E-") + seq, seq,
        new BigDecimal(price), new BigDecimal("0.0" + (1 + i % 9)), i % 3 == 0 ? "sell" : "buy", baseMs + i * 1000L / tradesPerSecond));
    }
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      // Both sides start from an empty table (the ceiling gets a fresh one): same index sizes.
      s.execute("TRUNCATE trades, ohlc");
      s.execute("CHECKPOINT");
    }
    preload(trades);

    double persistedBefore = persistedCounter();
    Cpu cpuBefore = cpuNow();
    long start = System.nanoTime();
    ActivitySampler sampler = Boolean.getBoolean("probe.sample") && !warmUp ? new ActivitySampler() : null;
    TradeKit kit = await(TradeKit.start(vertx, config(exchange)));
    long ready = System.nanoTime();
    while (persistedCounter() - persistedBefore < rows) {
      TimeUnit.MILLISECONDS.sleep(5); // the probe's main thread, not an event loop
    }
    long done = System.nanoTime();
    Cpu cpu = cpuNow().minus(cpuBefore);
    String activity = sampler == null ? "" : sampler.stop();
    // The analyzer's backlog when the distributors finished: it must keep up, not only run.
    long analyzerLag = analyzerLag(exchange);
    await(kit.stop());
    long stored;
    try (Connection c = jdbc(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM trades WHERE exchange = '" + exchange + "'")) {
      rs.next();
      stored = rs.getLong(1);
    }
    if (stored != rows) {
      throw new IllegalStateException("expected " + rows + " rows persisted, found " + stored);
    }
    double rate = rows / ((done - start) / 1e9);
    double rateAfterStart = rows / ((done - ready) / 1e9);
    if (warmUp) {
      copyCeiling(exchange + "w", trades, 2, new double[1]);
      return "";
    }
    StringBuilder copies = new StringBuilder();
    double best = 0;
    double copyPgNanos = 0;
    for (int connections : List.of(1, 2, 4)) {
      double[] pgNanos = new double[1];
      double r = copyCeiling(exchange, trades, connections, pgNanos);
      copyPgNanos = r > best ? pgNanos[0] : copyPgNanos;
      copies.append(String.format(Locale.ROOT, " copy×%d %,.0f", connections, r));
      best = Math.max(best, r);
    }
    return String.format(Locale.ROOT, "distributor×2+analyzer %,.0f rows/s (%,.0f after start; start %d ms); COPY ceiling %,.0f rows/s"
        + " [%s ]; ratio %.2f; analyzer lag at end %d notes; CPU µs/row jvm %.1f pg %.1f redis %.1f; best COPY pg %.1f µs/row%s",
      rate, rateAfterStart, TimeUnit.NANOSECONDS.toMillis(ready - start), best, copies, rate / best, analyzerLag,
      cpu.jvm / 1e3 / rows, cpu.pg / 1e3 / rows, cpu.redis / 1e3 / rows, copyPgNanos / 1e3 / rows, activity);
  }

  private JsonObject config(String exchange) {
    JsonArray instruments = new JsonArray(INSTRUMENTS);
    JsonObject distributorConfig = new JsonObject().put("exchange", exchange).put("instruments", instruments);
    Integer batch = Integer.getInteger("probe.batchSize");
    if (batch != null) {
      distributorConfig.put("batchSize", batch);
    }
    JsonArray services = new JsonArray();
    boolean analyzer = Boolean.parseBoolean(System.getProperty("probe.analyzer", "true"));
    if (analyzer) {
      services.add(new JsonObject().put("name", "analyzer").put("verticle", "io.tradekit.verticles.analyzer.AnalyzerService")
        .put("uses", new JsonArray().add("postgres").add("redis"))
        .put("config", new JsonObject().put("exchange", exchange).put("instruments", instruments)));
    }
    services.add(new JsonObject().put("name", "distributor").put("verticle", "io.tradekit.verticles.distributor.DistributorService")
      .put("instances", Integer.getInteger("probe.instances", 2)).put("uses", new JsonArray().add("postgres").add("redis")).put("stopTimeoutMs", 60_000)
      .put("dependsOn", analyzer ? new JsonArray().add("analyzer") : new JsonArray())
      .put("config", distributorConfig));
    return new JsonObject().put("admin", new JsonObject().put("enabled", false))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
          .put("pool", new JsonObject().put("maxSize", Integer.getInteger("probe.poolSize", 8))))
        .put("redis", new JsonObject().put("type", "redis").put("options", new JsonObject()
          .put("endpoints", new JsonArray().add(lease.redisEndpoint())).put("maxPoolSize", 8).put("maxPoolWaiting", 4096))))
      .put("services", services);
  }

  /** XADDs every trade (pipelined, 4 batches of 500 in flight); every reply is checked. */
  private void preload(List<TradeRecord> trades) throws Exception {
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> new Object() {
      int next;
      int inFlight;

      void pump() {
        while (inFlight < 4 && next < trades.size()) {
          List<Request> batch = new ArrayList<>();
          for (int i = next; i < Math.min(trades.size(), next + 500); i++) {
            TradeRecord t = trades.get(i);
            batch.add(GroupConsumer.xadd(Streams.key(t.exchange(), Streams.TRADES, t.instrument()), 0, t.toFields(t.timestampMs())));
          }
          next += batch.size();
          inFlight++;
          redis.batch(batch).onComplete(ar -> {
            inFlight--;
            if (ar.failed()) {
              done.tryFail(ar.cause());
            } else if (next >= trades.size() && inFlight == 0) {
              done.tryComplete();
            } else {
              pump();
            }
          });
        }
      }
    }.pump());
    await(done.future());
  }

  private long analyzerLag(String exchange) throws Exception {
    Response groups = await(redis.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(Streams.persisted(exchange))));
    long lag = 0;
    for (int i = 0; i < groups.size(); i++) {
      Response g = groups.get(i);
      Response pending = g.get("pending");
      Response l = g.get("lag");
      lag += (pending == null ? 0 : pending.toLong()) + (l == null ? 0 : l.toLong());
    }
    return lag;
  }

  /**
   * COPY (text format) of the same rows into a fresh {@code LIKE trades INCLUDING ALL} table over
   * {@code connections} parallel connections; the payload is encoded before the clock starts.
   */
  private double copyCeiling(String exchange, List<TradeRecord> trades, int connections, double[] pgNanos) throws Exception {
    String table = "trades_copy_" + System.nanoTime();
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + table + " (LIKE trades INCLUDING ALL)");
      s.execute("CHECKPOINT");
    }
    List<byte[]> payloads = new ArrayList<>();
    for (int k = 0; k < connections; k++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = k; i < trades.size(); i += connections) {
        TradeRecord t = trades.get(i);
        out.writeBytes((exchange + '\t' + t.instrument() + '\t' + t.tradeId() + '\t' + t.tradeSeq() + '\t' + t.price().toPlainString()
          + '\t' + t.amount().toPlainString() + '\t' + t.direction() + '\t' + Instant.ofEpochMilli(t.timestampMs()) + '\n')
          .getBytes(StandardCharsets.UTF_8));
      }
      payloads.add(out.toByteArray());
    }
    List<Connection> conns = new ArrayList<>();
    for (int k = 0; k < connections; k++) {
      conns.add(jdbc());
    }
    ExecutorService pool = Executors.newFixedThreadPool(connections);
    try {
      Cpu before = cpuNow();
      long start = System.nanoTime();
      List<java.util.concurrent.Future<Long>> results = new ArrayList<>();
      for (int k = 0; k < connections; k++) {
        Connection c = conns.get(k);
        byte[] payload = payloads.get(k);
        results.add(pool.submit(() -> c.unwrap(PGConnection.class).getCopyAPI()
          .copyIn("COPY " + table + " (exchange, instrument, trade_id, trade_seq, price, amount, direction, ts) FROM STDIN",
            new ByteArrayInputStream(payload))));
      }
      long total = 0;
      for (java.util.concurrent.Future<Long> r : results) {
        total += r.get();
      }
      double rate = total / ((System.nanoTime() - start) / 1e9);
      pgNanos[0] = cpuNow().minus(before).pg; // before the connections close: an exited backend's time leaves /proc
      if (total != trades.size()) {
        throw new IllegalStateException("COPY wrote " + total + " rows, expected " + trades.size());
      }
      return rate;
    } finally {
      pool.shutdown();
      for (Connection c : conns) {
        c.close();
      }
      try (Connection c = jdbc(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE " + table);
      }
    }
  }

  /**
   * Samples pg_stat_activity every 20 ms on its own thread: what the non-idle backends of this
   * database are doing (wait event, first words of the query), counted; a poor man's profile of PG.
   */
  private final class ActivitySampler {
    private final java.util.Map<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean running = true;
    private final Thread thread = new Thread(this::run, "probe-pg-sampler");
    private int samples;

    ActivitySampler() {
      thread.start();
    }

    private void run() {
      try (Connection c = jdbc(); Statement s = c.createStatement()) {
        while (running) {
          try (ResultSet rs = s.executeQuery("SELECT state, coalesce(wait_event_type, '-') || ':' || coalesce(wait_event, 'CPU'),"
            + " left(regexp_replace(query, '\\s+', ' ', 'g'), 40) FROM pg_stat_activity"
            + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")) {
            while (rs.next()) {
              String state = rs.getString(1);
              String key = "idle".equals(state) ? "idle" : state + " " + rs.getString(2) + " " + rs.getString(3);
              counts.merge(key, 1, Integer::sum);
            }
          }
          samples++;
          TimeUnit.MILLISECONDS.sleep(20);
        }
      } catch (Exception e) {
        counts.put("sampler failed: " + e, 1);
      }
    }

    String stop() throws InterruptedException {
      running = false;
      thread.join();
      StringBuilder out = new StringBuilder("\n  pg_stat_activity, " + samples + " samples (backends × samples):");
      counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(14)
        .forEach(e -> out.append("\n    ").append(String.format(Locale.ROOT, "%6d  %s", e.getValue(), e.getKey())));
      return out.toString();
    }
  }

  private static double persistedCounter() {
    return KitMetrics.registry().find("tradekit.distributor.trades.persisted").counters().stream()
      .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }

  /** CPU used by this JVM, by the embedded PostgreSQL (postmaster and its children, /proc) and by Redis (INFO), ns. */
  private record Cpu(long jvm, long pg, long redis) {
    Cpu minus(Cpu o) {
      return new Cpu(jvm - o.jvm, pg - o.pg, redis - o.redis);
    }
  }

  private long postmasterPid = -1;

  private Cpu cpuNow() throws Exception {
    long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    if (postmasterPid < 0) {
      try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        postmasterPid = Long.parseLong(stat(rs.getLong(1))[1]);
      }
    }
    long pgTicks = 0;
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        try {
          long pid = Long.parseLong(proc.getFileName().toString());
          String[] f = stat(pid);
          if (pid == postmasterPid || Long.parseLong(f[1]) == postmasterPid) {
            pgTicks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        } catch (Exception gone) {
          // exited between listing and reading: its time is no longer attributable
        }
      }
    }
    String info = await(redis.send(Request.cmd(Command.INFO).arg("cpu"))).toString();
    double redisSeconds = 0;
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        redisSeconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return new Cpu(jvm, pgTicks * 10_000_000L, (long) (redisSeconds * 1e9));
  }

  /** Fields of /proc/pid/stat after "(comm) ": state 0, ppid 1, utime 11, stime 12. */
  private static String[] stat(long pid) throws java.io.IOException {
    return Files.readString(Path.of("/proc/" + pid + "/stat")).split("\\) ", 2)[1].split(" ");
  }
}
