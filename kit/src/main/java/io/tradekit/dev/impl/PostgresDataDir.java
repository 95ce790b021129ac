package io.tradekit.dev.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A kept PostgreSQL data directory, claimed by one process at a time.
 *
 * <p>The claim is an exclusive lock on {@code <dir>.lock} beside the directory, held until
 * {@link #release()} or until the process dies (the OS drops the lock), so a second process, or a
 * second claim in the same JVM, sees it as in use and starts on a fresh directory instead.
 * Completeness is a marker file written after the first successful start on a new cluster: a
 * directory without it (an {@code initdb} or first start interrupted by a signal or a kill) is
 * never trusted. A server left running by a process that was killed (pg_ctl re-parents the
 * postmaster to init) is stopped before the directory is used again.
 *
 * <p>Used by {@link DevPostgres} on a worker thread; every method blocks (files, processes).
 */
public final class PostgresDataDir {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresDataDir.class);
  /** Written after the first successful start of a freshly initialised cluster. */
  static final String COMPLETE_MARKER = "tradekit-complete";
  private static final long ORPHAN_STOP_TIMEOUT_MS = 15_000;

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private PostgresDataDir(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * @param dir the data directory (need not exist; its parent is created)
   * @return the claimed directory, or empty when another process (or another claim in this JVM)
   *     holds it
   * @throws IOException when the lock file cannot be created (e.g. no permission)
   */
  public static Optional<PostgresDataDir> tryClaim(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    Path lockFile = lockFileOf(absolute);
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this JVM
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      return Optional.empty();
    }
    return Optional.of(new PostgresDataDir(absolute, channel, lock));
  }

  /** @return {@code <dir>.lock}, the file whose lock is the claim */
  public static Path lockFileOf(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".lock");
  }

  public Path path() {
    return dir;
  }

  /** @return true when the directory exists at all (complete or not) */
  public boolean exists() {
    return Files.isDirectory(dir);
  }

  /**
   * @return null when the directory holds a complete cluster for {@code majorVersion}, else why
   *     not (missing marker, missing or foreign {@code PG_VERSION}, missing control file). Cheap
   *     checks only: deeper damage shows when the server fails to start on it.
   */
  public String problem(String majorVersion) {
    if (!Files.isRegularFile(dir.resolve(COMPLETE_MARKER))) {
      return "no " + COMPLETE_MARKER + " marker (initdb or the first start did not finish)";
    }
    try {
      String version = Files.readString(dir.resolve("PG_VERSION")).trim();
      if (!version.equals(majorVersion)) {
        return "PG_VERSION is " + version + ", the embedded server is " + majorVersion;
      }
    } catch (IOException e) {
      return "PG_VERSION unreadable: " + e;
    }
    if (!Files.isRegularFile(dir.resolve("global").resolve("pg_control"))) {
      return "global/pg_control missing";
    }
    if (!Files.isRegularFile(dir.resolve("postgresql.conf"))) {
      return "postgresql.conf missing";
    }
    return null;
  }

  /** Marks the cluster complete; called once the server has started on a new cluster. */
  public void markComplete() throws IOException {
    Files.writeString(dir.resolve(COMPLETE_MARKER), "initialised and started once by tradekit dev services\n");
  }

  /**
   * Stops a postmaster still running on this directory, left by a process that died without
   * stopping it. Only reached while holding the claim, so no live owner can be using it.
   */
  public void stopOrphanServer() throws IOException {
    Path pidFile = dir.resolve("postmaster.pid");
    List<String> lines;
    try {
      lines = Files.readAllLines(pidFile);
    } catch (NoSuchFileException e) {
      return;
    }
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return; // a torn pid file: PostgreSQL itself replaces a stale one on start
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
      .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (process.isEmpty()) {
      return;
    }
    ProcessHandle postmaster = process.get();
    LOG.warn("event=devservice.orphan-stopped kind=postgres pid={} dataDir={}", pid, dir);
    // SIGTERM is PostgreSQL's smart shutdown; its clients died with their process, so it ends at once.
    postmaster.destroy();
    try {
      postmaster.onExit().get(ORPHAN_STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      postmaster.destroyForcibly(); // crash-stop: the next start replays the WAL
      try {
        postmaster.onExit().get(ORPHAN_STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (Exception again) {
        throw new IOException("an orphaned postmaster (pid " + pid + ") on " + dir + " did not stop");
      }
    }
  }

  /** Deletes the directory and everything in it (a new cluster is initialised in its place). */
  public void wipe() throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        if (exc != null) {
          throw exc;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Drops the claim; idempotent. The directory stays for the next run. */
  public void release() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("could not release the lock on {}: {}", lockFileOf(dir), e.toString());
    }
  }
}
