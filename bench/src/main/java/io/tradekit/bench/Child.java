package io.tradekit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One process under test (the production {@code tradekit.jar}, or the simulated exchange run from
 * it): its pid, output file, admin port, and what {@code /proc/<pid>} says about it (CPU time,
 * peak resident memory). Used from the harness's main thread only.
 */
final class Child implements AutoCloseable {

  /** Clock ticks per second of {@code /proc/<pid>/stat} times ({@code getconf CLK_TCK}; 100 on Linux). */
  private static final long CLOCK_TICKS_PER_SECOND = 100;

  final String name;
  final Process process;
  final Path log;
  /** The admin server's port (health, metrics), or -1 when disabled. */
  final int adminPort;
  final long spawnedNanos;

  Child(String name, Process process, Path log, int adminPort, long spawnedNanos) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.adminPort = adminPort;
    this.spawnedNanos = spawnedNanos;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** @return user + system CPU time of the process so far, in nanoseconds (from /proc/pid/stat) */
  long cpuNanos() {
    try {
      // Fields after "(comm) ": state is index 0, utime 11, stime 12 (clock ticks).
      String[] fields = Files.readString(Path.of("/proc/" + pid() + "/stat")).split("\\) ", 2)[1].split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    } catch (IOException | RuntimeException gone) {
      throw new IllegalStateException(name + " (pid " + pid() + "): /proc/pid/stat unreadable, process gone?", gone);
    }
  }

  /** @return the peak resident set size so far (VmHWM), in KiB, or -1 when the process is gone */
  long vmHwmKb() {
    return procStatusKb(pid(), "VmHWM:");
  }

  static long procStatusKb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("\\D+", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** @return the admin server's Prometheus text, parsed */
  Prometheus metrics() throws Exception {
    return Prometheus.parse(Http.get(adminPort, "/metrics"));
  }

  boolean ready() {
    return Http.status(adminPort, "/health/ready") == 200;
  }

  /** Waits for /health/ready 200; a process that exits first fails the measure (it is no fast start). */
  void awaitReady(long timeoutMs) throws Exception {
    Wait.until(timeoutMs, name + " /health/ready 200", () -> !alive() || ready());
    if (!alive()) {
      throw new IllegalStateException(name + " exited with code " + process.exitValue() + " before it was ready; see " + log);
    }
  }

  /** SIGTERM and wait; @return the exit code, or -1 when it did not exit within {@code timeoutMs} */
  int terminate(long timeoutMs) throws InterruptedException {
    process.destroy();
    return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      if (terminate(30_000) == -1) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
