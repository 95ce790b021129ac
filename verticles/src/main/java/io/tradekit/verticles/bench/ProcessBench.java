package io.tradekit.verticles.bench;

import io.tradekit.dev.DevServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Measures 5 (graceful shutdown under load) and 6 (start-up, resident memory) on a real
 * {@code tradekit.jar} process: the pipeline (analyzer, distributor ×2, receiver) against an
 * exchange process at a fixed rate, using the harness's embedded PostgreSQL and Redis (so dev
 * services are excluded from start-up and the data survives the process for the loss count).
 */
final class ProcessBench {

  private final Vertx vertx;
  private final Path dir;
  private final DevServices.Lease lease;
  private final JsonObject results;
  private final List<String[]> table;

  ProcessBench(Vertx vertx, Path dir, DevServices.Lease lease, JsonObject results, List<String[]> table) {
    this.vertx = vertx;
    this.dir = dir;
    this.lease = lease;
    this.results = results;
    this.table = table;
  }

  void run(int rate, int loadSeconds) throws Exception {
    int exchangePort = BenchSupport.freePort();
    Process exchange = BenchSupport.startExchange(dir, exchangePort, rate, PipelineBenchmark.INSTRUMENTS);
    Process kit = null;
    try {
      String name = "shutdown" + System.currentTimeMillis();
      int adminPort = BenchSupport.freePort();
      JsonObject config = new PipelineBenchmarkConfig(lease).config(name, exchangePort)
        .put("admin", new JsonObject().put("port", adminPort));
      Path file = dir.resolve("process-bench.json");
      Files.writeString(file, config.encodePrettily());
      long spawn = System.nanoTime();
      List<String> command = new ArrayList<>(List.of(BenchSupport.javaBin(), "-Xmx512m"));
      // For profiling the child, e.g. -Dbench.childJvmArgs=-XX:StartFlightRecording=filename=kit.jfr
      String extra = System.getProperty("bench.childJvmArgs", "").trim();
      if (!extra.isEmpty()) {
        command.addAll(List.of(extra.split("\\s+")));
      }
      command.addAll(List.of("-jar", BenchSupport.jar(), "-conf", file.toString()));
      System.out.println("spawning kit at " + java.time.Instant.now());
      kit = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(dir.resolve("process-bench.log").toFile()).start();
      Process child = kit;
      BenchSupport.waitUntil(60_000, "/health/ready 200", () -> !child.isAlive() || BenchSupport.httpStatus(adminPort, "/health/ready") == 200);
      long startupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawn);
      TimeUnit.SECONDS.sleep(loadSeconds); // load window (harness thread)
      long rssKb = BenchSupport.rssKb(kit.pid());
      long term = System.nanoTime();
      kit.destroy(); // SIGTERM
      boolean exited = kit.waitFor(60, TimeUnit.SECONDS);
      long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - term);
      int exitCode = exited ? kit.exitValue() : -1;
      long accepted = new PipelineBenchmarkConfig(lease).acceptedEntries(vertx, name);
      long persisted = new PipelineBenchmarkConfig(lease).persistedRows(vertx, name);
      results.put("shutdownUnderLoad", new JsonObject().put("ratePerSecond", rate).put("loadSeconds", loadSeconds)
        .put("timeToExitMs", exitMs).put("exitCode", exitCode).put("accepted", accepted).put("persisted", persisted)
        .put("acceptedNotPersisted", accepted - persisted));
      results.put("startup", new JsonObject().put("toReadyMs", startupMs).put("rssUnderLoadMb", rssKb / 1024)
        .put("devServicesStartMsSeparately", results.getLong("devServicesStartMs")));
      table.add(new String[] {"5 SIGTERM at " + rate + "/s: time to exit, ms", String.format(Locale.ROOT, "%,d", exitMs),
        "exit " + exitCode + ", accepted " + accepted + ", not persisted " + (accepted - persisted)});
      table.add(new String[] {"6 start-up to /health/ready 200 (no dev services), ms", String.format(Locale.ROOT, "%,d", startupMs),
        "dev services alone: " + results.getLong("devServicesStartMs") + " ms"});
      table.add(new String[] {"  resident memory under load, MB", String.format(Locale.ROOT, "%,d", rssKb / 1024), "-Xmx512m"});
    } finally {
      BenchSupport.stop(kit);
      BenchSupport.stop(exchange);
    }
  }
}
