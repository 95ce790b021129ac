package io.tradekit.bench;

import io.tradekit.verticles.md.Streams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tradekit.bench.BenchContext.await;

/**
 * Latency at a fixed rate ({@code --latency-rate}, 10k trades/s) for {@code --latency-seconds}
 * after a 5 s warm-up: exchange timestamp (the trade's {@code ts}, set when it is generated and
 * sent) to the time part of the Redis entry id (Redis's clock when the XADD was applied); same
 * machine, same clock. The sample set is EVERY trade the exchange sent in the window (its own
 * record, one consistent {@code /admin/stats} snapshot at each end: trade_seq after the last one
 * sent before the window up to the last one sent when the trade channels are silenced, and the
 * count it sent in between); a trade of that set not found in the streams is reported as missing and
 * fails the measure, never dropped from the percentiles silently.
 */
final class LatencyMeasure {

  static final double TARGET_P99_MS = 10;
  private static final int PAGE = 10_000;
  private final BenchContext ctx;

  LatencyMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    String name = "latency" + System.currentTimeMillis();
    int rate = ctx.options.latencyRate;
    int seconds = ctx.options.latencySeconds;
    JsonObject d = new JsonObject().put("exchange", name).put("ratePerSecond", rate).put("warmupSeconds", 5)
      .put("windowSeconds", seconds);
    ctx.details.put("latency", d);
    try (Child exchange = ctx.exchange(rate)) {
      ExchangeAdmin admin = new ExchangeAdmin(exchange.adminPort);
      JsonObject config = new JsonObject().put("admin", new JsonObject().put("port", BenchContext.freePort()))
        .put("resources", new JsonObject().put("redis", ctx.redisBlock()))
        .put("services", new JsonArray().add(ctx.receiverService(name, exchange.adminPort)));
      try (Child receiver = ctx.service("receiver-" + name, "receiver", config, ctx.options.receiverJvmArgs)) {
        receiver.awaitReady(60_000);
        TimeUnit.SECONDS.sleep(5); // warm-up: connections, JIT (harness thread)
        JsonObject start = admin.stats();
        Map<String, Long> before = ExchangeAdmin.perInstrument(start, "lastTradeSeqSent");
        Map<String, Long> sentBefore = ExchangeAdmin.perInstrument(start, "tradesSent");
        TimeUnit.SECONDS.sleep(seconds);
        admin.silenceTradesAndSettle();
        JsonObject end = admin.stats();
        Map<String, Long> after = ExchangeAdmin.perInstrument(end, "lastTradeSeqSent");
        Map<String, Long> sentAfter = ExchangeAdmin.perInstrument(end, "tradesSent");
        long notSent = end.getLong("tradesNotSent") - start.getLong("tradesNotSent");
        // Everything sent must reach Redis before the streams are read (bounded wait; what is still
        // missing afterwards is reported as missing).
        Wait.within(60_000, 50, () -> {
          for (String instrument : BenchContext.INSTRUMENTS) {
            if (lastStoredSeq(name, instrument) < after.get(instrument)) {
              return false;
            }
          }
          return true;
        });
        long[] latencies = new long[0];
        int count = 0;
        long expected = 0;
        long duplicates = 0;
        for (String instrument : BenchContext.INSTRUMENTS) {
          long from = before.get(instrument) + 1;
          long to = after.get(instrument);
          // Trades the exchange could not write (socket not writable) leave holes in trade_seq and are
          // not in tradesSent: the sample set is what it SENT.
          expected += sentAfter.get(instrument) - sentBefore.get(instrument);
          BitSet seen = new BitSet();
          String key = Streams.key(name, Streams.TRADES, instrument);
          String cursor = "-";
          while (true) {
            Response page = await(ctx.redis().send(Request.cmd(Command.XRANGE).arg(key).arg(cursor).arg("+").arg("COUNT").arg(PAGE), true));
            String lastId = null;
            for (int i = 0; i < page.size(); i++) {
              Response entry = page.get(i);
              lastId = entry.get(0).toString();
              Response fields = entry.get(1);
              long seq = -1;
              long ts = -1;
              for (int f = 0; f + 1 < fields.size(); f += 2) {
                String field = fields.get(f).toString();
                if (field.equals("seq")) {
                  seq = Long.parseLong(fields.get(f + 1).toString());
                } else if (field.equals("ts")) {
                  ts = Long.parseLong(fields.get(f + 1).toString());
                }
              }
              if (seq < from || seq > to) {
                continue;
              }
              if (seen.get((int) (seq - from))) {
                duplicates++;
                continue;
              }
              seen.set((int) (seq - from));
              if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, Math.max(1024, count * 2));
              }
              latencies[count++] = Long.parseLong(lastId.substring(0, lastId.indexOf('-'))) - ts;
            }
            if (page.size() < PAGE) {
              break;
            }
            cursor = "(" + lastId;
          }
        }
        long[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        long missing = expected - count;
        double p50 = percentile(sorted, 0.50);
        double p99 = percentile(sorted, 0.99);
        double max = count == 0 ? Double.NaN : sorted[count - 1];
        d.put("tradesSentInWindow", expected).put("samples", count).put("missing", missing).put("duplicates", duplicates)
          .put("tradesNotSentByExchange", notSent).put("p50Ms", p50).put("p90Ms", percentile(sorted, 0.90)).put("p99Ms", p99)
          .put("p999Ms", percentile(sorted, 0.999)).put("maxMs", max).put("minMs", count == 0 ? null : sorted[0]);
        String samples = String.format(Locale.ROOT, "%,d samples of %,d trades sent; p50 %.0f ms, max %.0f ms", count, expected, p50, max);
        Figure f = Figure.of("latency", "p99 exchange ts → Redis entry time @" + rate + "/s", p99, "ms").note(samples)
          .target(true, TARGET_P99_MS);
        if (missing != 0) {
          f = f.failed(missing + " sent trades missing from the streams");
        }
        if (notSent != 0) {
          f = f.note("the exchange could not send " + notSent + " trades (the receiver's socket was not writable): not sent, so not samples");
        }
        ctx.add(f);
      }
    }
    ctx.dropStreams(name);
  }

  private long lastStoredSeq(String name, String instrument) throws Exception {
    Response last = await(ctx.redis().send(Request.cmd(Command.XREVRANGE).arg(Streams.key(name, Streams.TRADES, instrument))
      .arg("+").arg("-").arg("COUNT").arg(1), true));
    if (last == null || last.size() == 0) {
      return -1;
    }
    Response fields = last.get(0).get(1);
    for (int f = 0; f + 1 < fields.size(); f += 2) {
      if (fields.get(f).toString().equals("seq")) {
        return Long.parseLong(fields.get(f + 1).toString());
      }
    }
    return -1;
  }

  /** Nearest-rank percentile of sorted values; NaN when empty. */
  static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
