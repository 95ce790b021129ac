package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.resource.ResourceRejectedException;
import io.tradekit.supervisor.testing.IdleService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up against a PostgreSQL that refuses for good (wrong password, unknown database) fails at
 * once, although {@code startup.resourceWaitMs} is 30 s; a typo in an option block fails before
 * anything opens. The server is the dev-services embedded PostgreSQL, reached directly (dev services
 * off, since they would overwrite user and password).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ResourceStartupFailureTest {

  /** A role that must log in with a password: the embedded server trusts every other one. */
  private static final String ROLE = "tk_password_user";
  private static final String WRONG_PASSWORD = "not-the-right-one";

  @BeforeAll
  static void devServices() {
    DevServices.retainForJvm();
  }

  private static JsonObject config(JsonObject connect) {
    JsonObject config = withServices(service("idle", IdleService.class).put("uses", new JsonArray().add("postgres")))
      .put("devServices", new JsonObject().put("enabled", false))
      .put("startup", new JsonObject().put("resourceWaitMs", 30_000).put("resourceRetryMinMs", 50));
    config.getJsonObject("resources").getJsonObject("postgres").put("connect", connect);
    return config;
  }

  /**
   * Makes {@link #ROLE} authenticate with a password on the embedded server: creates it, puts an
   * md5 line for it in front of pg_hba.conf's trust lines and reloads. Resolves with its connect block.
   */
  private static Future<JsonObject> passwordRole(Vertx vertx) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setRedisEnabled(false)).compose(lease -> {
      JsonObject admin = lease.postgresConnect();
      Pool pool = PgBuilder.pool().connectingTo(new PgConnectOptions(admin)).using(vertx).build();
      String line = "host all " + ROLE + " 127.0.0.1/32 md5\n";
      return pool.query("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + ROLE + "') THEN "
          + "CREATE ROLE " + ROLE + " LOGIN PASSWORD 'the-right-one'; END IF; END $$").execute()
        .compose(v -> pool.query("SHOW hba_file").execute())
        .compose(rows -> {
          String hba = rows.iterator().next().getString(0);
          return vertx.fileSystem().readFile(hba).compose(content -> content.toString().startsWith(line)
            ? Future.succeededFuture()
            : vertx.fileSystem().writeFile(hba, Buffer.buffer(line).appendBuffer(content)));
        })
        .compose(v -> pool.query("SELECT pg_reload_conf()").execute())
        .map(v -> admin.copy().put("user", ROLE).put("password", WRONG_PASSWORD))
        .compose(connect -> untilRejected(vertx, connect, 0).map(connect))
        .eventually(pool::close);
    });
  }

  /** The reload is signalled, not awaited: wait until the server applies it (a precondition, not the test). */
  private static Future<Void> untilRejected(Vertx vertx, JsonObject connect, int round) {
    Pool probe = PgBuilder.pool().connectingTo(new PgConnectOptions(connect)).using(vertx).build();
    return probe.query("SELECT 1").execute().eventually(probe::close).transform(ar -> {
      if (ar.failed() && ar.cause() instanceof PgException pg && "28P01".equals(pg.getSqlState())) {
        return Future.succeededFuture();
      }
      if (round >= 100) {
        return Future.failedFuture("pg_hba.conf change not applied: " + ar);
      }
      Promise<Void> next = Promise.promise();
      vertx.setTimer(20, t -> untilRejected(vertx, connect, round + 1).onComplete(next));
      return next.future();
    });
  }

  @Test
  void aWrongPasswordFailsStartUpAtOnceNamingTheResourceAndTheServersMessage(Vertx vertx, VertxTestContext ctx) {
    passwordRole(vertx).compose(connect -> {
      long startNanos = System.nanoTime();
      return TradeKit.start(vertx, config(connect)).transform(ar -> {
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        ctx.verify(() -> {
          assertThat(ar.failed()).as("start-up failed").isTrue();
          assertThat(tookMs).as("did not wait resourceWaitMs (30 s)").isLessThan(2_000);
          assertThat(ar.cause()).isInstanceOf(ResourceRejectedException.class)
            .hasMessageContaining("resource 'postgres' at 127.0.0.1:" + connect.getInteger("port") + "/tradekit")
            .hasMessageContaining("password authentication failed for user \"" + ROLE + "\"")
            .hasMessageNotContaining(WRONG_PASSWORD);
        });
        return Future.succeededFuture();
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anUnknownDatabaseFailsStartUpAtOnce(Vertx vertx, VertxTestContext ctx) {
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setRedisEnabled(false)).compose(lease -> {
      JsonObject connect = lease.postgresConnect().put("database", "no_such_database");
      long startNanos = System.nanoTime();
      return TradeKit.start(vertx, config(connect)).transform(ar -> {
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        ctx.verify(() -> {
          assertThat(ar.failed()).as("start-up failed").isTrue();
          assertThat(tookMs).as("did not wait resourceWaitMs (30 s)").isLessThan(2_000);
          assertThat(ar.cause()).isInstanceOf(ResourceRejectedException.class)
            .hasMessageContaining("resource 'postgres' at 127.0.0.1:" + connect.getInteger("port") + "/no_such_database")
            .hasMessageContaining("database \"no_such_database\" does not exist");
        });
        return Future.succeededFuture();
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aTypoInAnOptionBlockIsAConfigErrorNamingTheKey(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(service("idle", IdleService.class).put("uses", new JsonArray().add("postgres")));
    config.getJsonObject("resources").getJsonObject("postgres")
      .put("connect", new JsonObject().put("user", "trader").put("pasword", "s3cret"));
    TradeKit.start(vertx, config).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class)
        .hasMessage("resources.postgres.connect.pasword: unknown key for PgConnectOptions (did you mean password?)");
      ctx.completeNow();
    })));
  }
}
