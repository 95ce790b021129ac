package io.tradekit.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The JMH microbenchmarks of {@code io.tradekit.bench.jmh} (bulk-insert parameter building, and
 * whatever frame-decode and XADD-encoding classes are there), run in forked JVMs. By default a
 * quick pass (1 fork, 2 × 1 s warm-up, 3 × 1 s measurement); {@code --jmh-full} uses each class's
 * own settings. In a class that has a {@code baseline} method, throughput results of the other
 * methods are shown against it as their ceiling (the baseline does the least work that gives the
 * same output).
 */
final class JmhMeasure {

  private final BenchContext ctx;

  JmhMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    ChainedOptionsBuilder b = new OptionsBuilder().include("io\\.tradekit\\.bench\\.jmh\\..*").shouldFailOnError(true);
    if (ctx.options.jmhQuick) {
      b.forks(1).warmupIterations(2).warmupTime(TimeValue.seconds(1)).measurementIterations(3)
        .measurementTime(TimeValue.seconds(1));
    }
    Collection<RunResult> results = new Runner(b.build()).run();
    JsonArray json = new JsonArray();
    Map<String, Double> baselines = new HashMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      if (label.endsWith(".baseline") && r.getParams().getMode().shortLabel().equals("thrpt")) {
        baselines.put(label.substring(0, label.lastIndexOf('.')), r.getPrimaryResult().getScore());
      }
    }
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      String cls = label.substring(0, label.lastIndexOf('.'));
      String shortName = label.substring(cls.lastIndexOf('.') + 1);
      String params = r.getParams().getParamsKeys().isEmpty() ? "" : " " + r.getParams().getParamsKeys().stream()
        .map(k -> k + "=" + r.getParams().getParam(k)).toList();
      double score = r.getPrimaryResult().getScore();
      String unit = r.getPrimaryResult().getScoreUnit();
      json.add(new JsonObject().put("benchmark", label + params).put("mode", r.getParams().getMode().shortLabel()).put("score", score)
        .put("error", r.getPrimaryResult().getScoreError()).put("unit", unit));
      Figure f = Figure.of("jmh", shortName + params, score, unit)
        .note(String.format(java.util.Locale.ROOT, "± %s (99.9%%)", Format.number(r.getPrimaryResult().getScoreError())));
      Double baseline = baselines.get(cls);
      if (baseline != null && !label.endsWith(".baseline") && r.getParams().getMode().shortLabel().equals("thrpt")) {
        f = f.ceiling("baseline of the same class", baseline);
      }
      ctx.add(f);
    }
    ctx.details.put("jmh", new JsonObject().put("quick", ctx.options.jmhQuick).put("results", json));
  }
}
