package io.tradekit.verticles;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * Runs {@code verticles/target/tradekit.jar} as a real child process for process-level tests:
 * output captured to files, HTTP probes of the admin server, signals via {@link Process#destroy()}
 * (SIGTERM on Linux).
 *
 * <p>Every process gets a private {@code java.io.tmpdir} under its work directory, so whatever it
 * spawns there (the embedded PostgreSQL data directory, the extracted {@code redis-server}) names
 * that directory on its command line. That is how the test finds them again: embedded PostgreSQL
 * daemonizes via {@code pg_ctl} and is re-parented to init, so it is not a descendant of the JVM.
 * The PostgreSQL binaries stay in the test JVM's shared extraction directory
 * ({@code ot.epg.working-dir}) so start-up time is unchanged. {@link #close()} kills the JVM and
 * every such process, even when the test failed.
 */
final class FatJarProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final long PROCESS_SCAN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private final String tmpMarker;
  private final long launchedNanos;
  /** Every process seen belonging to this run (descendants, or naming its tmp dir), by pid. */
  private final Map<Long, ProcessHandle> seen = new LinkedHashMap<>();
  /** Their command lines as first seen: a process that has exited has none to read any more. */
  private final Map<Long, String> commandLines = new LinkedHashMap<>();
  private final StringBuilder partialLine = new StringBuilder();
  private long stdoutOffset;
  private long lastScanNanos;

  private FatJarProcess(Process process, Path stdout, Path stderr, String tmpMarker, long launchedNanos) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
    this.tmpMarker = tmpMarker;
    this.launchedNanos = launchedNanos;
  }

  /** {@code java -jar tradekit.jar args...} in {@code workDir}. */
  static FatJarProcess start(Path workDir, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("-jar", jar().toString()));
    command.addAll(List.of(args));
    return launch(workDir, command);
  }

  /** {@code java <jvmArgs> -jar tradekit.jar args...}: JVM options after the default {@code -Xmx512m}, so e.g. {@code -Xmx256m} wins. */
  static FatJarProcess start(Path workDir, List<String> jvmArgs, String... args) throws IOException {
    List<String> command = new ArrayList<>(jvmArgs);
    command.addAll(List.of("-jar", jar().toString()));
    command.addAll(List.of(args));
    return launch(workDir, command);
  }

  /**
   * {@code java -cp tradekit.jar:<test classes> <mainClass> args...}: the jar plus this module's
   * test classes, for configs that deploy a test-only service. The jar's own {@code logback.xml}
   * is selected explicitly, since the test classes carry a {@code logback-test.xml}.
   */
  static FatJarProcess startWithTestClasses(Path workDir, String mainClass, String... args) throws IOException {
    Path testClasses;
    try {
      testClasses = Path.of(FatJarProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate the test classes", e);
    }
    List<String> command = new ArrayList<>(List.of("-Dlogback.configurationFile=logback.xml",
      "-cp", jar() + File.pathSeparator + testClasses, mainClass));
    command.addAll(List.of(args));
    return launch(workDir, command);
  }

  /**
   * The shipped {@code conf/config.json} with every relative {@code ...File} path (e.g. the
   * executor's {@code clientSecretFile}) made absolute against the repository root: the loader reads
   * such paths relative to the working directory, and these processes run in a private temp dir.
   */
  static JsonObject shippedConfig() throws IOException {
    Path root = Path.of(System.getProperty("tradekit.root", "..")).toAbsolutePath();
    JsonObject config = new JsonObject(Files.readString(root.resolve("conf").resolve("config.json")));
    absoluteFiles(config, root);
    return config;
  }

  private static void absoluteFiles(Object node, Path root) {
    if (node instanceof JsonObject object) {
      for (String key : object.fieldNames()) {
        Object value = object.getValue(key);
        if (key.endsWith("File") && value instanceof String path && !Path.of(path).isAbsolute()) {
          object.put(key, root.resolve(path).toString());
        } else {
          absoluteFiles(value, root);
        }
      }
    } else if (node instanceof JsonArray array) {
      array.forEach(child -> absoluteFiles(child, root));
    }
  }

  private static Path jar() {
    return Path.of(System.getProperty("tradekit.jar", "target/tradekit.jar")).toAbsolutePath();
  }

  private static FatJarProcess launch(Path workDir, List<String> javaArgs) throws IOException {
    Path tmp = Files.createDirectories(workDir.resolve("tmp")).toAbsolutePath();
    Path sharedPgBinaries = Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg").toAbsolutePath();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-Djava.io.tmpdir=" + tmp);
    command.add("-Dot.epg.working-dir=" + sharedPgBinaries);
    command.addAll(javaArgs);
    Path out = workDir.resolve("stdout.log");
    Path err = workDir.resolve("stderr.log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
      .redirectOutput(out.toFile()).redirectError(err.toFile());
    long launched = System.nanoTime();
    return new FatJarProcess(builder.start(), out, err, tmp.toString(), launched);
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

  /** @return milliseconds since the process was launched */
  long sinceLaunchMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launchedNanos);
  }

  /** Sends SIGTERM. */
  void terminate() {
    scanProcesses();
    process.destroy();
  }

  int waitForExit(long timeoutSeconds) throws InterruptedException {
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("process did not exit within " + timeoutSeconds + " s; stdout:\n" + stdout());
    }
    return process.exitValue();
  }

  /**
   * Waits for the process to exit, recording this run's processes meanwhile (so a child started
   * during the shutdown is known even if it outlives the JVM).
   *
   * @return true when it exited within {@code timeout}
   */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    long deadlineNanos = System.nanoTime() + timeout.toNanos();
    while (!process.waitFor(Math.min(PROCESS_SCAN_INTERVAL_NANOS, Math.max(0, deadlineNanos - System.nanoTime())),
        TimeUnit.NANOSECONDS)) {
      if (System.nanoTime() >= deadlineNanos) {
        return false;
      }
      scanProcesses();
    }
    return true;
  }

  /**
   * Waits for the first stdout line (from where the previous call stopped reading) that matches,
   * recording this run's processes meanwhile.
   *
   * @return the line, or empty when the process exited or {@code timeout} passed first
   */
  Optional<String> awaitLine(Predicate<String> matching, Duration timeout) {
    AtomicReference<String> found = new AtomicReference<>();
    try {
      await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
        .until(() -> {
          found.set(nextMatchingLine(matching));
          if (found.get() == null && System.nanoTime() - lastScanNanos > PROCESS_SCAN_INTERVAL_NANOS) {
            scanProcesses(); // only between reads, so a scan never delays noticing the line
          }
          return found.get() != null || !process.isAlive();
        });
    } catch (ConditionTimeoutException e) {
      return Optional.empty();
    }
    if (found.get() == null) {
      found.set(nextMatchingLine(matching)); // the line may have been written just before the exit
    }
    return Optional.ofNullable(found.get());
  }

  private String nextMatchingLine(Predicate<String> matching) {
    try (RandomAccessFile file = new RandomAccessFile(stdout.toFile(), "r")) {
      long length = file.length();
      if (length <= stdoutOffset) {
        return null;
      }
      byte[] bytes = new byte[(int) (length - stdoutOffset)];
      file.seek(stdoutOffset);
      file.readFully(bytes);
      String chunk = new String(bytes, StandardCharsets.UTF_8);
      int consumed = 0;
      int nl;
      while ((nl = chunk.indexOf('\n', consumed)) >= 0) {
        String line = partialLine + chunk.substring(consumed, nl);
        partialLine.setLength(0);
        consumed = nl + 1;
        if (matching.test(line)) {
          stdoutOffset += chunk.substring(0, consumed).getBytes(StandardCharsets.UTF_8).length;
          return line;
        }
      }
      partialLine.append(chunk.substring(consumed));
      stdoutOffset = length;
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + stdout, e);
    }
  }

  /** Records the JVM's descendants and every process naming this run's tmp dir (and theirs). */
  void scanProcesses() {
    lastScanNanos = System.nanoTime();
    if (process.isAlive()) {
      process.descendants().forEach(this::record);
    }
    ProcessHandle.allProcesses()
      .filter(p -> p.pid() != process.pid() && p.info().commandLine().map(c -> c.contains(tmpMarker)).orElse(false))
      .forEach(p -> {
        record(p);
        p.descendants().forEach(this::record);
      });
  }

  private void record(ProcessHandle p) {
    if (seen.putIfAbsent(p.pid(), p) == null) {
      commandLines.put(p.pid(), p.info().commandLine().orElse(p.info().command().orElse("?")));
    }
  }

  /**
   * @return the processes of this run still alive (after a fresh scan), each as
   *     {@code pid command line}; empty when the JVM left nothing behind
   */
  List<String> survivingProcesses() {
    scanProcesses();
    return seen.values().stream().filter(ProcessHandle::isAlive)
      .map(p -> p.pid() + " " + commandLines.get(p.pid())).collect(Collectors.toList());
  }

  /** @return the command lines of every process recorded for this run, alive or not */
  List<String> seenProcesses() {
    return seen.values().stream().map(p -> p.pid() + (p.isAlive() ? " (alive) " : " (exited) ") + commandLines.get(p.pid()))
      .collect(Collectors.toList());
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

  /** Kills the JVM and every process of this run that is still alive, and waits for them to go. */
  @Override
  public void close() {
    scanProcesses();
    List<ProcessHandle> all = new ArrayList<>();
    all.add(process.toHandle());
    all.addAll(seen.values());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Best effort: a process that outlives SIGKILL for 10 s is reported by the test itself.
      }
    }
  }
}
