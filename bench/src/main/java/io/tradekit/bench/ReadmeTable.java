package io.tradekit.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes the README's benchmark table from a results JSON, between the markers
 * {@code <!-- bench:begin -->} and {@code <!-- bench:end -->} of a Markdown file; misses are marked
 * as misses. Run by {@link Bench} after every run, or alone:
 * {@code java -cp bench/target/tradekit-bench.jar io.tradekit.bench.ReadmeTable [results.json] [file.md]}
 * (defaults: the newest file in {@code bench/results/}, and {@code bench/README.md}).
 */
public final class ReadmeTable {

  static final String BEGIN = "<!-- bench:begin -->";
  static final String END = "<!-- bench:end -->";

  private ReadmeTable() {
  }

  public static void main(String[] args) throws IOException {
    Path results = args.length > 0 ? Path.of(args[0]) : newest(Path.of("bench/results"));
    Path target = args.length > 1 ? Path.of(args[1]) : Path.of("bench/README.md");
    write(results, target);
    System.out.println("table from " + results + " written into " + target);
  }

  static Path newest(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".json")).max(Comparator.comparing(Path::getFileName))
        .orElseThrow(() -> new IllegalStateException("no results JSON in " + dir));
    }
  }

  static void write(Path results, Path target) throws IOException {
    String table = table(new JsonObject(Files.readString(results)), results.getFileName().toString());
    String text = Files.readString(target);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalStateException(target + ": expected the markers " + BEGIN + " and " + END);
    }
    Files.writeString(target, text.substring(0, begin + BEGIN.length()) + "\n" + table + text.substring(end));
  }

  static String table(JsonObject run, String source) {
    JsonObject machine = run.getJsonObject("machine", new JsonObject());
    StringBuilder md = new StringBuilder();
    md.append("Measured ").append(run.getString("finishedAt", "?")).append(" on commit `")
      .append(run.getString("commit", "?"), 0, Math.min(12, run.getString("commit", "?").length())).append("`, ")
      .append(machine.getInteger("cores")).append(" cores (").append(machine.getString("cpuModel")).append("), ")
      .append(machine.getString("memTotal")).append(" RAM, ").append(run.getString("jdk")).append(", ").append(run.getString("os"))
      .append("; load average ").append(run.getString("loadAverageAtStart", "?")).append(" at start, ")
      .append(run.getString("loadAverageAtEnd", "?")).append(" at end. ").append(run.getString("note", "")).append(" Source: `bench/results/").append(source).append("`.\n\n");
    md.append("| measure | value | ceiling (same run) | ratio | target | met |\n");
    md.append("|---|---:|---|---:|---|---|\n");
    JsonArray figures = run.getJsonArray("figures", new JsonArray());
    for (int i = 0; i < figures.size(); i++) {
      Figure f = Figure.fromJson(figures.getJsonObject(i));
      String value = Format.number(f.value()) + " " + f.unit();
      String ceiling = f.ceiling() == null ? "" : Format.number(f.ceiling()) + " " + f.unit() + " — " + f.ceilingWhat();
      String met = f.met() == null ? "" : f.met() ? "yes" : "**MISS**";
      String what = f.measure() + ": " + f.what().trim() + (f.note() == null ? "" : " <br><sub>" + f.note() + "</sub>");
      md.append("| ").append(escape(what)).append(" | ").append(value).append(" | ").append(escape(ceiling)).append(" | ")
        .append(Format.ratio(f.ratio())).append(" | ").append(f.target() == null ? "" : escape(f.target())).append(" | ")
        .append(met).append(" |\n");
    }
    return md.toString();
  }

  private static String escape(String s) {
    return s.replace("|", "\\|");
  }
}
