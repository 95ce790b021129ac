package io.tradekit.verticles.pipeline;

import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.analyzer.AnalyzerService;
import io.tradekit.verticles.distributor.DistributorService;
import io.tradekit.verticles.distributor.DistributorServiceAccess;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class DistributorAnalyzerTest {

  /**
   * Bars of every configured resolution (1, 5 and 60 minutes; 5 and 60 are rolled up from the
   * 1-minute bars) that differ from a recomputation from trades: either side missing or any value
   * different.
   */
  static final String BAR_MISMATCHES = """
    WITH res(resolution, m) AS (VALUES ('1', 1), ('5', 5), ('60', 60)),
    r AS (
      SELECT res.resolution, exchange, instrument, date_bin(make_interval(mins => res.m), ts, TIMESTAMPTZ 'epoch') AS b,
             (array_agg(price ORDER BY ts, trade_seq))[1] AS o, max(price) AS h, min(price) AS l,
             (array_agg(price ORDER BY ts DESC, trade_seq DESC))[1] AS c, sum(amount) AS v, count(*) AS n
      FROM trades CROSS JOIN res WHERE instrument = ANY($1) GROUP BY 1, 2, 3, 4),
    o AS (SELECT * FROM ohlc WHERE resolution IN (SELECT resolution FROM res) AND instrument = ANY($1))
    SELECT count(*) FROM r FULL OUTER JOIN o
      ON o.resolution = r.resolution AND o.exchange = r.exchange AND o.instrument = r.instrument AND o.bucket_start = r.b
    WHERE o.open IS DISTINCT FROM r.o OR o.high IS DISTINCT FROM r.h OR o.low IS DISTINCT FROM r.l
       OR o.close IS DISTINCT FROM r.c OR o.volume IS DISTINCT FROM r.v OR o.trade_count IS DISTINCT FROM r.n""";

  static JsonObject distributor(List<String> instruments) {
    return new JsonObject().put("name", "distributor").put("verticle", DistributorService.class.getName())
      .put("uses", new JsonArray().add("postgres").add("redis")).put("dependsOn", new JsonArray().add("analyzer"))
      .put("config", new JsonObject().put("instruments", new JsonArray(instruments)).put("blockMs", 200)
        .put("claimIdleMs", 300).put("claimIntervalMs", 200).put("batchSize", 100));
  }

  static JsonObject analyzer(List<String> instruments) {
    return new JsonObject().put("name", "analyzer").put("verticle", AnalyzerService.class.getName())
      .put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("instruments", new JsonArray(instruments)).put("blockMs", 200)
        .put("resolutions", new JsonArray().add("1").add("5").add("60")));
  }

  /** Deterministic trades over about three minutes: price on a 0.5 grid, amount multiple of 10. */
  static List<TradeRecord> trades(String instrument, int count, long startMs) {
    List<TradeRecord> trades = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // A trade every 1.5 s over several minutes, with a level that moves every 100 trades, so the
      // 5- and 60-minute bars roll up 1-minute bars with different opens, highs, lows and closes.
      BigDecimal price = new BigDecimal("97000.5").add(new BigDecimal(i % 17).multiply(new BigDecimal("0.5")))
        .add(new BigDecimal((i / 100) * 3 - (i / 40) % 3));
      trades.add(new TradeRecord("deribit", instrument, instrument + "-" + i, 1_000 + i, price,
        new BigDecimal(10 * (1 + i % 5)), i % 2 == 0 ? "buy" : "sell", startMs + i * 1_500L));
    }
    return trades;
  }

  static Future<Void> xadd(PipelineFixture fx, List<TradeRecord> trades) {
    List<Request> batch = new ArrayList<>();
    for (TradeRecord t : trades) {
      batch.add(GroupConsumer.xadd(Streams.key("deribit", Streams.TRADES, t.instrument()), 0, t.toFields(t.timestampMs())));
    }
    return fx.redis.client().batch(batch).mapEmpty();
  }

  static Future<Long> count(PipelineFixture fx, String sql, Object... params) {
    return fx.pg.pool().preparedQuery(sql).execute(Tuple.wrap(params)).map(rows -> rows.iterator().next().getLong(0));
  }

  @Test
  void persistsEveryTradeOnceParksPoisonAndKeepsBarsEqualToRecomputation(Vertx vertx, VertxTestContext ctx) {
    String a = "TA-" + UUID.randomUUID().toString().substring(0, 8);
    String b = "TB-" + UUID.randomUUID().toString().substring(0, 8);
    String[] instruments = {a, b};
    long start = 1_700_000_000_000L;
    List<TradeRecord> ta = trades(a, 300, start);
    List<TradeRecord> tb = trades(b, 200, start + 7_000);
    PipelineFixture.open(vertx).compose(fx -> TradeKit.start(vertx, PipelineFixture.config(analyzer(List.of(instruments)),
        distributor(List.of(instruments))))
      .compose(kit -> xadd(fx, ta).compose(v -> xadd(fx, tb))
        // Redelivery: the same trades again must not create duplicates or change bars.
        .compose(v -> xadd(fx, ta.subList(0, 50)))
        .compose(v -> fx.redis.client().send(GroupConsumer.xadd(Streams.key("deribit", Streams.TRADES, a), 0,
          List.of("ex", "deribit", "in", a, "id", "poison", "seq", "1", "px", "abc", "qty", "10", "side", "buy", "ts", "1"))))
        .compose(v -> PipelineFixture.eventually(vertx, 30_000, () -> count(fx,
          "SELECT count(*) FROM trades WHERE instrument = ANY($1)", (Object) instruments).map(n -> n == 500)))
        .compose(v -> kit.stop())
        .compose(code -> count(fx, "SELECT count(*) FROM trades WHERE instrument = ANY($1)", (Object) instruments)
          .compose(n -> count(fx, BAR_MISMATCHES, (Object) instruments).map(m -> List.of((long) code, n, m))))
        .compose(results -> fx.redis.api().xrange(List.of(Streams.DEAD_LETTER, "-", "+"))
          .map(dead -> {
            ctx.verify(() -> {
              assertThat(results.get(0)).as("exit code").isZero();
              assertThat(results.get(1)).as("trades persisted exactly once").isEqualTo(500);
              assertThat(results.get(2)).as("bars that differ from a recomputation").isZero();
              boolean found = false;
              for (int i = 0; i < dead.size(); i++) {
                String text = dead.get(i).get(1).toString();
                found |= text.contains("poison") && text.contains("px: expected a decimal");
              }
              assertThat(found).as("poison entry in the dead-letter stream with its reason").isTrue();
            });
            return null;
          }))
        .eventually(() -> fx.close())))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void crashedInstancesPendingBatchIsPersistedExactlyOnceByAnother(Vertx vertx, VertxTestContext ctx) {
    String a = "TC-" + UUID.randomUUID().toString().substring(0, 8);
    String stream = Streams.key("deribit", Streams.TRADES, a);
    List<TradeRecord> all = trades(a, 200, 1_700_000_100_000L);
    PipelineFixture.open(vertx).compose(fx -> fx.redis.api().xgroup(List.of("CREATE", stream, "distributor", "0", "MKSTREAM"))
      .compose(v -> xadd(fx, all))
      // A distributor instance that read a batch and died: 120 entries pending on "crashed"...
      .compose(v -> fx.redis.api().xreadgroup(List.of("GROUP", "distributor", "crashed", "COUNT", "120", "STREAMS", stream, ">")))
      // ...after committing the first 60 of them, but before XACK.
      .compose(v -> fx.pg.pool().preparedQuery(DistributorServiceAccess.INSERT_TRADES).execute(DistributorServiceAccess.tuple(all.subList(0, 60))))
      .compose(v -> TradeKit.start(vertx, PipelineFixture.config(analyzer(List.of(a)), distributor(List.of(a)))))
      .compose(kit -> PipelineFixture.eventually(vertx, 30_000, () -> fx.redis.api().xpending(List.of(stream, "distributor"))
          .map(p -> p.get(0).toLong() == 0))
        .compose(v -> kit.stop()))
      .compose(code -> count(fx, "SELECT count(*) FROM trades WHERE instrument = $1", a)
        .compose(n -> count(fx, "SELECT count(DISTINCT trade_id) FROM trades WHERE instrument = $1", a).map(d -> {
          ctx.verify(() -> {
            assertThat(code).isZero();
            assertThat(n).as("every trade persisted").isEqualTo(200);
            assertThat(d).as("no duplicates").isEqualTo(200);
          });
          return null;
        })))
      .eventually(() -> fx.close()))
      .onComplete(ctx.succeedingThenComplete());
  }
}
