package io.tradekit.bench;

import io.tradekit.verticles.md.Streams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tradekit.bench.BenchContext.await;

/**
 * Shutdown under load: the whole pipeline (analyzer, two distributors, receiver) in one production
 * process against the exchange (own process, {@code --shutdown-rate}); SIGTERM after
 * {@code --shutdown-seconds}, restart, run on, then the trade channels are silenced, the pipeline
 * drains and gets a second SIGTERM. Then, per instrument and per process lifetime, every trade_seq
 * the exchange sent (its own record: first sent .. last sent before the first exit, then .. last
 * sent) is looked up in {@code trades}: a trade missing there must lie inside a gap entry the
 * receiver recorded ({@code md:<exchange>:gaps}), or still be in the trade streams when the drain
 * timed out (reported as not drained); any other is a loss and fails the measure. (The exchange's
 * seq range has holes where it could not write to a slow receiver: the receiver records those as
 * gaps too.)
 * No gapfill runs, so recorded gaps stay visible as gaps.
 */
final class ShutdownMeasure {

  private final BenchContext ctx;

  ShutdownMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    String name = "shutdown" + System.currentTimeMillis();
    JsonObject d = new JsonObject().put("exchange", name).put("ratePerSecond", ctx.options.shutdownRate)
      .put("secondsBeforeSigterm", ctx.options.shutdownSeconds);
    ctx.details.put("shutdown", d);
    try (Child exchange = ctx.exchange(ctx.options.shutdownRate)) {
      ExchangeAdmin admin = new ExchangeAdmin(exchange.adminPort);
      int adminPort = BenchContext.freePort();
      JsonArray instruments = new JsonArray(BenchContext.INSTRUMENTS);
      JsonObject config = new JsonObject().put("admin", new JsonObject().put("port", adminPort))
        .put("resources", new JsonObject().put("postgres", ctx.postgresBlock()).put("redis", ctx.redisBlock()))
        .put("services", new JsonArray()
          .add(new JsonObject().put("name", "analyzer").put("verticle", "io.tradekit.verticles.analyzer.AnalyzerService")
            .put("uses", new JsonArray().add("postgres").add("redis"))
            .put("config", new JsonObject().put("exchange", name).put("instruments", instruments)))
          .add(new JsonObject().put("name", "distributor").put("verticle", "io.tradekit.verticles.distributor.DistributorService")
            .put("instances", 2).put("dependsOn", new JsonArray().add("analyzer")).put("uses", new JsonArray().add("postgres").add("redis"))
            .put("config", new JsonObject().put("exchange", name).put("instruments", instruments)))
          .add(ctx.receiverService(name, exchange.adminPort).put("dependsOn", new JsonArray().add("distributor"))));
      String file = ctx.writeConfig("shutdown-" + name, config).toString();
      List<String> jvm = List.of("-Xmx512m");
      JsonArray lives = new JsonArray();
      d.put("lifetimes", lives);

      // Lifetime 1: SIGTERM in the middle of the load.
      Child first = ctx.spawn("shutdown-1-" + name, jvm, List.of("-conf", file), adminPort);
      first.awaitReady(120_000);
      TimeUnit.SECONDS.sleep(ctx.options.shutdownSeconds);
      lives.add(terminate(first));
      Map<String, Long> firstSent = admin.perInstrument("firstTradeSeqSent");
      Map<String, Long> lastSentLife1 = admin.perInstrument("lastTradeSeqSent");

      // Lifetime 2: restart under the same load, then end the load, let it drain, SIGTERM.
      Child second = ctx.spawn("shutdown-2-" + name, jvm, List.of("-conf", file), adminPort);
      second.awaitReady(120_000);
      TimeUnit.SECONDS.sleep(5);
      admin.silenceTradesAndSettle();
      Map<String, Long> lastSent = admin.perInstrument("lastTradeSeqSent");
      boolean drained = drain(name, lastSent);
      d.put("drainedBeforeSecondSigterm", drained);
      lives.add(terminate(second));

      List<long[]> gaps = gaps(name);
      JsonArray gapsJson = new JsonArray();
      gaps.forEach(g -> gapsJson.add(new JsonArray().add(BenchContext.INSTRUMENTS.get((int) g[0])).add(g[1]).add(g[2])));
      d.put("gapEntries", gapsJson);
      long lossTotal = 0;
      for (int life = 0; life < 2; life++) {
        JsonObject lifeJson = lives.getJsonObject(life);
        JsonObject per = new JsonObject();
        long lifeMissing = 0;
        long lifeOutside = 0;
        long lifeNotPersisted = 0;
        for (int i = 0; i < BenchContext.INSTRUMENTS.size(); i++) {
          String instrument = BenchContext.INSTRUMENTS.get(i);
          long from = life == 0 ? firstSent.get(instrument) : lastSentLife1.get(instrument) + 1;
          long to = life == 0 ? lastSentLife1.get(instrument) : lastSent.get(instrument);
          java.util.BitSet stored = storedSeqs(name, instrument, from, to);
          java.util.BitSet inStream = streamSeqs(name, instrument, from, to);
          long missing = 0;
          long outside = 0;
          long notPersisted = 0;
          for (long seq = from; seq <= to; seq++) {
            if (!stored.get((int) (seq - from))) {
              missing++;
              if (inStream.get((int) (seq - from))) {
                notPersisted++;
              } else if (!inGap(gaps, i, seq)) {
                outside++;
              }
            }
          }
          per.put(instrument, new JsonObject().put("fromSeq", from).put("toSeq", to).put("seqRange", to - from + 1)
            .put("stored", stored.cardinality()).put("missing", missing).put("inStreamNotYetPersisted", notPersisted)
            .put("missingOutsideGaps", outside));
          lifeNotPersisted += notPersisted;
          lifeMissing += missing;
          lifeOutside += outside;
        }
        lifeJson.put("instruments", per).put("missing", lifeMissing).put("missingOutsideGaps", lifeOutside)
          .put("inStreamNotYetPersisted", lifeNotPersisted);
        lossTotal += lifeOutside;
        Figure f = Figure.of("shutdown", "lifetime " + (life + 1) + ": trades missing outside recorded gaps", (double) lifeOutside, "trades")
          .note(String.format(java.util.Locale.ROOT, "of the exchange's seq range %,d not in trades: %,d inside recorded gaps, "
              + "%,d still in the streams (not drained); SIGTERM → exit %d ms, code %d", lifeMissing,
            lifeMissing - lifeOutside - lifeNotPersisted, lifeNotPersisted, lifeJson.getLong("exitMs"), lifeJson.getInteger("exitCode")))
          .target(true, 0);
        if (lifeJson.getInteger("exitCode") != 0) {
          f = f.failed("exit code " + lifeJson.getInteger("exitCode"));
        }
        ctx.add(f);
      }
      d.put("lossOutsideGaps", lossTotal);
    }
    ctx.dropStreams(name);
  }

  /**
   * Waits until the distributors have persisted everything in the streams and the receiver has
   * stored the last trade sent; gives up only when nothing moved for 30 s (a slow machine is slow,
   * not broken). What was not drained is reported as such, never as loss.
   */
  private boolean drain(String name, Map<String, Long> lastSent) throws Exception {
    long lastRows = -1;
    long lastProgress = System.nanoTime();
    while (System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(30)) {
      long rows = rows(name);
      if (rows >= ctx.tradeEntries(name) && storedUpTo(name, lastSent)) {
        return true;
      }
      if (rows != lastRows) {
        lastRows = rows;
        lastProgress = System.nanoTime();
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
    return false;
  }

  private JsonObject terminate(Child child) throws Exception {
    long hwm = child.vmHwmKb();
    long start = System.nanoTime();
    int code = child.terminate(90_000);
    long ms = (System.nanoTime() - start) / 1_000_000;
    child.close();
    return new JsonObject().put("exitMs", ms).put("exitCode", code).put("vmHwmKb", hwm);
  }

  private long rows(String name) throws Exception {
    return await(ctx.pg().query("SELECT count(*) FROM trades WHERE exchange = $1", Tuple.of(name), true)).iterator().next().getLong(0);
  }

  /** @return whether every instrument's stream (or its gap entries) reaches the last trade sent */
  private boolean storedUpTo(String name, Map<String, Long> lastSent) throws Exception {
    for (String instrument : BenchContext.INSTRUMENTS) {
      Response last = await(ctx.redis().send(Request.cmd(Command.XREVRANGE).arg(Streams.key(name, Streams.TRADES, instrument))
        .arg("+").arg("-").arg("COUNT").arg(1), true));
      if (last == null || last.size() == 0 || seqOf(last.get(0).get(1)) < lastSent.get(instrument)) {
        return false;
      }
    }
    return true;
  }

  private static long seqOf(Response fields) {
    for (int f = 0; f + 1 < fields.size(); f += 2) {
      if (fields.get(f).toString().equals("seq")) {
        return Long.parseLong(fields.get(f + 1).toString());
      }
    }
    return -1;
  }

  private java.util.BitSet storedSeqs(String name, String instrument, long from, long to) throws Exception {
    java.util.BitSet seen = new java.util.BitSet();
    for (Row r : await(ctx.pg().query("SELECT trade_seq FROM trades WHERE exchange = $1 AND instrument = $2 AND trade_seq BETWEEN $3 AND $4",
      Tuple.of(name, instrument, from, to), true))) {
      seen.set((int) (r.getLong(0) - from));
    }
    return seen;
  }

  private java.util.BitSet streamSeqs(String name, String instrument, long from, long to) throws Exception {
    java.util.BitSet seen = new java.util.BitSet();
    String key = Streams.key(name, Streams.TRADES, instrument);
    String cursor = "-";
    while (true) {
      Response page = await(ctx.redis().send(Request.cmd(Command.XRANGE).arg(key).arg(cursor).arg("+").arg("COUNT").arg(10_000), true));
      for (int i = 0; i < page.size(); i++) {
        long seq = seqOf(page.get(i).get(1));
        if (seq >= from && seq <= to) {
          seen.set((int) (seq - from));
        }
      }
      if (page.size() < 10_000) {
        return seen;
      }
      cursor = "(" + page.get(page.size() - 1).get(0).toString();
    }
  }

  /** @return gap entries as [instrument index, from, to] */
  private List<long[]> gaps(String name) throws Exception {
    List<long[]> gaps = new ArrayList<>();
    Response entries = await(ctx.redis().send(Request.cmd(Command.XRANGE).arg(Streams.gaps(name)).arg("-").arg("+"), true));
    for (int i = 0; entries != null && i < entries.size(); i++) {
      Response fields = entries.get(i).get(1);
      Map<String, String> f = new HashMap<>();
      for (int k = 0; k + 1 < fields.size(); k += 2) {
        f.put(fields.get(k).toString(), fields.get(k + 1).toString());
      }
      int instrument = BenchContext.INSTRUMENTS.indexOf(f.get("in"));
      gaps.add(new long[] {instrument, Long.parseLong(f.get("from")), Long.parseLong(f.get("to"))});
    }
    return gaps;
  }

  private static boolean inGap(List<long[]> gaps, int instrument, long seq) {
    for (long[] g : gaps) {
      if (g[0] == instrument && seq >= g[1] && seq <= g[2]) {
        return true;
      }
    }
    return false;
  }
}
