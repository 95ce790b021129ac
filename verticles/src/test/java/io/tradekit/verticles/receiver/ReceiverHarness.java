package io.tradekit.verticles.receiver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.tradekit.health.KitMetrics;
import io.tradekit.redis.RedisResource;
import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

/** Receiver test helpers: service blocks, and reading back streams, gap entries and metrics. */
final class ReceiverHarness {

  /** One gap entry of {@code md:<exchange>:gaps}. */
  record GapEntry(String exchange, String instrument, long from, long to, String reason, long at) {
    long size() {
      return to - from + 1;
    }
  }

  private ReceiverHarness() {
  }

  /** @return a fresh name, so tests never share streams, hashes or meters */
  static String unique(String prefix) {
    return prefix + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
  }

  static JsonObject receiver(String service, String exchange, int port, List<String> instruments, JsonObject extra) {
    JsonObject config = new JsonObject().put("exchange", exchange).put("instruments", new JsonArray(instruments))
      .put("kinds", new JsonArray().add("trades"))
      .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + port + "/ws/api/v2").put("heartbeatIntervalMs", 1_000)
        .put("reconnectMinMs", 20).put("reconnectMaxMs", 200));
    config.mergeIn(extra, true);
    return new JsonObject().put("name", service).put("verticle", ReceiverService.class.getName())
      .put("uses", new JsonArray().add("redis")).put("stopTimeoutMs", 30_000).put("config", config);
  }

  static Future<Void> silenceTrades(SimulatedExchange exchange, List<String> instruments) {
    Future<Void> chain = Future.succeededFuture();
    for (String instrument : instruments) {
      chain = chain.compose(v -> exchange.injectFault(Fault.silence("trades." + instrument + ".100ms", 600_000)));
    }
    return chain;
  }

  /** @return every trade_seq in the instrument's trade stream (duplicates collapse) */
  static Future<TreeSet<Long>> storedSeqs(RedisResource redis, String exchange, String instrument) {
    TreeSet<Long> seqs = new TreeSet<>();
    return page(redis, Streams.key(exchange, Streams.TRADES, instrument), "-", seqs);
  }

  private static Future<TreeSet<Long>> page(RedisResource redis, String stream, String start, TreeSet<Long> seqs) {
    return redis.send(Request.cmd(Command.XRANGE).arg(stream).arg(start).arg("+").arg("COUNT").arg(10_000), true)
      .compose(reply -> {
        String last = null;
        for (Response entry : reply) {
          last = entry.get(0).toString();
          Response fields = entry.get(1);
          for (int i = 0; i + 1 < fields.size(); i += 2) {
            if ("seq".equals(fields.get(i).toString())) {
              seqs.add(Long.parseLong(fields.get(i + 1).toString()));
            }
          }
        }
        return last == null || reply.size() < 10_000 ? Future.succeededFuture(seqs) : page(redis, stream, "(" + last, seqs);
      });
  }

  static Future<List<GapEntry>> gaps(RedisResource redis, String exchange) {
    return redis.send(Request.cmd(Command.XRANGE).arg(Streams.gaps(exchange)).arg("-").arg("+"), true).map(reply -> {
      List<GapEntry> gaps = new ArrayList<>();
      for (Response entry : reply) {
        Response f = entry.get(1);
        JsonObject fields = new JsonObject();
        for (int i = 0; i + 1 < f.size(); i += 2) {
          fields.put(f.get(i).toString(), f.get(i + 1).toString());
        }
        gaps.add(new GapEntry(fields.getString("ex"), fields.getString("in"), Long.parseLong(fields.getString("from")),
          Long.parseLong(fields.getString("to")), fields.getString("reason"), Long.parseLong(fields.getString("at"))));
      }
      return gaps;
    });
  }

  /** @return the sum of every counter {@code name} tagged {@code tag=value} (over its other tags) */
  static double counter(Vertx vertx, String name, String tag, String value) {
    return KitMetrics.of(vertx).registry().find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
  }

  static double gauge(Vertx vertx, String name, String service) {
    Gauge gauge = KitMetrics.of(vertx).registry().find(name).tag("service", service).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  /** @return every seq the gap entries of {@code instrument} cover */
  static TreeSet<Long> covered(List<GapEntry> gaps, String instrument) {
    TreeSet<Long> seqs = new TreeSet<>();
    for (GapEntry g : gaps) {
      if (g.instrument().equals(instrument)) {
        for (long s = g.from(); s <= g.to(); s++) {
          seqs.add(s);
        }
      }
    }
    return seqs;
  }

  /** @return {@code first..last} minus {@code stored} */
  static TreeSet<Long> missing(long first, long last, TreeSet<Long> stored) {
    TreeSet<Long> missing = new TreeSet<>();
    for (long s = first; s <= last; s++) {
      if (!stored.contains(s)) {
        missing.add(s);
      }
    }
    return missing;
  }
}
