package io.tradekit.verticles.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Process, HTTP and timing helpers of the benchmark harness (runs on the harness's main thread). */
final class BenchSupport {

  // HTTP/1.1: the JDK client's default first tries an h2c upgrade per connection, which delayed the
  // first 200 from /health/ready by about 0.8 s after the kit was ready (curl saw it within 65 ms).
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();

  private BenchSupport() {
  }

  static String jar() {
    return Path.of(PipelineBenchmark.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts the simulated exchange as its own process ({@code run service:exchange}) and waits for its port. */
  static Process startExchange(Path dir, int port, Object tradesPerSecond, List<String> instruments) throws Exception {
    JsonObject config = new JsonObject().put("admin", new JsonObject().put("enabled", false))
      .put("services", new JsonArray().add(new JsonObject().put("name", "exchange")
        .put("verticle", "io.tradekit.verticles.exchange.SimulatedExchangeVerticle")
        .put("config", new JsonObject().put("port", port).put("instruments", new JsonArray(instruments))
          .put("tradesPerSecond", tradesPerSecond).put("minHeartbeatIntervalMs", 100))));
    Path file = dir.resolve("exchange-" + port + ".json");
    Files.writeString(file, config.encode());
    Process process = new ProcessBuilder(javaBin(), "-Xmx512m", "-jar", jar(), "run", "service:exchange", "-conf", file.toString())
      .redirectErrorStream(true).redirectOutput(dir.resolve("exchange-" + port + ".log").toFile()).start();
    waitUntil(30_000, "exchange listening on " + port, () -> portOpen(port));
    return process;
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static boolean portOpen(int port) {
    try (Socket ignored = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void stop(Process process) throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  static JsonObject exchangeStats(int port) throws Exception {
    return new JsonObject(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/stats")).GET().build(),
      HttpResponse.BodyHandlers.ofString()).body());
  }

  static void fault(int port, JsonObject fault) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/faults"))
      .POST(HttpRequest.BodyPublishers.ofString(fault.encode())).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("fault rejected: " + response.body());
    }
  }

  static int httpStatus(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2))
        .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static void waitUntil(long timeoutMs, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(what + " did not happen within " + timeoutMs + " ms");
      }
      TimeUnit.MILLISECONDS.sleep(20); // the harness's main thread, never an event loop
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }

  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D+", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  static double percentile(List<Long> values, double p) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Long::compare);
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  static Future<Void> timer(Vertx vertx, long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, ms), t -> p.complete());
    return p.future();
  }

  /** @return the values formatted for the table, e.g. [47,521, 53,288] */
  static List<String> rounded(List<Double> values) {
    return values.stream().map(v -> String.format(Locale.ROOT, "%,.0f", v)).toList();
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /**
   * CPU time used so far by this JVM and by the PostgreSQL and Redis processes of the machine
   * (read from /proc; zero where it cannot be read), in nanoseconds.
   */
  record CpuSample(long jvmNanos, long postgresNanos, long redisNanos) {

    static CpuSample now() {
      long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      long[] ticks = new long[2];
      try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
        for (Path proc : procs) {
          try {
            String comm = Files.readString(proc.resolve("comm")).trim();
            int slot = comm.startsWith("postgres") ? 0 : comm.startsWith("redis-server") ? 1 : -1;
            if (slot >= 0) {
              // Fields after "(comm) ": state is 0, utime 11, stime 12 (clock ticks).
              String[] fields = Files.readString(proc.resolve("stat")).split("\\) ", 2)[1].split(" ");
              ticks[slot] += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            }
          } catch (IOException | RuntimeException processGone) {
            // The process ended between listing and reading: its time is no longer attributable.
          }
        }
      } catch (IOException noProc) {
        // Not Linux: only the JVM's own time is known.
      }
      long nanosPerTick = 1_000_000_000L / 100; // USER_HZ is 100 on Linux
      return new CpuSample(jvm, ticks[0] * nanosPerTick, ticks[1] * nanosPerTick);
    }

    CpuSample minus(CpuSample o) {
      return new CpuSample(jvmNanos - o.jvmNanos, postgresNanos - o.postgresNanos, redisNanos - o.redisNanos);
    }

    CpuSample plus(CpuSample o) {
      return new CpuSample(jvmNanos + o.jvmNanos, postgresNanos + o.postgresNanos, redisNanos + o.redisNanos);
    }

    JsonObject perRowJson(double rows) {
      return new JsonObject().put("jvm", round1(jvmNanos / 1e3 / rows)).put("postgres", round1(postgresNanos / 1e3 / rows))
        .put("redis", round1(redisNanos / 1e3 / rows)).put("total", round1((jvmNanos + postgresNanos + redisNanos) / 1e3 / rows));
    }

    String perRowText(double rows) {
      return String.format(Locale.ROOT, "%.1f / %.1f / %.1f (total %.1f)", jvmNanos / 1e3 / rows, postgresNanos / 1e3 / rows,
        redisNanos / 1e3 / rows, (jvmNanos + postgresNanos + redisNanos) / 1e3 / rows);
    }

    private static double round1(double v) {
      return Math.round(v * 10) / 10.0;
    }
  }
}
