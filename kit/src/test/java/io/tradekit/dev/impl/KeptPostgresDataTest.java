package io.tradekit.dev.impl;

import io.tradekit.dev.impl.DevPostgres.DataState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dev PostgreSQL's kept data directory: reused by the next start, a claimed one falls back to
 * a temporary directory, a server orphaned by a killed process is stopped, an incomplete or
 * damaged cluster is re-created. Real servers; "another process" is a real second JVM.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class KeptPostgresDataTest {

  @TempDir
  Path tmp;

  private final List<DevPostgres> started = new ArrayList<>();
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void stopEverything() throws Exception {
    for (DevPostgres postgres : started) {
      postgres.close();
    }
    for (Process child : children) {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    // A server orphaned by a killed child that a failed test did not stop: stop it now.
    PostgresDataDir.tryClaim(tmp.resolve("pg")).ifPresent(dir -> {
      try {
        dir.stopOrphanServer();
      } catch (IOException ignored) {
        // reported by the test that failed
      } finally {
        dir.release();
      }
    });
  }

  @Test
  void secondStartReusesTheKeptClusterWithItsDataAndTheFirstStopWasClean(Vertx vertx, VertxTestContext ctx) {
    Path dir = tmp.resolve("pg");
    blocking(vertx, () -> {
      DevPostgres first = start(dir);
      DataState firstState = first.dataState();
      sql(first, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
      first.close();
      started.remove(first);
      boolean pidFileLeft = Files.exists(dir.resolve("postmaster.pid"));
      DevPostgres second = start(dir);
      return new Object[] {firstState, pidFileLeft, second.dataState(), count(second, "SELECT count(*) FROM kept WHERE v = 42"), second.keptDataDir()};
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(r[0]).isEqualTo(DataState.CREATED);
      assertThat(r[1]).as("postmaster.pid after close (a clean pg_ctl stop removes it)").isEqualTo(false);
      assertThat(r[2]).isEqualTo(DataState.REUSED);
      assertThat(r[3]).as("rows written by the first run").isEqualTo(1);
      assertThat(r[4]).isEqualTo(dir.toAbsolutePath());
      ctx.completeNow();
    })));
  }

  @Test
  void aDirectoryInUseByAnotherProcessFallsBackToATemporaryOne(Vertx vertx, VertxTestContext ctx) {
    Path dir = tmp.resolve("pg");
    blocking(vertx, () -> {
      Process holder = startHolder(dir);
      int holderPort = awaitReady(holder);
      DevPostgres ours = start(dir);
      Object[] result = {ours.dataState(), ours.keptDataDir(), ours.port() != holderPort,
        count(ours, "SELECT 1"), countOn(holderPort, "holder", "SELECT 1")};
      holder.getOutputStream().close(); // the holder stops its server and exits
      result = append(result, holder.waitFor(60, TimeUnit.SECONDS) ? holder.exitValue() : -1);
      return result;
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(r[0]).isEqualTo(DataState.IN_USE_FALLBACK);
      assertThat(r[1]).as("no kept directory: a temporary one").isNull();
      assertThat(r[2]).as("a server of its own").isEqualTo(true);
      assertThat(r[3]).isEqualTo(1);
      assertThat(r[4]).as("the other process's server still answers").isEqualTo(1);
      assertThat(r[5]).as("holder exit code").isEqualTo(0);
      ctx.completeNow();
    })));
  }

  @Test
  void aServerOrphanedByAKilledProcessIsStoppedAndItsClusterReused(Vertx vertx, VertxTestContext ctx) {
    Path dir = tmp.resolve("pg");
    blocking(vertx, () -> {
      Process holder = startHolder(dir);
      int holderPort = awaitReady(holder);
      countOn(holderPort, "holder", "SELECT 1");
      long orphanPid = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
      holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
      boolean orphanAliveAfterKill = ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false);
      DevPostgres ours = start(dir);
      boolean orphanAliveAfterStart = ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false);
      return new Object[] {orphanAliveAfterKill, ours.dataState(), orphanAliveAfterStart,
        count(ours, "SELECT 1 FROM pg_database WHERE datname = 'holder'")};
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(r[0]).as("precondition: pg_ctl's postmaster outlives a SIGKILLed JVM").isEqualTo(true);
      assertThat(r[1]).isEqualTo(DataState.REUSED);
      assertThat(r[2]).as("the orphaned postmaster is stopped").isEqualTo(false);
      assertThat(r[3]).as("the holder's database is in the reused cluster").isEqualTo(1);
      ctx.completeNow();
    })));
  }

  @Test
  void anIncompleteDirectoryIsRecreated(Vertx vertx, VertxTestContext ctx) {
    Path dir = tmp.resolve("pg");
    blocking(vertx, () -> {
      // What an initdb killed half-way leaves: configuration files, no marker.
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("postgresql.conf"), "# partial\n");
      DevPostgres ours = start(dir);
      return new Object[] {ours.dataState(), count(ours, "SELECT 1"), Files.exists(dir.resolve(PostgresDataDir.COMPLETE_MARKER))};
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(r[0]).isEqualTo(DataState.RECREATED);
      assertThat(r[1]).isEqualTo(1);
      assertThat(r[2]).as("marked complete once started").isEqualTo(true);
      ctx.completeNow();
    })));
  }

  @Test
  void aClusterTheServerCannotStartOnIsRecreated(Vertx vertx, VertxTestContext ctx) {
    Path dir = tmp.resolve("pg");
    blocking(vertx, () -> {
      DevPostgres first = start(dir);
      sql(first, "CREATE TABLE kept (v int)");
      first.close();
      started.remove(first);
      // Looks complete to the cheap checks, but PostgreSQL refuses it.
      Files.write(dir.resolve("global").resolve("pg_control"), new byte[8192]);
      DevPostgres second = start(dir);
      return new Object[] {second.dataState(), count(second, "SELECT 1 FROM pg_tables WHERE tablename = 'kept'")};
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(r[0]).isEqualTo(DataState.RECREATED);
      assertThat(r[1]).as("a new cluster, without the old table").isEqualTo(0);
      ctx.completeNow();
    })));
  }

  @Test
  void aClusterOfAnotherMajorVersionIsRecreatedAndTheConstantMatchesTheBinaries(Vertx vertx, VertxTestContext ctx) {
    Path dir = tmp.resolve("pg");
    blocking(vertx, () -> {
      DevPostgres first = start(dir);
      int major = count(first, "SELECT current_setting('server_version_num')::int / 10000");
      first.close();
      started.remove(first);
      Files.writeString(dir.resolve("PG_VERSION"), "15\n");
      DevPostgres second = start(dir);
      return new Object[] {major, second.dataState()};
    }).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertThat(r[0]).isEqualTo(Integer.parseInt(DevPostgres.MAJOR_VERSION));
      assertThat(r[1]).isEqualTo(DataState.RECREATED);
      ctx.completeNow();
    })));
  }

  private DevPostgres start(Path dir) throws IOException {
    DevPostgres postgres = DevPostgres.start(dir);
    started.add(postgres);
    return postgres;
  }

  private static <T> Future<T> blocking(Vertx vertx, Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  private static Object[] append(Object[] values, Object value) {
    Object[] more = java.util.Arrays.copyOf(values, values.length + 1);
    more[values.length] = value;
    return more;
  }

  private static void sql(DevPostgres postgres, String statements) throws Exception {
    try (Connection c = connect(postgres.port(), "postgres"); Statement s = c.createStatement()) {
      s.execute(statements);
    }
  }

  /** @return the first column of the first row as an int, or 0 when there is no row */
  private static int count(DevPostgres postgres, String query) throws Exception {
    return countOn(postgres.port(), "postgres", query);
  }

  private static int countOn(int port, String database, String query) throws Exception {
    try (Connection c = connect(port, database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  private static Connection connect(int port, String database) throws Exception {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, DevPostgres.SUPERUSER, "");
  }

  private Process startHolder(Path dir) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
      KeptPostgresHolder.class.getName(), dir.toString()).redirectErrorStream(true).start();
    children.add(child);
    return child;
  }

  /** @return the holder's port once it printed READY; fails with its output when it exits first */
  private static int awaitReady(Process holder) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("READY ")) {
        drain(out);
        return Integer.parseInt(line.split(" ")[1]);
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("holder exited before READY:\n" + seen);
  }

  /** Keeps reading the holder's output so it never blocks on a full pipe. */
  private static void drain(BufferedReader out) {
    Thread drainer = new Thread(() -> {
      try {
        while (out.readLine() != null) {
          // discard
        }
      } catch (IOException ignored) {
        // the holder is gone
      }
    }, "holder-output");
    drainer.setDaemon(true);
    drainer.start();
  }
}
