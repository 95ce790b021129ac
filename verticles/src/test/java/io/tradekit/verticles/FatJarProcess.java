package io.tradekit.verticles;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code verticles/target/tradekit.jar} as a real child process for process-level tests:
 * output captured to files, HTTP probes of the admin server, signals via {@link Process#destroy()}
 * (SIGTERM on Linux).
 */
final class FatJarProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private FatJarProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  static FatJarProcess start(Path workDir, String... args) throws IOException {
    String jar = System.getProperty("tradekit.jar", "target/tradekit.jar");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-jar");
    command.add(Path.of(jar).toAbsolutePath().toString());
    command.addAll(List.of(args));
    Path out = workDir.resolve("stdout.log");
    Path err = workDir.resolve("stderr.log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
      .redirectOutput(out.toFile()).redirectError(err.toFile());
    return new FatJarProcess(builder.start(), out, err);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** @return the HTTP status of {@code GET http://127.0.0.1:port/path}, or -1 when not reachable */
  static int status(int port, String path) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(2)).GET().build();
      return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  Process process() {
    return process;
  }

  /** Sends SIGTERM. */
  void terminate() {
    process.destroy();
  }

  int waitForExit(long timeoutSeconds) throws InterruptedException {
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("process did not exit within " + timeoutSeconds + " s; stdout:\n" + stdout());
    }
    return process.exitValue();
  }

  String stdout() {
    return read(stdout);
  }

  String stderr() {
    return read(stderr);
  }

  /** @return the {@code event=...} names in stdout, in order, e.g. {@code service.stopped service=exchange} */
  List<String> events() {
    List<String> events = new ArrayList<>();
    for (String line : stdout().split("\n")) {
      int at = line.indexOf("event=");
      if (at >= 0) {
        events.add(line.substring(at));
      }
    }
    return events;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "<unreadable: " + e.getMessage() + ">";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
