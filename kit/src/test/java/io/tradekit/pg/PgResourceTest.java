package io.tradekit.pg;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.resource.ResourceClosedException;
import io.tradekit.testing.TcpForwarder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The PostgreSQL resource against the embedded dev-services server. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class PgResourceTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static Future<DevServices.Lease> lease(Vertx vertx, String database) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setRedisEnabled(false).setDatabase(database));
  }

  private static PgResource create(Vertx vertx, String name, JsonObject connect, JsonObject migrations) {
    JsonObject block = new JsonObject().put("type", "postgres").put("connect", connect)
      .put("pool", new JsonObject().put("maxSize", 2));
    if (migrations != null) {
      block.put("migrations", migrations);
    }
    return (PgResource) new PgResourceFactory().create(vertx, name, block, "resources." + name);
  }

  @Test
  void opensQueriesAndCloses(Vertx vertx, VertxTestContext ctx) {
    lease(vertx, DevServicesOptions.DEFAULT_DATABASE).compose(lease -> {
      PgResource pg = create(vertx, "pg-main", lease.postgresConnect(), null);
      ctx.verify(() -> assertThat(pg.isOpen()).isFalse());
      return pg.open()
        .compose(v -> pg.pool().query("SELECT 41 + 1 AS answer").execute())
        .compose(rows -> {
          ctx.verify(() -> {
            assertThat(pg.isOpen()).isTrue();
            assertThat(rows.iterator().next().getInteger("answer")).isEqualTo(42);
          });
          return pg.check();
        })
        .compose(v -> pg.close())
        .onComplete(ar -> lease.release())
        .map(v -> pg);
    }).onComplete(ctx.succeeding(pg -> ctx.verify(() -> {
      assertThat(pg.isOpen()).isFalse();
      ctx.completeNow();
    })));
  }

  @Test
  void closedPoolFailsNamingTheResource(Vertx vertx, VertxTestContext ctx) {
    lease(vertx, DevServicesOptions.DEFAULT_DATABASE).compose(lease -> {
      PgResource pg = create(vertx, "pg-closed", lease.postgresConnect(), null);
      return pg.open().compose(v -> pg.close()).compose(v -> pg.close())
        .compose(v -> pg.check().transform(ar -> Future.succeededFuture(ar)))
        .onComplete(ar -> lease.release())
        .map(check -> {
          ctx.verify(() -> {
            assertThat(check.failed()).as("check() after close").isTrue();
            assertThat(check.cause()).isInstanceOf(ResourceClosedException.class).hasMessageContaining("'pg-closed'");
            assertThatThrownBy(pg::pool).isInstanceOf(ResourceClosedException.class)
              .hasMessageContaining("'pg-closed'")
              .satisfies(e -> assertThat(((ResourceClosedException) e).resourceName()).isEqualTo("pg-closed"));
            assertThat(pg.isOpen()).isFalse();
          });
          return pg;
        });
    }).onComplete(ctx.succeeding(pg -> ctx.completeNow()));
  }

  @Test
  void failedOpenLeavesTheResourceClosedAndReopenable(Vertx vertx, VertxTestContext ctx) {
    int deadPort = TcpForwarder.unusedPort();
    AtomicReference<TcpForwarder> forwarder = new AtomicReference<>();
    lease(vertx, DevServicesOptions.DEFAULT_DATABASE).compose(lease -> {
      JsonObject real = lease.postgresConnect();
      PgResource pg = create(vertx, "pg-later", real.copy().put("port", deadPort), null);
      return pg.open().transform(first -> {
        ctx.verify(() -> {
          assertThat(first.failed()).as("open against a port nobody listens on").isTrue();
          assertThat(pg.isOpen()).isFalse();
          assertThatThrownBy(pg::pool).isInstanceOf(ResourceClosedException.class).hasMessageContaining("'pg-later'");
        });
        // The dependency comes up on the same address: the same instance must open now.
        return TcpForwarder.start(vertx, deadPort, real.getString("host"), real.getInteger("port"));
      }).compose(started -> {
        forwarder.set(started);
        return pg.open();
      }).compose(v -> pg.pool().query("SELECT 7 AS seven").execute())
        .compose(rows -> {
          ctx.verify(() -> {
            assertThat(pg.isOpen()).isTrue();
            assertThat(rows.iterator().next().getInteger("seven")).isEqualTo(7);
          });
          return pg.close();
        })
        .eventually(() -> forwarder.get() == null ? Future.succeededFuture() : forwarder.get().close())
        .eventually(lease::release);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void migrateAppliesTestMigrationOnceAndReturnsTheCount(Vertx vertx, VertxTestContext ctx) {
    // A fresh database per run, so the count does not depend on other tests.
    String database = "kittest_" + Long.toString(System.nanoTime(), 36);
    lease(vertx, database).compose(lease -> {
      PgResource pg = create(vertx, "pg-migrate", lease.postgresConnect(), new JsonObject().put("enabled", true)
        .put("locations", new JsonArray().add("classpath:db/kittest")));
      return pg.open()
        .compose(v -> pg.migrate())
        .compose(first -> pg.migrate().map(second -> new int[] {first, second}))
        .compose(counts -> pg.pool().query("SELECT note FROM kit_test WHERE id = 1").execute().map(rows -> {
          ctx.verify(() -> {
            assertThat(counts[0]).as("first run").isEqualTo(1);
            assertThat(counts[1]).as("second run").isZero();
            assertThat(rows.size()).isEqualTo(1);
            Row row = rows.iterator().next();
            assertThat(row.getString("note")).isEqualTo("migrated");
          });
          return null;
        }))
        .eventually(pg::close)
        .eventually(lease::release);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void migrateIsANoOpWhenDisabled(Vertx vertx, VertxTestContext ctx) {
    PgResource pg = create(vertx, "pg-nomigrate", new JsonObject().put("host", "127.0.0.1").put("port", 1), null);
    pg.migrate().onComplete(ctx.succeeding(count -> ctx.verify(() -> {
      assertThat(pg.migrationsEnabled()).isFalse();
      assertThat(count).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  void addressNamesHostPortAndDatabaseButNoCredentials(Vertx vertx, VertxTestContext ctx) {
    PgResource pg = create(vertx, "pg-addr", new JsonObject().put("host", "db.internal").put("port", 6432)
      .put("database", "trades").put("user", "trader").put("password", "pw-secret"), null);
    ctx.verify(() -> {
      assertThat(pg.address()).isEqualTo("db.internal:6432/trades");
      assertThat(pg.type()).isEqualTo("postgres");
      ctx.completeNow();
    });
  }
}
