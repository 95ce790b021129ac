package io.tradekit.verticles.pipeline;

import io.tradekit.supervisor.LifecycleEvents;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.janitor.JanitorTask;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class JanitorTest {

  private static final long DAY_MS = 86_400_000L;

  @Test
  void removesOnlyWhatIsOlderThanRetentionThenExitsZeroWithResourcesClosed(Vertx vertx, VertxTestContext ctx) {
    String instrument = "J-" + UUID.randomUUID().toString().substring(0, 8);
    String stream = "md:deribit:trades:" + instrument;
    long now = System.currentTimeMillis();
    OffsetDateTime old = OffsetDateTime.now(ZoneOffset.UTC).minusDays(3);
    OffsetDateTime fresh = OffsetDateTime.now(ZoneOffset.UTC).minusHours(1);
    List<String> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(LifecycleEvents.ADDRESS, m -> events.add(m.body().getString("event") + ":"
      + m.body().getString("service", m.body().getString("resource", String.valueOf(m.body().getValue("exitCode"))))));
    String insertTrade = "INSERT INTO trades (exchange, instrument, trade_id, trade_seq, price, amount, direction, ts) "
      + "VALUES ('deribit', $1, $2, $3, 100.5, 10, 'buy', $4)";
    String insertBar = "INSERT INTO ohlc (exchange, instrument, resolution, bucket_start, open, high, low, close, volume, source) "
      + "VALUES ('deribit', $1, '1', $2, 1, 1, 1, 1, 1, 'live')";
    JsonObject janitor = new JsonObject().put("name", "janitor").put("verticle", JanitorTask.class.getName())
      .put("kind", "task").put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("tradesRetentionMs", DAY_MS).put("ohlcRetentionMs", DAY_MS)
        .put("streamRetentionMs", DAY_MS).put("batchSize", 2).put("streamPattern", "md:deribit:trades:J-*"));
    PipelineFixture.open(vertx).compose(fx -> {
      Future<Void> seed = Future.succeededFuture();
      for (int i = 0; i < 5; i++) {
        int n = i;
        seed = seed.compose(v -> fx.pg.pool().preparedQuery(insertTrade).execute(Tuple.of(instrument, "old-" + n, n, old.minusMinutes(n))))
          .compose(v -> fx.pg.pool().preparedQuery(insertTrade).execute(Tuple.of(instrument, "new-" + n, 100 + n, fresh.minusMinutes(n))))
          .compose(v -> fx.pg.pool().preparedQuery(insertBar).execute(Tuple.of(instrument, old.minusMinutes(n))))
          .compose(v -> fx.pg.pool().preparedQuery(insertBar).execute(Tuple.of(instrument, fresh.minusMinutes(n))))
          .mapEmpty();
      }
      return seed
        .compose(v -> fx.redis.api().xadd(List.of(stream, (now - 3 * DAY_MS) + "-0", "k", "old")))
        .compose(v -> fx.redis.api().xadd(List.of(stream, "*", "k", "new")))
        .compose(v -> TradeKit.start(vertx, PipelineFixture.config(janitor)))
        .compose(TradeKit::terminated)
        .compose(code -> Future.all(
            DistributorAnalyzerTest.count(fx, "SELECT count(*) FROM trades WHERE instrument = $1 AND trade_id LIKE 'old-%'", instrument),
            DistributorAnalyzerTest.count(fx, "SELECT count(*) FROM trades WHERE instrument = $1 AND trade_id LIKE 'new-%'", instrument),
            DistributorAnalyzerTest.count(fx, "SELECT count(*) FROM ohlc WHERE instrument = $1", instrument),
            fx.redis.api().xlen(stream).map(r -> r.toLong()))
          .map(all -> {
            ctx.verify(() -> {
              assertThat(code).isZero();
              assertThat(all.<Long>resultAt(0)).as("old trades").isZero();
              assertThat(all.<Long>resultAt(1)).as("recent trades").isEqualTo(5);
              assertThat(all.<Long>resultAt(2)).as("recent bars only").isEqualTo(5);
              assertThat(all.<Long>resultAt(3)).as("recent stream entries only").isEqualTo(1);
              assertThat(events).containsSubsequence("service.completed:janitor", "service.stopped:janitor",
                "resource.closed:redis", "resource.closed:postgres", "supervisor.stopped:0");
            });
            return null;
          }))
        .eventually(fx::close);
    }).onComplete(ctx.succeedingThenComplete());
  }
}
