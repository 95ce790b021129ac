package io.tradekit.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of {@link Bench} (see its Javadoc for the list). Parsed once on the main
 * thread; plain values afterwards.
 */
final class BenchOptions {

  static final List<String> ALL = List.of("ingest", "latency", "persistence", "shutdown", "startup", "jmh");

  final List<String> measures = new ArrayList<>();
  int ingestSeconds = 20;
  int latencySeconds = 15;
  int latencyRate = 10_000;
  int persistRows = 200_000;
  int shutdownRate = 10_000;
  int shutdownSeconds = 10;
  int startupRuns = 3;
  Path jar = Path.of("verticles/target/tradekit.jar");
  Path results = Path.of("bench/results");
  /** JVM flags of the receiver process in ingest/latency; its heap is bounded as a deployment's would be. */
  List<String> receiverJvmArgs = List.of("-Xmx256m");
  boolean jmhQuick = true;

  static BenchOptions parse(String[] args) {
    BenchOptions o = new BenchOptions();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--seconds" -> o.ingestSeconds = Integer.parseInt(value(args, ++i, a));
        case "--latency-seconds" -> o.latencySeconds = Integer.parseInt(value(args, ++i, a));
        case "--latency-rate" -> o.latencyRate = Integer.parseInt(value(args, ++i, a));
        case "--persist-rows" -> o.persistRows = Integer.parseInt(value(args, ++i, a));
        case "--shutdown-rate" -> o.shutdownRate = Integer.parseInt(value(args, ++i, a));
        case "--shutdown-seconds" -> o.shutdownSeconds = Integer.parseInt(value(args, ++i, a));
        case "--startup-runs" -> o.startupRuns = Integer.parseInt(value(args, ++i, a));
        case "--jar" -> o.jar = Path.of(value(args, ++i, a));
        case "--results" -> o.results = Path.of(value(args, ++i, a));
        case "--receiver-jvm" -> o.receiverJvmArgs = List.of(value(args, ++i, a).trim().split("\\s+"));
        case "--jmh-full" -> o.jmhQuick = false;
        default -> {
          if (a.startsWith("-") || !ALL.contains(a)) {
            throw new IllegalArgumentException("unknown argument \"" + a + "\"; measures are " + ALL
              + ", options --seconds N --latency-seconds N --latency-rate N --persist-rows N --shutdown-rate N"
              + " --shutdown-seconds N --startup-runs N --jar FILE --results DIR --receiver-jvm \"FLAGS\" --jmh-full");
          }
          o.measures.add(a);
        }
      }
    }
    if (o.measures.isEmpty()) {
      o.measures.addAll(ALL);
    }
    return o;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + ": expected a value");
    }
    return args[i];
  }
}
