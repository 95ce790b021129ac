package io.tradekit.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Prometheus text exposition as scraped from a process's admin {@code /metrics}: the benchmark
 * reads counters of the process under test this way, never through an in-process registry, so it
 * works with whatever metrics implementation that process has. Immutable.
 */
final class Prometheus {

  /** One sample line: metric name, the raw label text inside the braces ("" when none), value. */
  record Sample(String name, String labels, double value) {
  }

  private final List<Sample> samples;

  private Prometheus(List<Sample> samples) {
    this.samples = samples;
  }

  static Prometheus parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String name;
      String labels = "";
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        labels = line.substring(brace + 1, line.lastIndexOf('}'));
      } else {
        name = line.substring(0, line.indexOf(' '));
      }
      try {
        samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1).trim())));
      } catch (NumberFormatException timestampOrJunk) {
        // e.g. a trailing timestamp: "name value ts"; take the value before it
        String[] parts = line.substring(brace >= 0 ? line.lastIndexOf('}') + 1 : name.length()).trim().split("\\s+");
        samples.add(new Sample(name, labels, Double.parseDouble(parts[0])));
      }
    }
    return new Prometheus(samples);
  }

  /**
   * @return the sum of every sample of {@code name} (tried with and without Micrometer's
   *     {@code _total} suffix) whose labels match, or null when the process exposes no such metric
   */
  Double sum(String name, Predicate<String> labels) {
    double sum = 0;
    boolean found = false;
    for (Sample s : samples) {
      if ((s.name.equals(name) || s.name.equals(name + "_total")) && labels.test(s.labels)) {
        sum += s.value;
        found = true;
      }
    }
    return found ? sum : null;
  }

  Double sum(String name) {
    return sum(name, l -> true);
  }
}
