package io.tradekit.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The benchmark: every measure next to its ceiling from the same run, on this machine, against
 * the production {@code verticles/target/tradekit.jar} run as separate processes (so CPU and peak
 * RSS are per process, from {@code /proc}). Run from the repository root:
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar bench/target/tradekit-bench.jar [measures...] [options]
 * </pre>
 *
 * <p>Measures (all by default, in this order): {@code ingest} ({@link IngestMeasure}),
 * {@code latency} ({@link LatencyMeasure}), {@code persistence} ({@link PersistenceMeasure}),
 * {@code shutdown} ({@link ShutdownMeasure}), {@code startup} ({@link StartupMeasure}),
 * {@code jmh} ({@link JmhMeasure}). Options:
 * <ul>
 *   <li>{@code --seconds N} ingest load window (20)</li>
 *   <li>{@code --latency-seconds N} latency window after a 5 s warm-up (15); {@code --latency-rate N} (10000 trades/s)</li>
 *   <li>{@code --persist-rows N} trades preloaded for persistence (200000)</li>
 *   <li>{@code --shutdown-rate N} (10000 trades/s) and {@code --shutdown-seconds N} (10) before the SIGTERM</li>
 *   <li>{@code --startup-runs N} warm starts after the cold one (3)</li>
 *   <li>{@code --jar FILE} the production jar (verticles/target/tradekit.jar); {@code --results DIR} (bench/results)</li>
 *   <li>{@code --receiver-jvm "FLAGS"} JVM flags of the receiver process ("-Xmx256m")</li>
 *   <li>{@code --jmh-full} the JMH classes' own iteration settings instead of a quick 1-fork pass</li>
 * </ul>
 * Writes {@code bench/results/<time>-<commit>.json} (machine, JDK, commit, command, every figure with
 * its ceiling, target and {@code met}) and regenerates the table in {@code bench/README.md}
 * ({@link ReadmeTable}). JMH alone: {@code java -cp bench/target/tradekit-bench.jar org.openjdk.jmh.Main}.
 *
 * <p>Embedded PostgreSQL and Redis are started once by the harness (dev services) and shared by the
 * processes under test; the start-up measure runs the embedded default, which starts its own.
 */
public final class Bench {

  private Bench() {
  }

  public static void main(String[] args) throws Exception {
    BenchOptions options = BenchOptions.parse(args);
    JsonObject run = RunInfo.collect();
    run.put("command", ProcessHandle.current().info().commandLine().orElse("java io.tradekit.bench.Bench " + String.join(" ", args)))
      .put("startedAt", Instant.now().toString())
      .put("note", "Figures on a shared VM are noisy: compare a measure with its ceiling from the same run, and read the load averages.");
    BenchContext ctx = new BenchContext(options);
    JsonObject failures = new JsonObject();
    try (ctx) {
      ctx.open();
      for (String measure : options.measures) {
        System.out.println("== " + measure);
        long start = System.nanoTime();
        try {
          switch (measure) {
            case "ingest" -> new IngestMeasure(ctx).run();
            case "latency" -> new LatencyMeasure(ctx).run();
            case "persistence" -> new PersistenceMeasure(ctx).run();
            case "shutdown" -> new ShutdownMeasure(ctx).run();
            case "startup" -> new StartupMeasure(ctx).run();
            case "jmh" -> new JmhMeasure(ctx).run();
            default -> throw new IllegalArgumentException(measure);
          }
        } catch (Exception e) {
          // One broken measure must not hide the others: recorded as a failure and shown in the table.
          e.printStackTrace();
          failures.put(measure, String.valueOf(e));
          ctx.add(Figure.of(measure, "measure failed", null, "").failed(String.valueOf(e)));
        }
        System.out.printf(Locale.ROOT, "   (%s took %.0f s)%n", measure, (System.nanoTime() - start) / 1e9);
      }
    }
    JsonArray figures = new JsonArray();
    ctx.figures.forEach(f -> figures.add(f.toJson()));
    run.put("finishedAt", Instant.now().toString()).put("loadAverageAtEnd", RunInfo.loadAverage())
      .put("measures", new JsonArray(options.measures)).put("failures", failures).put("figures", figures).put("details", ctx.details);
    Files.createDirectories(options.results);
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    String commit = run.getString("commit");
    Path file = options.results.resolve(stamp + "-" + commit.substring(0, Math.min(10, commit.length())) + ".json");
    Files.writeString(file, run.encodePrettily());
    print(ctx);
    System.out.println("results: " + file);
    Path readme = Path.of("bench/README.md");
    if (Files.isRegularFile(readme)) {
      ReadmeTable.write(file, readme);
      System.out.println("table regenerated in " + readme);
    }
  }

  private static void print(BenchContext ctx) {
    System.out.printf(Locale.ROOT, "%n%-70s %16s  %-16s %6s  %-22s %s%n", "measure", "value", "ceiling", "ratio", "target", "met");
    for (Figure f : ctx.figures) {
      System.out.printf(Locale.ROOT, "%-70s %16s  %-16s %6s  %-22s %s%n", f.measure() + ": " + f.what(),
        Format.number(f.value()) + " " + f.unit(), f.ceiling() == null ? "" : Format.number(f.ceiling()),
        Format.ratio(f.ratio()), f.target() == null ? "" : f.target(), f.met() == null ? "" : f.met() ? "yes" : "MISS");
      if (f.ceilingWhat() != null) {
        System.out.printf(Locale.ROOT, "%-70s   ceiling: %s%n", "", f.ceilingWhat());
      }
      if (f.note() != null) {
        System.out.printf(Locale.ROOT, "%-70s   note: %s%n", "", f.note());
      }
    }
  }
}
