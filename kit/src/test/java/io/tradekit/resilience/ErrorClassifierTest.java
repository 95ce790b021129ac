package io.tradekit.resilience;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.resource.ResourceClosedException;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.embedded.RedisServer;

import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every rule of {@link ErrorClassifier}'s Javadoc, on failures the real clients produce against the
 * embedded PostgreSQL and Redis (server errors raised with the SQLSTATE or reply prefix under test),
 * plus the few conditions that cannot be provoked on demand (built with the clients' public types).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ErrorClassifierTest {

  @BeforeAll
  static void devServices() {
    DevServices.retainForJvm();
  }

  private static Future<DevServices.Lease> lease(Vertx vertx) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true));
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Runs {@code sql} and returns its failure (the test fails if it succeeds). */
  private static Future<Throwable> failureOf(Future<?> future) {
    return future.transform(ar -> ar.succeeded() ? Future.failedFuture("expected a failure, got " + ar.result())
      : Future.succeededFuture(ar.cause()));
  }

  private static String raise(String sqlState) {
    return "DO $$ BEGIN RAISE EXCEPTION 'raised for the test' USING ERRCODE = '" + sqlState + "'; END $$";
  }

  @Test
  void postgresServerErrorsAreClassifiedBySqlState(Vertx vertx, VertxTestContext ctx) {
    Map<String, ErrorClass> expected = new LinkedHashMap<>();
    // 57P01 (admin shutdown) is left out here: raised as a plain ERROR it wedges the 5.0 client, and
    // a real one arrives as the backend closing (see the killed-backend test); built below instead.
    for (String state : List.of("08006", "08001", "40001", "40P01", "57P03", "53300")) {
      expected.put(state, ErrorClass.TRANSIENT);
    }
    for (String state : List.of("42601", "42P01", "23505", "22012", "28P01", "28000", "3D000", "P0001", "53200")) {
      expected.put(state, ErrorClass.PERMANENT);
    }
    lease(vertx).compose(lease -> {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions(lease.postgresConnect())).using(vertx).build();
      List<Future<Throwable>> failures = new ArrayList<>();
      Future<?> chain = Future.succeededFuture();
      for (String state : expected.keySet()) {
        // One at a time, each on its own connection: some states (57P01) end the session.
        Future<Throwable> failure = chain.transform(ignored -> failureOf(pool.withConnection(conn ->
          conn.query(raise(state)).execute()).timeout(10, TimeUnit.SECONDS)));
        failures.add(failure);
        chain = failure;
      }
      // and the server's own errors, not only raised ones
      Future<Throwable> syntax = chain.transform(ignored -> failureOf(pool.query("SELEC 1").execute()));
      Future<Throwable> division = syntax.transform(ignored -> failureOf(pool.query("SELECT 1 / 0").execute()));
      return Future.all(Future.join(new ArrayList<>(failures)), syntax, division).map(all -> {
        ctx.verify(() -> {
          int i = 0;
          for (Map.Entry<String, ErrorClass> e : expected.entrySet()) {
            Throwable failure = failures.get(i++).result();
            assertThat(failure).isInstanceOf(PgException.class);
            assertThat(((PgException) failure).getSqlState()).isEqualTo(e.getKey());
            assertThat(ErrorClassifier.classify(failure)).as("SQLSTATE %s", e.getKey()).isEqualTo(e.getValue());
          }
          assertThat(ErrorClassifier.classify(syntax.result())).isEqualTo(ErrorClass.PERMANENT);
          assertThat(ErrorClassifier.classify(division.result())).isEqualTo(ErrorClass.PERMANENT);
        });
        return null;
      }).eventually(pool::close);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void connectingToAnUnknownDatabaseOrAsAnUnknownUserIsPermanent(Vertx vertx, VertxTestContext ctx) {
    lease(vertx).compose(lease -> {
      PgConnectOptions base = new PgConnectOptions(lease.postgresConnect());
      Pool noDatabase = PgBuilder.pool().connectingTo(new PgConnectOptions(base).setDatabase("no_such_db_x"))
        .using(vertx).build();
      Pool noUser = PgBuilder.pool().connectingTo(new PgConnectOptions(base).setUser("no_such_user_x"))
        .using(vertx).build();
      return failureOf(noDatabase.query("SELECT 1").execute()).compose(db ->
        failureOf(noUser.query("SELECT 1").execute()).map(user -> {
          ctx.verify(() -> {
            assertThat(((PgException) db).getSqlState()).isEqualTo("3D000");
            assertThat(ErrorClassifier.classify(db)).isEqualTo(ErrorClass.PERMANENT);
            assertThat(((PgException) user).getSqlState()).isEqualTo("28000");
            assertThat(ErrorClassifier.classify(user)).isEqualTo(ErrorClass.PERMANENT);
          });
          return null;
        })).eventually(noDatabase::close).eventually(noUser::close);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void redisErrorRepliesAreClassifiedByPrefix(Vertx vertx, VertxTestContext ctx) {
    Map<String, ErrorClass> expected = new LinkedHashMap<>();
    for (String prefix : List.of("LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "READONLY")) {
      expected.put(prefix, ErrorClass.TRANSIENT);
    }
    for (String prefix : List.of("ERR", "WRONGTYPE", "NOAUTH", "WRONGPASS", "OOM", "NOSCRIPT", "NOPERM")) {
      expected.put(prefix, ErrorClass.PERMANENT);
    }
    lease(vertx).compose(lease -> {
      Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(lease.redisEndpoint()));
      List<Future<Throwable>> replies = new ArrayList<>();
      // The server sends each reply: a Lua script returning an error reply with the prefix under test.
      expected.keySet().forEach(prefix -> replies.add(failureOf(redis.send(Request.cmd(Command.EVAL)
        .arg("return redis.error_reply(ARGV[1])").arg(0).arg(prefix + " raised for the test")))));
      Future<Throwable> unknownCommand = failureOf(redis.send(Request.cmd(Command.create("NOSUCHCOMMAND"))));
      // AUTH against the embedded Redis, which has no password.
      Future<Throwable> auth = failureOf(redis.send(Request.cmd(Command.AUTH).arg("not-the-password")));
      return Future.all(Future.all(replies), unknownCommand, auth).map(all -> {
        ctx.verify(() -> {
          int i = 0;
          for (Map.Entry<String, ErrorClass> e : expected.entrySet()) {
            Throwable reply = replies.get(i++).result();
            assertThat(ErrorClassifier.isRedisErrorReply(reply)).as("%s is an error reply", reply).isTrue();
            assertThat(reply.getMessage()).startsWith(e.getKey() + " ");
            assertThat(ErrorClassifier.classify(reply)).as("reply %s", e.getKey()).isEqualTo(e.getValue());
          }
          assertThat(ErrorClassifier.classify(unknownCommand.result())).isEqualTo(ErrorClass.PERMANENT);
          assertThat(auth.result().getMessage()).startsWith("ERR");
          assertThat(ErrorClassifier.classify(auth.result())).isEqualTo(ErrorClass.PERMANENT);
        });
        return null;
      }).eventually(() -> {
        redis.close();
        return Future.succeededFuture();
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRedisThatWantsAPasswordRejectsAMissingOrWrongOnePermanently(Vertx vertx, VertxTestContext ctx) throws Exception {
    // The dev-services Redis has no password (and its nopass default user accepts any), so this
    // starts one that requires a password.
    int port = closedPort();
    vertx.executeBlocking(() -> {
      RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"")
        .setting("requirepass the-right-one").build();
      server.start();
      return server;
    }, false).compose(server -> {
      Redis none = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port));
      Redis wrong = Redis.createClient(vertx, new RedisOptions().setConnectionString("redis://127.0.0.1:" + port)
        .setPassword("not-the-password"));
      return failureOf(none.send(Request.cmd(Command.PING))).compose(noAuth -> failureOf(wrong.send(Request.cmd(Command.PING)))
        .map(wrongPass -> {
          ctx.verify(() -> {
            assertThat(noAuth.getMessage()).startsWith("NOAUTH");
            assertThat(ErrorClassifier.classify(noAuth)).as("%s", noAuth).isEqualTo(ErrorClass.PERMANENT);
            assertThat(wrongPass.getMessage()).startsWith("WRONGPASS").doesNotContain("not-the-password");
            assertThat(ErrorClassifier.classify(wrongPass)).as("%s", wrongPass).isEqualTo(ErrorClass.PERMANENT);
          });
          return null;
        })).eventually(() -> {
          none.close();
          wrong.close();
          return vertx.executeBlocking(() -> {
            server.stop();
            return null;
          }, false);
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void refusedConnectionsAndUnknownHostsAreTransient(Vertx vertx, VertxTestContext ctx) throws Exception {
    int port = closedPort();
    Pool pg = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(port)
      .setUser("u").setDatabase("d")).using(vertx).build();
    Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:" + port);
    failureOf(pg.query("SELECT 1").execute()).compose(pgRefused -> failureOf(redis.send(Request.cmd(Command.PING)))
      .map(redisRefused -> {
        ctx.verify(() -> {
          assertThat(ErrorClassifier.classify(pgRefused)).as("%s", pgRefused).isEqualTo(ErrorClass.TRANSIENT);
          assertThat(ErrorClassifier.classify(redisRefused)).as("%s", redisRefused).isEqualTo(ErrorClass.TRANSIENT);
          assertThat(ErrorClassifier.classify(new UnknownHostException("db.invalid"))).isEqualTo(ErrorClass.TRANSIENT);
        });
        return null;
      })).eventually(pg::close).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void timeoutsAndConnectionsClosedUnderACommandAreAmbiguous(Vertx vertx, VertxTestContext ctx) {
    Future<Throwable> timeout = failureOf(Promise.<Void>promise().future().timeout(1, TimeUnit.MILLISECONDS));
    CircuitBreaker breaker = CircuitBreaker.create("classify-timeout", vertx, new CircuitBreakerOptions().setTimeout(10));
    Future<Throwable> breakerTimeout = failureOf(breaker.execute(() -> Promise.<Void>promise().future()));
    lease(vertx).compose(lease -> {
      JsonObject connect = lease.postgresConnect().put("properties", new JsonObject().put("application_name", "classify-killed"));
      Pool victim = PgBuilder.pool().connectingTo(new PgConnectOptions(connect)).using(vertx).build();
      Pool killer = PgBuilder.pool().connectingTo(new PgConnectOptions(lease.postgresConnect())).using(vertx).build();
      Future<Throwable> killed = failureOf(victim.query("SELECT pg_sleep(5)").execute());
      // Terminate the backend while its query runs: on Vert.x 5.0 that is a ClosedConnectionException.
      Future<?> kill = vertx.timer(300).compose(v -> killer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        + "WHERE application_name = 'classify-killed'").execute());
      return Future.all(List.of(timeout, breakerTimeout, killed, kill)).map(all -> {
        ctx.verify(() -> {
          assertThat(ErrorClassifier.classify(timeout.result())).as("%s", timeout.result()).isEqualTo(ErrorClass.AMBIGUOUS);
          assertThat(ErrorClassifier.classify(killed.result())).as("%s", killed.result()).isEqualTo(ErrorClass.AMBIGUOUS);
          assertThat(ErrorClassifier.classify(ClosedConnectionException.INSTANCE)).isEqualTo(ErrorClass.AMBIGUOUS);
          assertThat(breakerTimeout.result()).isInstanceOf(io.vertx.circuitbreaker.TimeoutException.class);
          assertThat(ErrorClassifier.classify(breakerTimeout.result())).isEqualTo(ErrorClass.AMBIGUOUS);
        });
        return null;
      }).eventually(victim::close).eventually(killer::close);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFullLocalPoolIsTransientLocalOverloadThatNeverCountsTowardABreaker(Vertx vertx, VertxTestContext ctx) {
    lease(vertx).compose(lease -> {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(0))
        .connectingTo(new PgConnectOptions(lease.postgresConnect())).using(vertx).build();
      Future<?> holder = pool.query("SELECT pg_sleep(0.5)").execute();
      return failureOf(pool.query("SELECT 1").execute()).map(overload -> {
        ctx.verify(() -> {
          assertThat(ErrorClassifier.isLocalOverload(overload)).as("%s", overload).isTrue();
          assertThat(ErrorClassifier.classify(overload)).isEqualTo(ErrorClass.TRANSIENT);
          assertThat(Resilience.countsTowardBreaker(overload)).isFalse();
          ConnectionPoolTooBusyException busy = new ConnectionPoolTooBusyException("Connection pool reached max wait queue size of 0");
          assertThat(ErrorClassifier.isLocalOverload(busy)).isTrue();
          assertThat(Resilience.countsTowardBreaker(busy)).isFalse();
        });
        return null;
      }).compose(v -> holder).eventually(pool::close);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void kitFailuresAndWrappersAreClassifiedByWhatTheyCarry(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      PgException serialization = new PgException("could not serialize access", "ERROR", "40001", null);
      PgException badPassword = new PgException("password authentication failed for user \"trader\"", "FATAL", "28P01", null);
      assertThat(ErrorClassifier.classify(new CompletionException(serialization))).isEqualTo(ErrorClass.TRANSIENT);
      assertThat(ErrorClassifier.classify(new PgException("terminating connection due to administrator command", "FATAL",
        "57P01", null))).isEqualTo(ErrorClass.TRANSIENT);
      assertThat(ErrorClassifier.classify(new RetryGivenUpException("pg", "query", ErrorClass.PERMANENT, 1, badPassword)))
        .isEqualTo(ErrorClass.PERMANENT);
      assertThat(ErrorClassifier.classify(new BreakerOpenException("pg"))).isEqualTo(ErrorClass.TRANSIENT);
      assertThat(ErrorClassifier.classify(new ResourceClosedException("pg"))).isEqualTo(ErrorClass.PERMANENT);
      assertThat(Resilience.countsTowardBreaker(badPassword)).isFalse();
      assertThat(Resilience.countsTowardBreaker(serialization)).isTrue();
      assertThat(ErrorClassifier.classify(new IllegalArgumentException("a bug"))).isEqualTo(ErrorClass.PERMANENT);
    });
    ctx.completeNow();
  }
}
