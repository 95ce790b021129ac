package io.tradekit.bench;

import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import static io.tradekit.bench.BenchContext.await;

/**
 * Persistence: {@code --persist-rows} trades preloaded into the trade streams (checked XADDs), then
 * one production process running the analyzer and two distributor instances drains them into
 * PostgreSQL. rows/s = rows stored after the process was ready / time from ready to the last row
 * (the distributors' persisted counter scraped from its {@code /metrics}, checked against
 * {@code count(*)} at the end). Ceiling: {@link CopyCeiling}, {@code COPY} of the same rows into an
 * identical empty table in the same run.
 */
final class PersistenceMeasure {

  static final double TARGET_RATIO = 0.60;
  private final BenchContext ctx;

  PersistenceMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    String name = "persist" + System.currentTimeMillis();
    int rows = ctx.options.persistRows;
    JsonObject d = new JsonObject().put("exchange", name).put("rows", rows);
    ctx.details.put("persistence", d);
    long preloadNanos = await(new XaddPump(ctx.redis(), rows, 1_000, 8, i -> entry(name, i)).run(ctx.vertx.getOrCreateContext()));
    d.put("preloadSeconds", preloadNanos / 1e9);
    JsonArray instruments = new JsonArray(BenchContext.INSTRUMENTS);
    int adminPort = BenchContext.freePort();
    JsonObject config = new JsonObject().put("admin", new JsonObject().put("port", adminPort))
      .put("resources", new JsonObject().put("postgres", ctx.postgresBlock()).put("redis", ctx.redisBlock()))
      .put("services", new JsonArray()
        .add(new JsonObject().put("name", "analyzer").put("verticle", "io.tradekit.verticles.analyzer.AnalyzerService")
          .put("uses", new JsonArray().add("postgres").add("redis"))
          .put("config", new JsonObject().put("exchange", name).put("instruments", instruments)))
        .add(new JsonObject().put("name", "distributor").put("verticle", "io.tradekit.verticles.distributor.DistributorService")
          .put("instances", 2).put("dependsOn", new JsonArray().add("analyzer")).put("uses", new JsonArray().add("postgres").add("redis"))
          .put("config", new JsonObject().put("exchange", name).put("instruments", instruments))));
    List<String> jvm = List.of("-Xmx512m");
    d.put("jvmArgs", new JsonArray(jvm));
    double rate;
    long stored;
    try (Child pipeline = ctx.spawn("persistence-" + name, jvm, List.of("-conf", ctx.writeConfig("persistence-" + name, config).toString()),
      adminPort)) {
      pipeline.awaitReady(120_000);
      long t0 = System.nanoTime();
      long cpu0 = pipeline.cpuNanos();
      long atReady = count(name);
      boolean viaMetrics = persisted(pipeline) != null;
      boolean done = Wait.within(600_000, viaMetrics ? 50 : 500, () -> {
        if (!pipeline.alive()) {
          throw new IllegalStateException("the pipeline process exited with " + pipeline.process.exitValue() + "; see " + pipeline.log);
        }
        // Polling count(*) scans the growing table and takes PostgreSQL CPU from the inserts being
        // measured: the distributors' own counter is read instead when the process exposes it.
        return viaMetrics ? persisted(pipeline) >= rows : count(name) >= rows;
      });
      long tEnd = System.nanoTime();
      long cpu = pipeline.cpuNanos() - cpu0;
      stored = count(name);
      rate = (stored - atReady) / ((tEnd - t0) / 1e9);
      d.put("storedAtReady", atReady).put("stored", stored).put("done", done).put("seconds", (tEnd - t0) / 1e9)
        .put("progressFrom", viaMetrics ? "tradekit_distributor_trades_persisted on /metrics" : "count(*) every 500 ms")
        .put("rowsPerSecond", rate).put("processCpuMicrosPerRow", cpu / 1e3 / Math.max(1, stored - atReady))
        .put("processVmHwmKb", pipeline.vmHwmKb());
      if (stored != rows) {
        throw new IllegalStateException("persistence: " + rows + " trades preloaded, " + stored + " rows in trades");
      }
    }
    List<CopyCeiling.Trial> trials = new CopyCeiling(ctx.lease().postgresConnect()).run(name, stored);
    CopyCeiling.Trial best = trials.stream().max(Comparator.comparingDouble(CopyCeiling.Trial::rowsPerSecond)).orElseThrow();
    JsonArray trialsJson = new JsonArray();
    trials.forEach(t -> trialsJson.add(new JsonObject().put("connections", t.connections()).put("rowsPerSecond", t.rowsPerSecond())));
    d.put("copyCeiling", trialsJson);
    Figure f = Figure.of("persistence", "rows stored/s (2 distributors + analyzer, streams → PostgreSQL)", rate, "rows/s")
      .ceiling("COPY of the same rows into an identical empty table, best of 1/2/4 connections (" + best.connections() + ")",
        best.rowsPerSecond())
      .note(String.format(Locale.ROOT, "%,d rows; %,d already stored when the process was ready", stored, d.getLong("storedAtReady")))
      .ratioTarget(TARGET_RATIO);
    ctx.add(f);
    ctx.add(Figure.of("persistence", "pipeline process CPU per row", d.getDouble("processCpuMicrosPerRow"), "µs"));
    await(ctx.pg().query("DELETE FROM trades WHERE exchange = $1", Tuple.of(name), false));
    ctx.dropStreams(name);
  }

  /** Trade {@code i} as the receiver writes it: [stream key, fields...]; prices vary, trade_seq consecutive per instrument. */
  private static List<String> entry(String exchange, int i) {
    String instrument = BenchContext.INSTRUMENTS.get(i % 2);
    long seq = i / 2 + 1;
    long ts = 1_767_225_600_000L + i; // 2026-01-01, one trade per ms
    TradeRecord t = new TradeRecord(exchange, instrument, Long.toString(100_000_000L + seq), seq,
      new BigDecimal(BigDecimal.valueOf(97_000 + (i % 2_000) / 2.0).toPlainString()), new BigDecimal("0.0" + (1 + i % 97)),
      i % 3 == 0 ? "sell" : "buy", ts);
    List<String> e = new ArrayList<>(21);
    e.add(Streams.key(exchange, Streams.TRADES, instrument));
    e.addAll(t.toFields(ts + 1));
    return e;
  }

  private long count(String exchange) throws Exception {
    return await(ctx.pg().query("SELECT count(*) FROM trades WHERE exchange = $1", Tuple.of(exchange), true)).iterator().next().getLong(0);
  }

  private static Double persisted(Child pipeline) throws Exception {
    return pipeline.metrics().sum("tradekit_distributor_trades_persisted");
  }
}
