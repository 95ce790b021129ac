package io.tradekit.verticles.bench;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.feed.FeedClient;
import io.tradekit.feed.FeedOptions;
import io.tradekit.health.KitMetrics;
import io.tradekit.pg.BulkUpsert;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.CommandResult;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.redis.RedisResource;
import io.tradekit.resource.ResourceFactories;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Tuple;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;


import static io.tradekit.verticles.bench.BenchSupport.await;

/**
 * The benchmark harness (not a test): ingest, latency, persistence and stall recovery, each side by
 * side with its ceiling in the same run, plus shutdown under load and start-up in {@link ProcessBench}.
 * The load generator (simulated exchange) runs in its own process. Prints a table and writes
 * {@code bench-results/pipeline.json}.
 *
 * <p>Run: {@code java -cp verticles/target/tradekit.jar io.tradekit.verticles.bench.PipelineBenchmark [ingestSeconds]}
 */
public final class PipelineBenchmark {

  static final List<String> INSTRUMENTS = List.of("BTC-PERPETUAL", "ETH-PERPETUAL");
  private final Vertx vertx = Vertx.vertx();
  private final Path dir;
  private final JsonObject results = new JsonObject();
  private final List<String[]> table = new ArrayList<>();
  private DevServices.Lease lease;
  private RedisResource redis;
  private PgResource pg;

  private PipelineBenchmark(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws Exception {
    int ingestSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    // Optional second argument: a comma-separated subset of ingest,latency,persistence,stalls,process.
    List<String> only = args.length > 1 ? List.of(args[1].split(",")) : List.of("ingest", "latency", "persistence", "stalls", "process");
    Path dir = Files.createDirectories(Path.of("bench-results"));
    PipelineBenchmark bench = new PipelineBenchmark(dir);
    try {
      bench.setUp();
      if (only.contains("ingest")) {
        bench.ingest(ingestSeconds);
      }
      if (only.contains("latency")) {
        bench.latency(10_000, 15);
      }
      if (only.contains("persistence")) {
        bench.persistence(200_000, Integer.getInteger("bench.persistenceTrials", 3));
      }
      if (only.contains("stalls")) {
        bench.stalls(20);
      }
      if (only.contains("process")) {
        new ProcessBench(bench.vertx, dir, bench.lease, bench.results, bench.table).run(10_000, 10);
      }
      bench.report();
    } finally {
      bench.tearDown();
    }
  }

  private void setUp() throws Exception {
    long start = System.nanoTime();
    lease = await(DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)));
    results.put("devServicesStartMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    JsonObject pgBlock = new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
      .put("pool", new JsonObject().put("maxSize", 8)).put("migrations", new JsonObject().put("enabled", true));
    pg = (PgResource) ResourceFactories.create(vertx, "bench-pg", pgBlock, "bench");
    redis = (RedisResource) ResourceFactories.create(vertx, "bench-redis", new JsonObject().put("type", "redis")
      .put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint())).put("maxPoolSize", 8)
        .put("maxPoolWaiting", 4096)), "bench");
    await(pg.open().compose(v -> pg.migrate()).compose(v -> redis.open()));
  }

  private void tearDown() throws Exception {
    if (redis != null) {
      await(redis.close().compose(v -> pg.close()).compose(v -> lease.release()));
    }
    await(vertx.close());
  }

  JsonObject pipelineConfig(String exchange, int exchangePort, boolean receiver, boolean distributor, boolean analyzer) {
    JsonArray instruments = new JsonArray(INSTRUMENTS);
    JsonArray services = new JsonArray();
    if (analyzer) {
      services.add(new JsonObject().put("name", "analyzer").put("verticle", "io.tradekit.verticles.analyzer.AnalyzerService")
        .put("uses", new JsonArray().add("postgres").add("redis"))
        .put("config", new JsonObject().put("exchange", exchange).put("instruments", instruments).put("tickerRefreshMs", 0)));
    }
    if (distributor) {
      services.add(new JsonObject().put("name", "distributor").put("verticle", "io.tradekit.verticles.distributor.DistributorService")
        .put("instances", 2).put("uses", new JsonArray().add("postgres").add("redis")).put("stopTimeoutMs", 30_000)
        .put("dependsOn", analyzer ? new JsonArray().add("analyzer") : new JsonArray())
        .put("config", new JsonObject().put("exchange", exchange).put("instruments", instruments).put("blockMs", 200)
          .put("batchSize", Integer.getInteger("bench.distributorBatch", 500))));
    }
    if (receiver) {
      services.add(new JsonObject().put("name", "receiver-" + exchange).put("verticle", "io.tradekit.verticles.receiver.ReceiverService")
        .put("uses", new JsonArray().add("redis")).put("stopTimeoutMs", 30_000)
        .put("dependsOn", distributor ? new JsonArray().add("distributor") : new JsonArray())
        .put("config", new JsonObject().put("exchange", exchange).put("instruments", instruments).put("kinds", new JsonArray().add("trades"))
          // No trimming: at the maximum rate one stream can exceed the default MAXLEN ~ 1,000,000 in
          // 20 s, and a trimmed stream would look like lost messages.
          .put("maxLen", 0)
          .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + exchangePort + "/ws/api/v2").put("heartbeatIntervalMs", 10_000)
            .put("queueCapacity", 100_000))));
    }
    return new JsonObject().put("admin", new JsonObject().put("enabled", false))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
          .put("pool", new JsonObject().put("maxSize", 8)))
        .put("redis", new JsonObject().put("type", "redis").put("options", new JsonObject()
          .put("endpoints", new JsonArray().add(lease.redisEndpoint())).put("maxPoolSize", 8).put("maxPoolWaiting", 4096))))
      .put("services", services);
  }

  long streamLength(String exchange) throws Exception {
    long total = 0;
    for (String instrument : INSTRUMENTS) {
      total += await(redis.send(Request.cmd(io.vertx.redis.client.Command.XLEN).arg(Streams.key(exchange, Streams.TRADES, instrument)), true)).toLong();
    }
    return total;
  }

  /** 1. Ingest at maximum rate, with both ceilings measured in the same run. */
  private void ingest(int seconds) throws Exception {
    int port = BenchSupport.freePort();
    Process exchange = BenchSupport.startExchange(dir, port, "max", INSTRUMENTS);
    try {
      String name = "ingest" + System.currentTimeMillis();
      TradeKit kit = await(TradeKit.start(vertx, pipelineConfig(name, port, true, false, false)));
      long sentBefore = BenchSupport.exchangeStats(port).getLong("tradesSent");
      TimeUnit.SECONDS.sleep(seconds); // the measured window (harness thread)
      for (String instrument : INSTRUMENTS) {
        BenchSupport.fault(port, new JsonObject().put("type", "silence").put("durationMs", 600_000)
          .put("channel", "trades." + instrument + ".100ms"));
      }
      long sent = BenchSupport.exchangeStats(port).getLong("tradesSent");
      try {
        BenchSupport.waitUntil(120_000, "receiver caught up", () -> {
          try {
            return streamLength(name) >= sent;
          } catch (Exception e) {
            return false;
          }
        });
      } catch (IllegalStateException notAllStored) {
        // Reported below as lost (sent - stored) rather than ending the whole run.
        System.out.println("ingest: " + notAllStored.getMessage());
      }
      await(kit.stop());
      long stored = streamLength(name);
      double rate = (sent - sentBefore) / (double) seconds;
      // Ceiling A: the WebSocket read rate with no Redis at all.
      double readRate = webSocketReadRate(port, Math.min(seconds, 10));
      // Ceiling B: the same XADD load sent directly with the kit's Redis client.
      double xaddRate = directXadd("ceiling" + System.currentTimeMillis(), (int) Math.min(stored, 1_000_000));
      results.put("ingest", new JsonObject().put("seconds", seconds).put("messagesPerSecond", Math.round(rate))
        .put("sent", sent).put("stored", stored).put("lost", sent - stored)
        .put("webSocketReadPerSecond", Math.round(readRate)).put("directXaddPerSecond", Math.round(xaddRate)));
      row("1 ingest (exchange→WS→receiver→Redis), msg/s", rate, "lost " + (sent - stored));
      row("  ceiling: WebSocket read, no Redis, msg/s", readRate, String.format(Locale.ROOT, "ratio %.2f", rate / readRate));
      row("  ceiling: direct pipelined XADD, entries/s", xaddRate, String.format(Locale.ROOT, "ratio %.2f", rate / xaddRate));
    } finally {
      BenchSupport.stop(exchange);
    }
  }

  private double webSocketReadRate(int port, int seconds) throws Exception {
    // The silence faults from the ingest run are still active: clear them first.
    java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + "/admin/faults")).DELETE().build(),
      java.net.http.HttpResponse.BodyHandlers.discarding());
    AtomicLong trades = new AtomicLong();
    FeedClient feed = new FeedClient(vertx, new FeedOptions().setName("bench-read").setUrl("ws://127.0.0.1:" + port + "/ws/api/v2")
      .setChannels(INSTRUMENTS.stream().map(i -> "trades." + i + ".100ms").toList()).setHeartbeatIntervalMs(10_000)
      .setQueueCapacity(100_000));
    feed.handler(batch -> {
      batch.forEach(m -> trades.addAndGet(((JsonArray) m.data()).size()));
      return Future.succeededFuture();
    });
    await(feed.start());
    BenchSupport.waitUntil(10_000, "feed connected", feed::isConnected);
    long before = trades.get();
    long start = System.nanoTime();
    TimeUnit.SECONDS.sleep(seconds);
    double rate = (trades.get() - before) / ((System.nanoTime() - start) / 1e9);
    await(feed.stop());
    return rate;
  }

  double directXadd(String exchange, int entries) throws Exception {
    List<Request> all = new ArrayList<>(entries);
    long now = System.currentTimeMillis();
    for (int i = 0; i < entries; i++) {
      TradeRecord t = new TradeRecord(exchange, INSTRUMENTS.get(i % 2), "t" + i, i, new BigDecimal("97000.5"),
        BigDecimal.TEN, "buy", now);
      all.add(GroupConsumer.xadd(Streams.key(exchange, Streams.TRADES, t.instrument()), 1_000_000, t.toFields(now)));
    }
    long start = System.nanoTime();
    // Same batch size as the receiver (200) and a steady 4 batches in flight, like its writer.
    int batch = 200;
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    int[] next = {0};
    int[] inFlight = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (inFlight[0] < 4 && next[0] < entries) {
        List<Request> chunk = all.subList(next[0], Math.min(entries, next[0] + batch));
        next[0] += chunk.size();
        inFlight[0]++;
        redis.pipeline(chunk, false).onComplete(ar -> {
          inFlight[0]--;
          if (ar.failed()) {
            done.tryFail(ar.cause());
          } else if (next[0] >= entries && inFlight[0] == 0) {
            done.tryComplete();
          } else {
            pump[0].run();
          }
        });
      }
    };
    vertx.runOnContext(v -> pump[0].run());
    await(done.future());
    return entries / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * 2. End-to-end latency at a fixed rate: exchange send timestamp (the trade's {@code ts}) → XADD
   * acknowledged (the millisecond part of the entry id Redis assigned). Measured on every entry
   * after a warm-up, exactly (no histogram buckets); same machine, same clock.
   */
  private void latency(int rate, int seconds) throws Exception {
    int port = BenchSupport.freePort();
    Process exchange = BenchSupport.startExchange(dir, port, rate, INSTRUMENTS);
    try {
      String name = "latency" + System.currentTimeMillis();
      TradeKit kit = await(TradeKit.start(vertx, pipelineConfig(name, port, true, false, false)));
      TimeUnit.SECONDS.sleep(5); // warm-up: connections, JIT; excluded below
      long measureFromMs = System.currentTimeMillis();
      TimeUnit.SECONDS.sleep(seconds);
      long measureToMs = System.currentTimeMillis();
      await(kit.stop());
      List<Long> latencies = new ArrayList<>();
      for (String instrument : INSTRUMENTS) {
        String stream = Streams.key(name, Streams.TRADES, instrument);
        String from = "-";
        while (true) {
          io.vertx.redis.client.Response page = await(redis.send(Request.cmd(io.vertx.redis.client.Command.XRANGE).arg(stream)
            .arg(from).arg("+").arg("COUNT").arg(10_000), true));
          if (page.size() == 0) {
            break;
          }
          String lastId = null;
          for (int i = 0; i < page.size(); i++) {
            io.vertx.redis.client.Response entry = page.get(i);
            lastId = entry.get(0).toString();
            io.vertx.redis.client.Response fields = entry.get(1);
            for (int f = 0; f + 1 < fields.size(); f += 2) {
              if (fields.get(f).toString().equals("ts")) {
                long sentMs = Long.parseLong(fields.get(f + 1).toString());
                long ackMs = Long.parseLong(lastId.substring(0, lastId.indexOf('-')));
                if (sentMs >= measureFromMs && sentMs <= measureToMs) {
                  latencies.add(Math.max(0, ackMs - sentMs));
                }
              }
            }
          }
          from = "(" + lastId;
          if (page.size() < 10_000) {
            break;
          }
        }
      }
      JsonObject lat = new JsonObject().put("ratePerSecond", rate).put("warmupSeconds", 5).put("measuredSeconds", seconds)
        .put("samples", latencies.size()).put("p50Ms", BenchSupport.percentile(latencies, 0.5))
        .put("p99Ms", BenchSupport.percentile(latencies, 0.99)).put("p999Ms", BenchSupport.percentile(latencies, 0.999))
        .put("maxMs", BenchSupport.percentile(latencies, 1.0));
      results.put("latency", lat);
      row("2 latency @" + rate + "/s p50 / p99 / p99.9 / max, ms", Double.NaN, String.format(Locale.ROOT, "%.0f / %.0f / %.0f / %.0f (%,d samples)",
        lat.getDouble("p50Ms"), lat.getDouble("p99Ms"), lat.getDouble("p999Ms"), lat.getDouble("maxMs"), latencies.size()));
    } finally {
      BenchSupport.stop(exchange);
    }
  }

  /**
   * 3. Persistence: streams → distributor → PostgreSQL, against a direct bulk UNNEST insert. Each
   * trial runs the distributors, then the ceiling, so both see the same machine state. After one
   * warm-up (JIT), the median of the trials is reported because on a shared 2-core VM single
   * trials vary by ±30%; CPU per row (this JVM, PostgreSQL, Redis) is reported too, as it is
   * steadier than wall time and shows where the work goes.
   */
  private void persistence(int rows, int trials) throws Exception {
    persistOnce(rows / 4); // warm-up, not counted
    List<Double> rates = new ArrayList<>();
    List<Double> ceilings = new ArrayList<>();
    BenchSupport.CpuSample cpu = null;
    JsonArray trialResults = new JsonArray();
    for (int trial = 0; trial < trials; trial++) {
      PersistTrial run = persistOnce(rows);
      double rate = run.rowsPerSecond();
      cpu = cpu == null ? run.cpu() : cpu.plus(run.cpu());
      double ceiling = directBulkInsert("ceiling", rows);
      rates.add(rate);
      ceilings.add(ceiling);
      trialResults.add(new JsonObject().put("rowsPerSecond", Math.round(rate)).put("directBulkInsertRowsPerSecond", Math.round(ceiling)));
    }
    double rate = BenchSupport.median(rates);
    double ceiling = BenchSupport.median(ceilings);
    double rowsMeasured = (double) rows * trials;
    results.put("persistence", new JsonObject().put("rows", rows).put("trials", trialResults)
      .put("rowsPerSecond", Math.round(rate)).put("directBulkInsertRowsPerSecond", Math.round(ceiling)).put("ratio", rate / ceiling)
      .put("cpuMicrosPerRow", cpu.perRowJson(rowsMeasured)));
    row("3 persistence (streams→distributor×2→PG), rows/s, median of " + trials, rate, "trials " + BenchSupport.rounded(rates));
    row("  ceiling: direct bulk UNNEST insert (5,000/batch), rows/s", ceiling,
      String.format(Locale.ROOT, "ratio %.2f; trials %s", rate / ceiling, BenchSupport.rounded(ceilings)));
    row("  CPU per row (JVM / PostgreSQL / Redis), µs", Double.NaN, cpu.perRowText(rowsMeasured));
  }

  /**
   * One persistence trial: rows/s of two distributors persisting entries written to the streams
   * beforehand, and the CPU used from their start until the last row was persisted (sampled before
   * the pool closes: an exited backend's time leaves /proc).
   */
  private record PersistTrial(double rowsPerSecond, BenchSupport.CpuSample cpu) {
  }

  private PersistTrial persistOnce(int rows) throws Exception {
    String name = "persist" + System.currentTimeMillis();
    directXadd(name, rows);
    // Progress comes from the distributors' own counter (in this JVM), not from polling count(*):
    // a count every 20 ms scans the growing table and takes PostgreSQL CPU from the very inserts
    // being measured. One count(*) at the end checks the result.
    double persistedBefore = persistedCounter();
    BenchSupport.CpuSample cpuBefore = BenchSupport.CpuSample.now();
    long start = System.nanoTime();
    TradeKit kit = await(TradeKit.start(vertx, pipelineConfig(name, 0, false, true, false)));
    BenchSupport.waitUntil(600_000, "all rows persisted", () -> persistedCounter() - persistedBefore >= rows);
    double rate = rows / ((System.nanoTime() - start) / 1e9);
    BenchSupport.CpuSample cpuUsed = BenchSupport.CpuSample.now().minus(cpuBefore);
    await(kit.stop());
    long stored = await(pg.query("SELECT count(*) FROM trades WHERE exchange = $1", Tuple.of(name), true)).iterator().next().getLong(0);
    if (stored != rows) {
      throw new IllegalStateException("persistence: expected " + rows + " rows in trades, found " + stored);
    }
    return new PersistTrial(rate, cpuUsed);
  }

  /** @return rows/s of the kit's own bulk UNNEST upsert of {@code rows} trades into a fresh copy of the table */
  private double directBulkInsert(String exchange, int rows) throws Exception {
    String table = "trades_ceiling_" + System.currentTimeMillis();
    await(pg.query("CREATE TABLE " + table + " (LIKE trades INCLUDING ALL)", Tuple.tuple(), false));
    List<Object[]> data = new ArrayList<>(rows);
    Instant ts = Instant.now();
    for (int i = 0; i < rows; i++) {
      data.add(new Object[] {exchange, INSTRUMENTS.get(i % 2), "t" + i, (long) i, "97000.5", "10", "buy",
        java.time.OffsetDateTime.ofInstant(ts, java.time.ZoneOffset.UTC)});
    }
    BulkUpsert spec = BulkUpsert.into(table).column("exchange", "text").column("instrument", "text").column("trade_id", "text")
      .column("trade_seq", "bigint").column("price", "numeric").column("amount", "numeric").column("direction", "text")
      .column("ts", "timestamptz").onConflict("exchange", "instrument", "trade_id").batchSize(5_000);
    long start = System.nanoTime();
    await(pg.bulkUpsert(spec, data, r -> r));
    double ceiling = rows / ((System.nanoTime() - start) / 1e9);
    await(pg.query("DROP TABLE " + table, Tuple.tuple(), false));
    return ceiling;
  }

  private double persistedCounter() {
    return KitMetrics.of(vertx).registry().find("tradekit.distributor.trades.persisted").counters().stream()
      .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  /** 4. Stall recovery: detection time and time to first message after each induced stall. */
  private void stalls(int trials) throws Exception {
    int port = BenchSupport.freePort();
    Process exchange = BenchSupport.startExchange(dir, port, 500, INSTRUMENTS);
    long heartbeatMs = 500;
    int k = 3;
    long stallMs = 2_500;
    try {
      AtomicLong disconnectNanos = new AtomicLong();
      AtomicLong lastMessageNanos = new AtomicLong();
      FeedClient feed = new FeedClient(vertx, new FeedOptions().setName("bench-stall").setUrl("ws://127.0.0.1:" + port + "/ws/api/v2")
        .setChannels(INSTRUMENTS.stream().map(i -> "trades." + i + ".100ms").toList()).setHeartbeatIntervalMs(heartbeatMs)
        .setStallFactor(k).setReconnectMinMs(20).setReconnectMaxMs(100));
      feed.handler(batch -> {
        lastMessageNanos.set(System.nanoTime());
        return Future.succeededFuture();
      }).connectionHandler(up -> {
        if (!up) {
          disconnectNanos.set(System.nanoTime());
        }
      });
      await(feed.start());
      BenchSupport.waitUntil(10_000, "feed connected", feed::isConnected);
      List<Long> detection = new ArrayList<>();
      List<Long> recovery = new ArrayList<>();
      for (int i = 0; i < trials; i++) {
        BenchSupport.waitUntil(10_000, "data flowing", () -> System.nanoTime() - lastMessageNanos.get() < 200_000_000L);
        disconnectNanos.set(0);
        long injected = System.nanoTime();
        BenchSupport.fault(port, new JsonObject().put("type", "stall").put("durationMs", stallMs));
        BenchSupport.waitUntil(10_000, "stall detected", () -> disconnectNanos.get() != 0);
        detection.add(TimeUnit.NANOSECONDS.toMillis(disconnectNanos.get() - injected));
        long faultEnd = injected + TimeUnit.MILLISECONDS.toNanos(stallMs);
        BenchSupport.waitUntil(10_000, "data after the stall", () -> lastMessageNanos.get() > faultEnd);
        recovery.add(TimeUnit.NANOSECONDS.toMillis(lastMessageNanos.get() - faultEnd));
      }
      await(feed.stop());
      long bound = heartbeatMs * k;
      JsonObject s = new JsonObject().put("trials", trials).put("heartbeatIntervalMs", heartbeatMs).put("k", k)
        .put("boundMs", bound + 250)
        .put("detectionMs", new JsonObject().put("min", BenchSupport.percentile(detection, 0)).put("median", BenchSupport.percentile(detection, 0.5))
          .put("max", BenchSupport.percentile(detection, 1)))
        .put("firstMessageAfterFaultMs", new JsonObject().put("min", BenchSupport.percentile(recovery, 0))
          .put("median", BenchSupport.percentile(recovery, 0.5)).put("max", BenchSupport.percentile(recovery, 1)));
      results.put("stallRecovery", s);
      row("4 stall detection min/median/max, ms (k×interval=" + bound + ")", Double.NaN, String.format(Locale.ROOT, "%.0f / %.0f / %.0f",
        BenchSupport.percentile(detection, 0), BenchSupport.percentile(detection, 0.5), BenchSupport.percentile(detection, 1)));
      row("  first message after fault end min/median/max, ms", Double.NaN, String.format(Locale.ROOT, "%.0f / %.0f / %.0f",
        BenchSupport.percentile(recovery, 0), BenchSupport.percentile(recovery, 0.5), BenchSupport.percentile(recovery, 1)));
    } finally {
      BenchSupport.stop(exchange);
    }
  }

  void row(String what, double value, String note) {
    table.add(new String[] {what, Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%,.0f", value), note});
  }

  private void report() throws Exception {
    String machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
      + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version");
    results.put("machine", machine).put("date", Instant.now().toString());
    System.out.println("tradekit pipeline benchmark — " + machine + ", " + Instant.now());
    System.out.printf(Locale.ROOT, "%-60s %14s  %s%n", "measure", "value", "note");
    for (String[] r : table) {
      System.out.printf(Locale.ROOT, "%-60s %14s  %s%n", r[0], r[1], r[2]);
    }
    Files.writeString(dir.resolve("pipeline.json"), results.encodePrettily());
    System.out.println("written: " + dir.resolve("pipeline.json").toAbsolutePath());
  }
}
