package io.tradekit.bench;

import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What a result was measured on: git commit, machine, JDK, OS, load. Read once per run; main thread. */
final class RunInfo {

  private RunInfo() {
  }

  static JsonObject collect() {
    return new JsonObject()
      .put("commit", command(List.of("git", "rev-parse", "HEAD")))
      .put("dirtyFiles", command(List.of("git", "status", "--porcelain", "--untracked-files=no")).lines().count())
      .put("machine", new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("cpuModel", firstValue(Path.of("/proc/cpuinfo"), "model name"))
        .put("memTotal", firstValue(Path.of("/proc/meminfo"), "MemTotal")))
      .put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
      .put("os", prettyOs() + ", kernel " + System.getProperty("os.version") + ", " + System.getProperty("os.arch"))
      .put("loadAverageAtStart", loadAverage());
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static String prettyOs() {
    String pretty = firstValue(Path.of("/etc/os-release"), "PRETTY_NAME");
    return pretty == null ? System.getProperty("os.name") : pretty.replace("\"", "");
  }

  private static String firstValue(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(line.contains(":") && !line.contains("=") ? ':' : '=') + 1).trim();
        }
      }
    } catch (Exception e) {
      return null;
    }
    return null;
  }

  private static String command(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unknown";
    } catch (Exception e) {
      return "unknown";
    }
  }
}
