package io.tradekit.resilience;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.pg.BulkUpsert;
import io.tradekit.pg.PgResource;
import io.tradekit.resource.ResourceFactories;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The resilient PostgreSQL client against the embedded server. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ResilientPgTest {

  @BeforeAll
  static void devServices() {
    DevServices.retainForJvm();
  }

  private static Future<PgResource> open(Vertx vertx, String applicationName) {
    // Retries under test, not the breaker: killed backends must not open it mid-test.
    return open(vertx, applicationName, 5, 10_000);
  }

  private static Future<PgResource> open(Vertx vertx, String applicationName, int maxAttempts, int failureThreshold) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)).compose(lease -> {
      JsonObject connect = lease.postgresConnect().put("properties", new JsonObject().put("application_name", applicationName));
      PgResource pg = (PgResource) ResourceFactories.create(vertx, "pg-" + applicationName, new JsonObject().put("type", "postgres")
        .put("connect", connect).put("pool", new JsonObject().put("maxSize", 4))
        .put("retry", new JsonObject().put("maxAttempts", maxAttempts).put("initialBackoffMs", 20))
        .put("breaker", new JsonObject().put("failureThreshold", failureThreshold)), "test");
      return pg.open().map(pg);
    });
  }

  private static final int THRESHOLD = 3;

  /** Sends {@code sql} {@code times} times, one after another, collecting each failure. */
  private static Future<List<Throwable>> failRepeatedly(PgResource pg, String sql, int times, List<Throwable> failures) {
    if (failures.size() == times) {
      return Future.succeededFuture(failures);
    }
    return pg.query(sql, Tuple.tuple(), true).transform(ar -> {
      failures.add(ar.cause());
      return failRepeatedly(pg, sql, times, failures);
    });
  }

  private static RetryGivenUpException given(Throwable err) {
    assertThat(err).isInstanceOf(RetryGivenUpException.class);
    return (RetryGivenUpException) err;
  }

  @Test
  void syntaxErrorsAndConstraintViolationsFailOnceAndNeverOpenTheBreaker(Vertx vertx, VertxTestContext ctx) {
    String table = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    // Twice the breaker's threshold of each: had they counted, the breaker would be open.
    open(vertx, "permanent", 5, THRESHOLD).compose(pg -> failRepeatedly(pg, "SELEC 1", 2 * THRESHOLD, new ArrayList<>())
      .compose(syntax -> {
        ctx.verify(() -> {
          assertThat(syntax).hasSize(2 * THRESHOLD).allSatisfy(err -> {
            RetryGivenUpException e = given(err);
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
            assertThat(e.getMessage()).contains("syntax error");
          });
          assertThat(pg.resilience().breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        });
        return pg.query("CREATE TABLE " + table + " (id int PRIMARY KEY)", Tuple.tuple(), false)
          .compose(v -> pg.query("INSERT INTO " + table + " VALUES (1)", Tuple.tuple(), false))
          .compose(v -> failRepeatedly(pg, "INSERT INTO " + table + " VALUES (1)", 2 * THRESHOLD, new ArrayList<>()));
      }).map(duplicates -> {
        ctx.verify(() -> {
          assertThat(duplicates).hasSize(2 * THRESHOLD).allSatisfy(err -> {
            RetryGivenUpException e = given(err);
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
            assertThat(e.getCause().getMessage()).contains("duplicate key");
          });
          assertThat(pg.resilience().breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        });
        return null;
      }).eventually(pg::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void transientFailuresOpenTheBreakerAtItsThresholdAndThenFailFast(Vertx vertx, VertxTestContext ctx) {
    // The control for the test above: the same threshold does open on TRANSIENT failures
    // (53300 too_many_connections, raised by the server), one counted failure per call.
    String tooMany = "DO $$ BEGIN RAISE EXCEPTION 'too many' USING ERRCODE = '53300'; END $$";
    open(vertx, "transient", 1, THRESHOLD).compose(pg -> failRepeatedly(pg, tooMany, THRESHOLD - 1, new ArrayList<>())
      .compose(first -> {
        ctx.verify(() -> {
          assertThat(first).allSatisfy(err -> assertThat(given(err).errorClass()).isEqualTo(ErrorClass.TRANSIENT));
          assertThat(pg.resilience().breakerState()).as("below the threshold").isEqualTo(CircuitBreakerState.CLOSED);
        });
        return failRepeatedly(pg, tooMany, 1, new ArrayList<>());
      })
      .compose(third -> {
        ctx.verify(() -> assertThat(pg.resilience().breakerState()).as("at the threshold").isEqualTo(CircuitBreakerState.OPEN));
        return pg.query("SELECT 1", Tuple.tuple(), true).transform(ar -> {
          ctx.verify(() -> assertThat(ar.cause().getCause()).isInstanceOf(BreakerOpenException.class));
          return Future.succeededFuture();
        });
      }).eventually(pg::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void idempotentQueriesSurviveKilledBackendsButALostWriteIsAmbiguousAndNotRetried(Vertx vertx, VertxTestContext ctx) {
    String app = "kill-" + UUID.randomUUID().toString().substring(0, 8);
    open(vertx, app).compose(pg -> open(vertx, "killer").compose(killer -> {
      String kill = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()";
      List<Future<?>> queries = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        queries.add(pg.query("SELECT pg_sleep(0.05), " + i + " AS n", Tuple.tuple(), true));
      }
      // Kill the pool's backends twice while the queries run.
      long[] killed = {0};
      Future<?> kills = killer.query(kill, Tuple.of(app), false).map(rs -> killed[0] += rs.iterator().next().getLong(0))
        .compose(v -> vertx.timer(100)).compose(v -> killer.query(kill, Tuple.of(app), false))
        .map(rs -> killed[0] += rs.iterator().next().getLong(0));
      return Future.join(List.of(Future.all(queries), kills)).transform(ar -> {
        ctx.verify(() -> {
          assertThat(killed[0]).as("backends terminated under the queries").isPositive();
          assertThat(ar.succeeded()).as("all idempotent queries succeeded: %s", ar.cause()).isTrue();
        });
        Future<?> lost = pg.query("SELECT pg_sleep(2)", Tuple.tuple(), false);
        return vertx.timer(300).compose(v -> killer.query(kill, Tuple.of(app), false))
          .compose(v -> lost.transform(result -> {
            ctx.verify(() -> {
              RetryGivenUpException e = given(result.cause());
              assertThat(e.errorClass()).isEqualTo(ErrorClass.AMBIGUOUS);
              assertThat(e.attempts()).as("a non-idempotent statement lost in flight is not retried").isEqualTo(1);
            });
            return Future.succeededFuture();
          }));
      }).eventually(killer::close).eventually(pg::close);
    })).onComplete(ctx.succeedingThenComplete());
  }

  record Row(String id, long n, BigDecimal price) {
  }

  @Test
  void bulkUpsertOfOneHundredThousandRowsIsIdempotentAndLeavesTheInputUnchanged(Vertx vertx, VertxTestContext ctx) {
    String table = "bulk_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      rows.add(new Row("id-" + i, i, new BigDecimal("97000.5").add(BigDecimal.valueOf(i, 1))));
    }
    List<Row> before = List.copyOf(rows);
    BulkUpsert spec = BulkUpsert.into(table).column("id", "text").column("n", "bigint").column("price", "numeric")
      .onConflict("id").doUpdate("n", "price").batchSize(20_000);
    open(vertx, "bulk").compose(pg -> pg.query("CREATE TABLE " + table + " (id text PRIMARY KEY, n bigint, price numeric)", Tuple.tuple(), false)
      .compose(v -> pg.bulkUpsert(spec, rows, r -> new Object[] {r.id(), r.n(), r.price()}))
      .compose(first -> pg.bulkUpsert(spec, rows, r -> new Object[] {r.id(), r.n(), r.price()}).map(second -> List.of(first, second)))
      .compose(counts -> pg.query("SELECT count(*), sum(price) FROM " + table, Tuple.tuple(), true).map(rs -> {
        ctx.verify(() -> {
          assertThat(counts).containsExactly(100_000L, 100_000L);
          assertThat(rs.iterator().next().getLong(0)).isEqualTo(100_000L);
          BigDecimal expected = rows.stream().map(Row::price).reduce(BigDecimal.ZERO, BigDecimal::add);
          assertThat(rs.iterator().next().getBigDecimal(1)).isEqualByComparingTo(expected);
          assertThat(rows).as("the caller's list is untouched").isEqualTo(before);
        });
        return null;
      }))
      .eventually(pg::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void serializationFailureRerunsTheWholeTransaction(Vertx vertx, VertxTestContext ctx) {
    int[] runs = {0};
    open(vertx, "tx").compose(pg -> pg.withTransaction(false, conn -> {
      runs[0]++;
      // The first run fails like a serialization conflict (SQLSTATE 40001), the second succeeds.
      String sql = runs[0] == 1 ? "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$" : "SELECT 1";
      return conn.query(sql).execute().map(rs -> runs[0]);
    }).map(result -> {
      ctx.verify(() -> assertThat(result).as("the function ran twice").isEqualTo(2));
      return null;
    }).eventually(pg::close)).onComplete(ctx.succeedingThenComplete());
  }
}
