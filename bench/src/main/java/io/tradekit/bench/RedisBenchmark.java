package io.tradekit.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code redis-benchmark} ceiling: pipelined XADD of one real entry's fields against the same
 * Redis, over a grid of pipeline depths ({@code -P}) and connections ({@code -c}); the best is the
 * ceiling. {@code redis-benchmark} comes from Debian's {@code redis-tools}; when it is missing the
 * harness installs it with {@code apt-get} and says so (recorded in the results). Main thread.
 */
final class RedisBenchmark {

  private static final Pattern RPS = Pattern.compile("([0-9]+(?:\\.[0-9]+)?) requests per second");
  static final int[] PIPELINES = {32, 128, 512};
  static final int[] CLIENTS = {1, 4, 16};

  private RedisBenchmark() {
  }

  /** @return a note on how redis-benchmark was obtained (found, or installed now) */
  static String ensureInstalled(Path work) throws Exception {
    if (onPath()) {
      return "redis-benchmark found on PATH";
    }
    System.out.println("redis-benchmark is missing: installing Debian's redis-tools with apt-get (needs root)");
    Path log = work.resolve("apt-get.log");
    int code = run(log, List.of("apt-get", "install", "-y", "-q", "redis-tools"));
    if (code != 0) {
      run(log, List.of("apt-get", "update", "-q"));
      code = run(log, List.of("apt-get", "install", "-y", "-q", "redis-tools"));
    }
    if (code != 0 || !onPath()) {
      throw new IllegalStateException("could not install redis-tools with apt-get (exit " + code + "); see " + log);
    }
    return "redis-benchmark installed by this run (apt-get install redis-tools)";
  }

  private static boolean onPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, "redis-benchmark"))) {
        return true;
      }
    }
    return false;
  }

  private static int run(Path log, List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
      .start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  /** One grid point's result: {@code stored} is the stream's length after it (must equal the requests). */
  record Point(int pipeline, int clients, double perSecond, long stored) {
  }

  /** Reads the stream's length and deletes it (between grid points, so memory does not pile up). */
  interface Cleanup {
    long lengthThenDelete() throws Exception;
  }

  /**
   * Runs {@code XADD <key> * <fields...>} {@code requests} times per grid point; the key is
   * checked (its length must equal {@code requests}: no silently failed XADD) and deleted after each point.
   */
  static List<Point> grid(String host, String port, String key, List<String> fields, int requests, Path work, Cleanup cleanup)
    throws Exception {
    List<Point> points = new ArrayList<>();
    for (int pipeline : PIPELINES) {
      for (int clients : CLIENTS) {
        List<String> command = new ArrayList<>(List.of("redis-benchmark", "-h", host, "-p", port, "-n", Integer.toString(requests),
          "-c", Integer.toString(clients), "-P", Integer.toString(pipeline), "-q", "XADD", key, "*"));
        command.addAll(fields);
        Path out = work.resolve("redis-benchmark-P" + pipeline + "-c" + clients + ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new IllegalStateException("redis-benchmark failed; see " + out);
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Matcher m = RPS.matcher(text);
        double rps = -1;
        while (m.find()) {
          rps = Double.parseDouble(m.group(1));
        }
        if (rps < 0) {
          throw new IllegalStateException("redis-benchmark printed no rate; see " + out);
        }
        long stored = cleanup.lengthThenDelete();
        if (stored != requests) {
          throw new IllegalStateException("redis-benchmark -P " + pipeline + " -c " + clients + ": " + requests
            + " XADDs sent but the stream holds " + stored + "; see " + out);
        }
        points.add(new Point(pipeline, clients, rps, stored));
      }
    }
    return points;
  }
}
