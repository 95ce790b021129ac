package io.tradekit.pg;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.resource.ResourceFactories;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The PostgreSQL client in {@code pgbouncer: true} mode through a REAL PgBouncer ({@code pool_mode =
 * transaction}) in front of the embedded PostgreSQL. Skipped when the Debian package is not
 * installed, except when {@value #REQUIRE_ENV}=1 ({@code .ci/run} installs it and sets that): then
 * a missing PgBouncer fails the suite.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class PgBouncerTransactionModeTest {

  private static final Path PGBOUNCER = Path.of("/usr/sbin/pgbouncer");

  @TempDir
  Path dir;
  private Process pgbouncer;

  /** Set by {@code .ci/run}: CI installs PgBouncer, so there a missing one is a failure, not a skip. */
  static final String REQUIRE_ENV = "TRADEKIT_REQUIRE_PGBOUNCER";

  @BeforeAll
  static void requirements() {
    boolean installed = Files.isExecutable(PGBOUNCER);
    if (!installed && "1".equals(System.getenv(REQUIRE_ENV))) {
      fail(REQUIRE_ENV + "=1 but " + PGBOUNCER + " is missing: the PgBouncer suite cannot run (apt-get install pgbouncer)");
    }
    assumeTrue(installed, "pgbouncer is not installed (apt-get install pgbouncer); skipping (set " + REQUIRE_ENV
      + "=1 to make this a failure)");
    DevServices.retainForJvm();
  }

  @AfterEach
  void stopPgBouncer() throws Exception {
    if (pgbouncer != null) {
      pgbouncer.destroy();
      pgbouncer.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private int startPgBouncer(int postgresPort) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path ini = dir.resolve("pgbouncer.ini");
    Files.writeString(ini, String.join("\n",
      "[databases]",
      "tradekit = host=127.0.0.1 port=" + postgresPort + " dbname=tradekit user=postgres",
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      "listen_port = " + port,
      "unix_socket_dir =",
      "auth_type = any",
      "pool_mode = transaction",
      "default_pool_size = 2",
      "max_client_conn = 50",
      ""));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(ini, PosixFilePermissions.fromString("rw-r--r--"));
    List<String> command = new ArrayList<>(List.of(PGBOUNCER.toString()));
    if ("root".equals(System.getProperty("user.name"))) {
      command.addAll(List.of("-u", "nobody")); // PgBouncer refuses to run as root
    }
    command.add(ini.toString());
    pgbouncer = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("pgbouncer.log").toFile()).start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return port;
      } catch (IOException notYet) {
        if (!pgbouncer.isAlive()) {
          break;
        }
        TimeUnit.MILLISECONDS.sleep(50); // test thread, not an event loop: waiting for a child process
      }
    }
    throw new IllegalStateException("pgbouncer did not listen: " + Files.readString(dir.resolve("pgbouncer.log")));
  }

  record Bar(String id, long n, String price) {
  }

  @Test
  void queriesTransactionsAndBulkUpsertWorkThroughTransactionPooling(Vertx vertx, VertxTestContext ctx) throws Exception {
    DevServices.Lease lease = DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)).toCompletionStage()
      .toCompletableFuture().get(60, TimeUnit.SECONDS);
    int port = startPgBouncer(lease.postgresConnect().getInteger("port"));
    PgResource pg = (PgResource) ResourceFactories.create(vertx, "bouncer", new JsonObject().put("type", "postgres")
      .put("pgbouncer", true).put("pool", new JsonObject().put("maxSize", 6))
      .put("connect", new JsonObject().put("host", "127.0.0.1").put("port", port).put("database", "tradekit")
        .put("user", "app").put("password", "unused")), "test");
    String table = "pgb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    List<Bar> rows = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      rows.add(new Bar("b" + i, i, i + ".25"));
    }
    BulkUpsert spec = BulkUpsert.into(table).column("id", "text").column("n", "bigint").column("price", "numeric")
      .onConflict("id").batchSize(3_000);
    pg.open()
      .compose(v -> pg.query("CREATE TABLE " + table + " (id text PRIMARY KEY, n bigint, price numeric)", Tuple.tuple(), false))
      .compose(v -> {
        // Many concurrent parameterised statements over 6 client connections and 2 server connections.
        List<Future<?>> queries = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          queries.add(pg.query("SELECT $1::int + 1 AS n", Tuple.of(i), true));
        }
        return Future.all(queries);
      })
      .compose(v -> pg.withTransaction(false, conn -> conn.preparedQuery("INSERT INTO " + table + " VALUES ($1, $2, $3)")
        .execute(Tuple.of("tx", 1L, new java.math.BigDecimal("1.5")))
        .compose(x -> conn.preparedQuery("UPDATE " + table + " SET n = n + 1 WHERE id = $1").execute(Tuple.of("tx")))
        .map(x -> 1)))
      .compose(v -> pg.withTransaction(false, conn -> conn.preparedQuery("INSERT INTO " + table + " VALUES ($1, $2, $3)")
        .execute(Tuple.of("rolled-back", 1L, new java.math.BigDecimal("1")))
        .compose(x -> Future.failedFuture(new IllegalStateException("abort on purpose")))).otherwiseEmpty())
      .compose(v -> pg.bulkUpsert(spec, rows, b -> new Object[] {b.id(), b.n(), b.price()}))
      .compose(first -> pg.bulkUpsert(spec, rows, b -> new Object[] {b.id(), b.n(), b.price()}).map(second -> List.of(first, second)))
      .compose(counts -> pg.query("SELECT (SELECT n FROM " + table + " WHERE id = 'tx'), "
        + "(SELECT count(*) FROM " + table + " WHERE id = 'rolled-back'), (SELECT count(*) FROM " + table + ")", Tuple.tuple(), true)
        .map(rs -> {
          ctx.verify(() -> {
            var row = rs.iterator().next();
            assertThat(row.getLong(0)).as("committed transaction").isEqualTo(2L);
            assertThat(row.getLong(1)).as("rolled-back transaction").isZero();
            assertThat(row.getLong(2)).isEqualTo(10_001L);
            assertThat(counts).containsExactly(10_000L, 0L);
          });
          return null;
        }))
      .eventually(pg::close)
      .eventually(lease::release)
      .onComplete(ctx.succeedingThenComplete());
  }
}
