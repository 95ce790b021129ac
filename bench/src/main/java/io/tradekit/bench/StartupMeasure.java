package io.tradekit.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Start to ready: the embedded default ({@code java -jar verticles/target/tradekit.jar} with
 * {@code conf/config.json}: dev services, the exchange and the whole pipeline), no JVM flags; time
 * from exec to the first {@code /health/ready} 200, and the process's peak RSS (VmHWM) then. The
 * first start of the run is reported as cold (first after the build for this jar and JIT, although
 * the OS page cache may already hold the jar); then {@code --startup-runs} warm starts, median.
 * Each start is ended with SIGTERM and must exit 0. When the default ports (admin 8080, exchange
 * 8090) are taken by something else on this machine, a copy of the config with only those ports
 * moved is used, and the results say so.
 */
final class StartupMeasure {

  static final double TARGET_WARM_MS = 2_000;
  private final BenchContext ctx;

  StartupMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    JsonObject d = new JsonObject();
    ctx.details.put("startup", d);
    Path config = Path.of("conf/config.json");
    if (!Files.isRegularFile(config)) {
      throw new IllegalStateException("conf/config.json not found: run the benchmark from the repository root");
    }
    List<String> args = new ArrayList<>();
    int adminPort = 8080;
    if (!free(8080) || !free(8090)) {
      adminPort = BenchContext.freePort();
      int exchangePort = BenchContext.freePort();
      String text = Files.readString(config).replace("\"port\": 8080", "\"port\": " + adminPort)
        .replace("8090", Integer.toString(exchangePort));
      Path moved = ctx.work.resolve("config-ports-moved.json");
      Files.writeString(moved, text);
      args.addAll(List.of("-conf", moved.toString()));
      d.put("config", "conf/config.json with admin port " + adminPort + " and exchange port " + exchangePort
        + " (8080/8090 were in use on this machine)");
    } else {
      d.put("config", "conf/config.json");
    }
    JsonArray starts = new JsonArray();
    d.put("starts", starts);
    int runs = 1 + ctx.options.startupRuns;
    long[] warm = new long[ctx.options.startupRuns];
    long coldMs = -1;
    long coldHwm = -1;
    long maxHwm = -1;
    for (int i = 0; i < runs; i++) {
      Child child = ctx.spawn("startup-" + i, List.of(), args, adminPort);
      try {
        child.awaitReady(120_000);
        long ms = (System.nanoTime() - child.spawnedNanos) / 1_000_000;
        long hwm = child.vmHwmKb();
        long stop = System.nanoTime();
        int code = child.terminate(90_000);
        long stopMs = (System.nanoTime() - stop) / 1_000_000;
        starts.add(new JsonObject().put("kind", i == 0 ? "cold" : "warm").put("toReadyMs", ms).put("vmHwmKbAtReady", hwm)
          .put("exitCode", code).put("sigtermToExitMs", stopMs));
        if (code != 0) {
          throw new IllegalStateException("start " + i + ": SIGTERM exit code " + code + "; see " + child.log);
        }
        if (i == 0) {
          coldMs = ms;
          coldHwm = hwm;
        } else {
          warm[i - 1] = ms;
        }
        maxHwm = Math.max(maxHwm, hwm);
      } finally {
        child.close();
      }
    }
    long[] sorted = warm.clone();
    Arrays.sort(sorted);
    double median = sorted.length == 0 ? Double.NaN
      : sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
    d.put("coldMs", coldMs).put("warmMedianMs", median).put("warmMs", new JsonArray(Arrays.stream(warm).boxed().toList()));
    ctx.add(Figure.of("startup", "embedded default, exec → /health/ready 200, warm (median of " + warm.length + ")", median, "ms")
      .note("warm starts " + Arrays.toString(warm) + " ms; " + d.getString("config") + "; no JVM flags").target(true, TARGET_WARM_MS));
    ctx.add(Figure.of("startup", "embedded default, cold (first start of the run)", (double) coldMs, "ms"));
    ctx.add(Figure.of("startup", "peak RSS (VmHWM) at ready, highest of the starts", maxHwm / 1024.0, "MiB")
      .note(String.format(Locale.ROOT, "cold start %.0f MiB; JVM default heap sizing", coldHwm / 1024.0)));
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
