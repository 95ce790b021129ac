package io.tradekit.bench;

import io.tradekit.verticles.md.Streams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tradekit.bench.BenchContext.await;

/**
 * Ingest: the simulated exchange at maximum rate (own process) into the receiver (own process,
 * default settings, nothing but the receiver service) into Redis.
 *
 * <p>The clock starts when the receiver is ready and stops when the trades stored (entries in the
 * trade streams, one per trade) reach the trades the exchange sent (less those the receiver shed
 * by its memory budget, which never arrive; such a run is marked): the window is
 * {@code --seconds}, then the exchange stops generating ({@link ExchangeAdmin#stallAndSettle}: it
 * takes no CPU while the receiver catches up, and what it queued is still delivered), and the
 * catch-up counts. Reported: trades/s and frames/s, the backlog at the end of the window, receiver
 * CPU per stored trade from {@code /proc/<pid>/stat}, its peak RSS (VmHWM), and shed trades
 * (scraped from its {@code /metrics}; a run that shed is marked).
 *
 * <p>Ceilings, same run, same Redis, same entries: {@code redis-benchmark} pipelined XADD of a
 * stored entry's fields (best of a {@code -P}/{@code -c} grid) and a direct pipelined XADD client of
 * the stored entries with every reply checked ({@link RespXadd}). The kit's own Redis client doing
 * the same is reported beside them (not a ceiling).
 */
final class IngestMeasure {

  static final double TARGET_TRADES_PER_SECOND = 100_000;
  static final double TARGET_CPU_MICROS_PER_TRADE = 8;
  /** A multiple of every -P × -c of the grid: redis-benchmark rounds the request count up to whole pipelines. */
  static final int RB_REQUESTS = 8_192 * 36;
  private final BenchContext ctx;

  IngestMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    String name = "ingest" + System.currentTimeMillis();
    int seconds = ctx.options.ingestSeconds;
    JsonObject d = new JsonObject().put("exchange", name).put("windowSeconds", seconds)
      .put("receiverJvmArgs", new JsonArray(ctx.options.receiverJvmArgs));
    ctx.details.put("ingest", d);
    long stored;
    double elapsedS;
    Figure trades;
    try (Child exchange = ctx.exchange("max")) {
      ExchangeAdmin admin = new ExchangeAdmin(exchange.adminPort);
      int adminPort = BenchContext.freePort();
      JsonObject config = new JsonObject().put("admin", new JsonObject().put("port", adminPort))
        .put("resources", new JsonObject().put("redis", ctx.redisBlock()))
        .put("services", new JsonArray().add(ctx.receiverService(name, exchange.adminPort)));
      d.put("receiverConfig", config.getJsonArray("services").getJsonObject(0).getJsonObject("config").copy());
      try (Child receiver = ctx.service("receiver-" + name, "receiver", config, ctx.options.receiverJvmArgs)) {
        receiver.awaitReady(60_000);
        long t0 = System.nanoTime();
        long cpu0 = receiver.cpuNanos();
        long stored0 = ctx.tradeEntries(name);
        Double frames0 = tradeFrames(receiver);
        TimeUnit.SECONDS.sleep(seconds); // the load window (harness thread)
        long sent = admin.stallAndSettle();
        long storedAtWindowEnd = ctx.tradeEntries(name);
        // Shed trades never arrive (they are recorded as gaps): the clock stops when every sent trade
        // is either stored or counted as shed by the receiver itself.
        boolean caughtUp = Wait.within(180_000, 20, () -> {
          long now = ctx.tradeEntries(name);
          if (now >= sent) {
            return true;
          }
          Double shedSoFar = receiver.metrics().sum("tradekit_receiver_shed_trades");
          return shedSoFar != null && shedSoFar > 0 && now + shedSoFar >= sent;
        });
        long tEnd = System.nanoTime();
        long cpu1 = receiver.cpuNanos();
        stored = ctx.tradeEntries(name);
        Prometheus m = receiver.metrics();
        Double frames1 = tradeFrames(m);
        Double shed = m.sum("tradekit_receiver_shed_trades");
        long hwmKb = receiver.vmHwmKb();
        elapsedS = (tEnd - t0) / 1e9;
        long storedInClock = stored - stored0;
        double rate = storedInClock / elapsedS;
        double cpuPerTrade = (cpu1 - cpu0) / 1e3 / storedInClock;
        // The per-channel counter appears with the channel's first message: absent at ready means 0.
        Double framesRate = frames1 == null ? null : (frames1 - (frames0 == null ? 0 : frames0)) / elapsedS;
        d.put("sent", sent).put("storedAtReady", stored0).put("storedAtWindowEnd", storedAtWindowEnd)
          .put("backlogAtWindowEnd", sent - storedAtWindowEnd).put("stored", stored).put("caughtUp", caughtUp)
          .put("missing", Math.max(0, sent - stored)).put("clockSeconds", elapsedS)
          .put("catchUpSeconds", elapsedS - seconds).put("tradesPerSecond", rate).put("framesPerSecond", framesRate)
          .put("receiverCpuSeconds", (cpu1 - cpu0) / 1e9).put("cpuMicrosPerStoredTrade", cpuPerTrade)
          .put("receiverVmHwmKb", hwmKb).put("shedTrades", shed);
        String window = String.format(java.util.Locale.ROOT, "window %d s + catch-up %.1f s; backlog at window end %,d",
          seconds, elapsedS - seconds, sent - storedAtWindowEnd);
        trades = Figure.of("ingest", "trades stored/s (exchange max rate → receiver → Redis)", rate, "trades/s")
          .note(window).target(false, TARGET_TRADES_PER_SECOND);
        long shedCount = shed == null ? 0 : shed.longValue();
        if (!caughtUp) {
          trades = trades.failed("NOT caught up within 180 s: " + (sent - stored - shedCount) + " of " + sent
            + " sent trades neither stored nor shed");
        }
        if (shed == null) {
          trades = trades.note("shed count not exposed on /metrics");
        } else if (shed > 0) {
          trades = trades.failed("SHED " + shed.longValue() + " trades (memory budget)");
        }
        ctx.add(Figure.of("ingest", "frames/s", framesRate, "frames/s")
          .note(framesRate == null ? "tradekit_feed_messages not exposed on the receiver's /metrics" : "trade notifications received"));
        ctx.add(Figure.of("ingest", "receiver CPU per stored trade (/proc)", cpuPerTrade, "µs")
          .target(true, TARGET_CPU_MICROS_PER_TRADE));
        ctx.add(Figure.of("ingest", "receiver peak RSS (VmHWM)", hwmKb / 1024.0, "MiB")
          .note("JVM flags " + String.join(" ", ctx.options.receiverJvmArgs)));
      }
    }
    ceilings(name, (int) Math.min(stored, 1_000_000), trades);
    ctx.dropStreams(name);
  }

  private static Double tradeFrames(Child receiver) throws Exception {
    return tradeFrames(receiver.metrics());
  }

  private static Double tradeFrames(Prometheus m) {
    return m.sum("tradekit_feed_messages", labels -> labels.contains("channel=\"trades."));
  }

  /** Both ceilings, on the entries the receiver stored in this run. */
  private void ceilings(String name, int count, Figure trades) throws Exception {
    JsonObject d = ctx.details.getJsonObject("ingest");
    List<List<String>> sample = sampleEntries(name, 1_000);
    String note = RedisBenchmark.ensureInstalled(ctx.work);
    String[] hostPort = ctx.redisHostPort();
    String rbKey = "bench:ceiling:rb:" + name;
    List<String> fields = sample.get(0).subList(1, sample.get(0).size());
    List<RedisBenchmark.Point> grid = RedisBenchmark.grid(hostPort[0], hostPort[1], rbKey, fields, RB_REQUESTS, ctx.work,
      () -> {
        long len = await(ctx.redis().send(Request.cmd(Command.XLEN).arg(rbKey), true)).toLong();
        await(ctx.redis().send(Request.cmd(Command.DEL).arg(rbKey), true));
        return len;
      });
    RedisBenchmark.Point best = grid.stream().max(Comparator.comparingDouble(RedisBenchmark.Point::perSecond)).orElseThrow();
    JsonArray gridJson = new JsonArray();
    grid.forEach(p -> gridJson.add(new JsonObject().put("P", p.pipeline()).put("c", p.clients()).put("perSecond", p.perSecond())));
    d.put("redisBenchmark", new JsonObject().put("how", note).put("requestsPerPoint", RB_REQUESTS).put("grid", gridJson)
      .put("best", new JsonObject().put("P", best.pipeline()).put("c", best.clients()).put("perSecond", best.perSecond())));

    // The direct client: the stored entries (a sample, cycled) into a fresh stream; warmed up first.
    String directKey = "bench:ceiling:direct:" + name;
    List<List<String>> renamed = new ArrayList<>();
    for (List<String> e : sample) {
      List<String> copy = new ArrayList<>(e);
      copy.set(0, directKey);
      renamed.add(copy);
    }
    int entries = Math.max(200_000, Math.min(count, 1_000_000));
    directRun(renamed, 50_000, 200, 4, directKey);
    double bestDirect = 0;
    JsonArray directJson = new JsonArray();
    for (int[] shape : new int[][] {{200, 4}, {1_000, 8}}) {
      double perSecond = directRun(renamed, entries, shape[0], shape[1], directKey);
      directJson.add(new JsonObject().put("batch", shape[0]).put("inFlight", shape[1]).put("entries", entries).put("perSecond", perSecond));
      bestDirect = Math.max(bestDirect, perSecond);
    }
    d.put("directRespXadd", directJson);

    // For comparison (not a ceiling): the same through the kit's Redis client, the receiver's batch shape.
    long kitNanos = await(new XaddPump(ctx.redis(), entries, 200, 4, i -> renamed.get(i % renamed.size()))
      .run(ctx.vertx.getOrCreateContext()));
    checkAndDrop(directKey, entries);
    double kitPerSecond = entries / (kitNanos / 1e9);
    d.put("kitClientXaddPerSecond", kitPerSecond);

    ctx.add(trades.ceiling("redis-benchmark XADD -P " + best.pipeline() + " -c " + best.clients() + " (best of grid)",
      best.perSecond()));
    ctx.add(Figure.of("ingest", "  same, against a direct pipelined XADD client", trades.value(), "trades/s")
      .ceiling("one RESP connection, stored entries pre-encoded, every reply checked, best of 200×4 / 1000×8", bestDirect));
    ctx.add(Figure.of("ingest", "  kit Redis client alone, pipelined XADD 200×4, every reply checked", kitPerSecond, "entries/s")
      .ceiling("the direct client above", bestDirect).note("not a ceiling: what the kit's client costs without the feed"));
  }

  private double directRun(List<List<String>> entries, int count, int batch, int inFlight, String key) throws Exception {
    String[] hostPort = ctx.redisHostPort();
    long nanos = await(new RespXadd(entries, count, batch, inFlight)
      .run(ctx.vertx, ctx.vertx.getOrCreateContext(), hostPort[0], Integer.parseInt(hostPort[1])));
    checkAndDrop(key, count);
    return count / (nanos / 1e9);
  }

  private void checkAndDrop(String key, long count) throws Exception {
    long len = await(ctx.redis().send(Request.cmd(Command.XLEN).arg(key), true)).toLong();
    await(ctx.redis().send(Request.cmd(Command.DEL).arg(key), true));
    if (len != count) {
      throw new IllegalStateException("direct XADD: " + count + " replies checked but " + key + " holds " + len);
    }
  }

  /** @return up to {@code n} stored entries as [stream key, field, value, ...] */
  private List<List<String>> sampleEntries(String name, int n) throws Exception {
    List<List<String>> entries = new ArrayList<>();
    for (String instrument : BenchContext.INSTRUMENTS) {
      String key = Streams.key(name, Streams.TRADES, instrument);
      Response page = await(ctx.redis().send(Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+").arg("COUNT").arg(n / 2), true));
      for (int i = 0; i < page.size(); i++) {
        Response fields = page.get(i).get(1);
        List<String> e = new ArrayList<>(fields.size() + 1);
        e.add(key);
        for (int f = 0; f < fields.size(); f++) {
          e.add(fields.get(f).toString());
        }
        entries.add(e);
      }
    }
    if (entries.isEmpty()) {
      throw new IllegalStateException("ingest stored nothing: no entries to build the ceilings from");
    }
    return entries;
  }
}
