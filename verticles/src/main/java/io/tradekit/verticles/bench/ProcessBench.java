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
      startupComparison(file, adminPort);
      long spawn = System.nanoTime();
      kit = spawn(file, List.of());
      awaitReady(kit, adminPort);
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

  private Process spawn(Path config, List<String> jvmArgs) throws Exception {
    List<String> command = new ArrayList<>(List.of(BenchSupport.javaBin(), "-Xmx512m"));
    command.addAll(jvmArgs);
    // For profiling the child, e.g. -Dbench.childJvmArgs=-XX:StartFlightRecording=filename=kit.jfr
    String extra = System.getProperty("bench.childJvmArgs", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.addAll(List.of("-jar", BenchSupport.jar(), "-conf", config.toString()));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("process-bench.log").toFile()).start();
  }

  /** Waits for /health/ready 200; a kit that exits first fails the run instead of counting as a fast start. */
  private void awaitReady(Process child, int adminPort) throws Exception {
    BenchSupport.waitUntil(60_000, "/health/ready 200", () -> !child.isAlive() || BenchSupport.httpStatus(adminPort, "/health/ready") == 200);
    if (!child.isAlive()) {
      throw new IllegalStateException("the kit exited with code " + child.exitValue() + " before it was ready; see "
        + dir.resolve("process-bench.log"));
    }
  }

  /** @return ms from spawn to /health/ready 200; the process is stopped (SIGTERM) afterwards */
  private long startOnce(Path config, int adminPort, List<String> jvmArgs) throws Exception {
    long spawn = System.nanoTime();
    Process child = spawn(config, jvmArgs);
    try {
      awaitReady(child, adminPort);
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawn);
    } finally {
      child.destroy();
      child.waitFor(60, TimeUnit.SECONDS);
    }
  }

  /**
   * Start-up of the plain jar against the same jar with an application class-data-sharing archive
   * (AppCDS, JDK 13+: {@code -XX:ArchiveClassesAtExit} in a training start, then
   * {@code -XX:SharedArchiveFile}), alternating, 3 starts each; the medians are reported. Most of a
   * cold start on 2 cores is class loading and verification before the first log line.
   */
  private void startupComparison(Path config, int adminPort) throws Exception {
    Path archive = dir.resolve("tradekit-cds.jsa");
    Files.deleteIfExists(archive);
    startOnce(config, adminPort, List.of("-XX:ArchiveClassesAtExit=" + archive));
    List<Double> plain = new ArrayList<>();
    List<Double> cds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      plain.add((double) startOnce(config, adminPort, List.of()));
      cds.add((double) startOnce(config, adminPort, List.of("-XX:SharedArchiveFile=" + archive)));
    }
    double plainMs = BenchSupport.median(plain);
    double cdsMs = BenchSupport.median(cds);
    results.put("startupComparison", new JsonObject().put("plainMs", new io.vertx.core.json.JsonArray(plain))
      .put("appCdsMs", new io.vertx.core.json.JsonArray(cds)).put("plainMedianMs", Math.round(plainMs))
      .put("appCdsMedianMs", Math.round(cdsMs)));
    table.add(new String[] {"6 start-up, median of 3 plain starts, ms", String.format(Locale.ROOT, "%,.0f", plainMs),
      "starts " + BenchSupport.rounded(plain)});
    table.add(new String[] {"6 start-up, median of 3 starts with an AppCDS archive, ms", String.format(Locale.ROOT, "%,.0f", cdsMs),
      "starts " + BenchSupport.rounded(cds)});
  }
}
