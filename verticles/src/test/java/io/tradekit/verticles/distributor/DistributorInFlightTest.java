package io.tradekit.verticles.distributor;

import io.tradekit.redis.GroupConsumer;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.tradekit.verticles.pipeline.PipelineAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several batches in flight per distributor instance ({@code batchesInFlight}): they really are
 * in flight at once, and none of their entries is acknowledged before its own rows committed, even
 * when PostgreSQL kills the connections of the inserts under way.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class DistributorInFlightTest {

  private static final int BATCH = 50;
  private static final int IN_FLIGHT = 4;

  private static Future<Long> count(PipelineAccess fx, String sql, Object... params) {
    return fx.pg().pool().preparedQuery(sql).execute(Tuple.wrap(params)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** @return the pending count of each consumer of the group that has entries pending */
  private static Future<List<Long>> pendingPerConsumer(PipelineAccess fx, String stream) {
    return fx.redis().send(Request.cmd(Command.XINFO).arg("CONSUMERS").arg(stream).arg("distributor"), true).map(reply -> {
      List<Long> pending = new ArrayList<>();
      for (int i = 0; i < reply.size(); i++) {
        Response consumer = reply.get(i);
        long n = consumer.get("pending").toLong();
        if (n > 0) {
          pending.add(n);
        }
      }
      return pending;
    });
  }

  private static Future<Long> pendingTotal(PipelineAccess fx, String stream) {
    return fx.redis().send(Request.cmd(Command.XPENDING).arg(stream).arg("distributor"), true).map(r -> r.get(0).toLong());
  }

  @Test
  void batchesInFlightAtOnceAreEachAcknowledgedOnlyAfterTheirRowsCommitEvenWhenTheirConnectionsAreKilled(Vertx vertx,
                                                                                                      VertxTestContext ctx) {
    String instrument = "IF-" + UUID.randomUUID().toString().substring(0, 8);
    String stream = Streams.key("deribit", Streams.TRADES, instrument);
    int total = BATCH * IN_FLIGHT;
    List<Request> adds = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      adds.add(GroupConsumer.xadd(stream, 0, new TradeRecord("deribit", instrument, instrument + "-" + i, i,
        new BigDecimal("100.5"), BigDecimal.TEN, "buy", 1_700_000_000_000L + i).toFields(0)));
    }
    JsonObject distributor = new JsonObject().put("name", "distributor").put("verticle", DistributorService.class.getName())
      .put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("instruments", new JsonArray().add(instrument)).put("blockMs", 200)
        .put("batchSize", BATCH).put("batchesInFlight", IN_FLIGHT).put("retryDelayMs", 50).put("claimIdleMs", 60_000));
    String insertsWaiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
      + " AND query LIKE 'INSERT INTO trades%' AND pid <> pg_backend_pid()";
    PipelineAccess.open(vertx).compose(fx -> fx.redis().pipeline(adds, false)
        // A transaction holding SHARE on trades: inserts wait for it, reads do not.
        .compose(v -> fx.pg().pool().getConnection())
        .compose(lock -> lock.query("BEGIN").execute()
          .compose(v -> lock.query("LOCK TABLE trades IN SHARE MODE").execute())
          .compose(v -> TradeKit.start(vertx, PipelineAccess.config(distributor)))
          .compose(kit -> whileLocked(vertx, ctx, fx, stream, instrument, total, insertsWaiting)
            .compose(v -> lock.query("COMMIT").execute())
            .compose(v -> PipelineAccess.eventually(vertx, 30_000, () -> pendingTotal(fx, stream).map(n -> n == 0)))
            .compose(v -> kit.stop()))
          .eventually(lock::close))
        .compose(code -> count(fx, "SELECT count(*) FROM trades WHERE instrument = $1", instrument).map(n -> {
          ctx.verify(() -> {
            assertThat(code).as("exit code").isZero();
            assertThat(n).as("every trade persisted once").isEqualTo((long) total);
          });
          return null;
        }))
        .eventually(fx::close))
      .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * With inserts blocked: all batches are in flight at once (one per consumer of the instance, each
   * pending), nothing is persisted and nothing acknowledged; the waiting inserts' connections are
   * then terminated by PostgreSQL, and still nothing is acknowledged.
   */
  private static Future<Void> whileLocked(Vertx vertx, VertxTestContext ctx, PipelineAccess fx, String stream,
                                          String instrument, int total, String insertsWaiting) {
    return PipelineAccess.eventually(vertx, 20_000, () -> pendingPerConsumer(fx, stream).map(p -> p.size() == IN_FLIGHT))
      .compose(v -> PipelineAccess.eventually(vertx, 20_000, () -> count(fx, insertsWaiting).map(n -> n == IN_FLIGHT)))
      .compose(v -> checkNothingAcknowledged(ctx, fx, stream, instrument, total))
      .compose(v -> count(fx, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        + " AND query LIKE 'INSERT INTO trades%' AND pid <> pg_backend_pid()"))
      .compose(killed -> {
        ctx.verify(() -> assertThat(killed).as("inserts killed mid-batch").isEqualTo(IN_FLIGHT));
        // The batches are retried (the statements are idempotent) and wait for the lock again.
        return PipelineAccess.eventually(vertx, 20_000, () -> count(fx, insertsWaiting).map(n -> n == IN_FLIGHT));
      })
      .compose(v -> checkNothingAcknowledged(ctx, fx, stream, instrument, total));
  }

  private static Future<Void> checkNothingAcknowledged(VertxTestContext ctx, PipelineAccess fx, String stream,
                                                       String instrument, int total) {
    return pendingTotal(fx, stream).compose(pending -> pendingPerConsumer(fx, stream).compose(perConsumer ->
      count(fx, "SELECT count(*) FROM trades WHERE instrument = $1", instrument).map(stored -> {
        ctx.verify(() -> {
          assertThat(perConsumer).as("one full batch pending per consumer").containsOnly((long) BATCH).hasSize(IN_FLIGHT);
          assertThat(stored).as("nothing committed").isZero();
          assertThat(pending).as("every delivered entry still pending: none acknowledged").isEqualTo((long) total);
        });
        return null;
      })));
  }
}
