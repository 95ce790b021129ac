package io.tradekit.pg;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PgResource#migrate()} on a schema already at the local migrations does not run Flyway
 * (which would open a JDBC connection of its own), and hands over to Flyway whenever the history
 * differs: a pending migration is applied, a tampered checksum is rejected by Flyway's validation.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class MigrationsUpToDateTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static String freshDatabase() {
    return "mig_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static Future<DevServices.Lease> lease(Vertx vertx, String database) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setRedisEnabled(false).setDatabase(database));
  }

  /** A pool of ONE connection, so it keeps the connection it opened with. */
  private static PgResource create(Vertx vertx, JsonObject connect, String... locations) {
    JsonObject block = new JsonObject().put("type", "postgres").put("connect", connect)
      .put("pool", new JsonObject().put("maxSize", 1))
      .put("migrations", new JsonObject().put("enabled", true).put("locations", new JsonArray(java.util.List.of((Object[]) locations))));
    return (PgResource) new PgResourceFactory().create(vertx, "pg-mig", block, "resources.pg-mig");
  }

  /** Runs {@code sql} from a connection to the {@code postgres} database (not the one under test). */
  private static Future<Void> admin(Vertx vertx, JsonObject connect, String sql) {
    return PgConnection.connect(vertx, new PgConnectOptions(connect.copy().put("database", "postgres")))
      .compose(c -> c.query(sql).execute().eventually(c::close)).mapEmpty();
  }

  @Test
  void anUpToDateSchemaMigratesWithoutFlywayEvenWhenNoNewConnectionIsPossible(Vertx vertx, VertxTestContext ctx) {
    String database = freshDatabase();
    lease(vertx, database).compose(lease -> {
      JsonObject connect = lease.postgresConnect();
      PgResource first = create(vertx, connect, "classpath:db/kittest");
      PgResource second = create(vertx, connect, "classpath:db/kittest");
      return first.open().compose(v -> first.migrate())
        .compose(appliedFirst -> second.open()
          // Existing connections stay; Flyway's own JDBC connection would now be refused.
          .compose(v -> admin(vertx, connect, "ALTER DATABASE " + database + " ALLOW_CONNECTIONS false"))
          .compose(v -> second.migrate())
          .map(appliedSecond -> java.util.List.of(appliedFirst, appliedSecond)))
        .eventually(() -> admin(vertx, connect, "ALTER DATABASE " + database + " ALLOW_CONNECTIONS true"))
        .eventually(second::close).eventually(first::close).eventually(lease::release);
    }).onComplete(ctx.succeeding(applied -> ctx.verify(() -> {
      assertThat(applied.get(0)).as("first migrate (Flyway)").isEqualTo(1);
      assertThat(applied.get(1)).as("second migrate, schema current").isZero();
      ctx.completeNow();
    })));
  }

  @Test
  void aPendingMigrationIsAppliedByFlyway(Vertx vertx, VertxTestContext ctx) {
    String database = freshDatabase();
    lease(vertx, database).compose(lease -> {
      JsonObject connect = lease.postgresConnect();
      PgResource first = create(vertx, connect, "classpath:db/kittest");
      PgResource second = create(vertx, connect, "classpath:db/kittest", "classpath:db/kittest2");
      return first.open().compose(v -> first.migrate())
        .compose(v -> second.open()).compose(v -> second.migrate())
        .compose(applied -> second.pool().query("SELECT count(*) AS n FROM information_schema.columns"
            + " WHERE table_name = 'kit_test' AND column_name = 'extra'").execute()
          .map(rows -> java.util.List.of(applied, rows.iterator().next().getInteger("n"))))
        .eventually(second::close).eventually(first::close).eventually(lease::release);
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(r.get(0)).as("applied by the second migrate").isEqualTo(1);
      assertThat(r.get(1)).as("V2's column").isEqualTo(1);
      ctx.completeNow();
    })));
  }

  @Test
  void aTamperedHistoryIsLeftToFlywaysValidationWhichRejectsIt(Vertx vertx, VertxTestContext ctx) {
    String database = freshDatabase();
    lease(vertx, database).compose(lease -> {
      JsonObject connect = lease.postgresConnect();
      PgResource first = create(vertx, connect, "classpath:db/kittest");
      PgResource second = create(vertx, connect, "classpath:db/kittest");
      return first.open().compose(v -> first.migrate())
        .compose(v -> first.pool().query("UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '1'").execute())
        .compose(v -> second.open()).compose(v -> second.migrate().transform(Future::succeededFuture))
        .eventually(second::close).eventually(first::close).eventually(lease::release);
    }).onComplete(ctx.succeeding(result -> ctx.verify(() -> {
      assertThat(result.failed()).as("migrate with a checksum Flyway does not expect").isTrue();
      assertThat(result.cause().getMessage()).contains("checksum mismatch");
      ctx.completeNow();
    })));
  }
}
