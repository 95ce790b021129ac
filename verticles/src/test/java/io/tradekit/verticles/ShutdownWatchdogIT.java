package io.tradekit.verticles;

import io.tradekit.supervisor.TradeKitLauncher;
import io.tradekit.verticles.testing.BlockingStopService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SIGTERM watchdog on a real process: a service whose {@code stop()} blocks its event loop
 * keeps the ordered stop from ever finishing; once {@code shutdown.deadlineMs} plus
 * {@code shutdown.watchdogMarginMs} have passed, a plain thread logs
 * {@code event=supervisor.watchdog} with a thread dump and halts the JVM with exit code 1.
 * Without it only SIGKILL would end the process.
 *
 * <p>The service is a test class, so the process runs the jar's launcher with the jar plus this
 * module's test classes on the class path. No resources and no dev services: nothing but the
 * supervisor and the stuck service.
 */
@Timeout(value = 90)
class ShutdownWatchdogIT {

  private static final long DEADLINE_MS = 1_000;
  private static final long WATCHDOG_MARGIN_MS = 1_000;
  /** Deadline plus margin, plus generous room for the dump and the halt on a loaded machine. */
  private static final Duration EXIT_BOUND = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @Test
  void sigtermWithAStopBlockingItsEventLoopIsHaltedByTheWatchdogWithExitOneAndAThreadDump() throws Exception {
    JsonObject config = new JsonObject()
      .put("description", "one service whose stop() blocks its event loop")
      .put("admin", new JsonObject().put("port", 0))
      .put("shutdown", new JsonObject().put("deadlineMs", DEADLINE_MS).put("watchdogMarginMs", WATCHDOG_MARGIN_MS))
      .put("services", new JsonArray().add(new JsonObject()
        .put("name", "stuck")
        .put("verticle", BlockingStopService.class.getName())
        // Longer than the deadline: the supervisor's own per-service bound must not be what ends it.
        .put("stopTimeoutMs", 30_000)));
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());

    try (FatJarProcess process = FatJarProcess.startWithTestClasses(dir, TradeKitLauncher.class.getName(),
        "-conf", file.toString())) {
      Optional<String> ready = process.awaitLine(l -> l.contains("event=supervisor.ready"), Duration.ofSeconds(60));
      assertThat(ready).as("supervisor.ready before the process exited; stdout:\n%s\nstderr:\n%s",
        process.stdout(), process.stderr()).isPresent();

      process.terminate();
      long sigtermAtMs = process.sinceLaunchMs();
      boolean exited = process.awaitExit(EXIT_BOUND);
      long exitAfterSigtermMs = process.sinceLaunchMs() - sigtermAtMs;
      assertThat(exited).as("process exited within %s after SIGTERM (the watchdog halts it %d ms after SIGTERM)"
          + "; stdout:\n%s\nstderr:\n%s", EXIT_BOUND, DEADLINE_MS + WATCHDOG_MARGIN_MS, process.stdout(), process.stderr())
        .isTrue();
      System.out.printf("ShutdownWatchdogIT: exited %d ms after SIGTERM with code %d%n", exitAfterSigtermMs,
        process.process().exitValue());

      String output = process.stdout() + "\n" + process.stderr();
      assertThat(process.process().exitValue()).as("exit code; output:\n%s", output).isEqualTo(1);
      assertThat(output).as("the watchdog's event line").contains("event=supervisor.watchdog");
      String blockedThread = process.events().stream().filter(e -> e.startsWith(BlockingStopService.BLOCKING_EVENT))
        .map(e -> e.substring(e.indexOf("thread=") + "thread=".length()).strip()).findFirst()
        .orElseThrow(() -> new AssertionError("the service never reached its blocking stop(); output:\n" + output));
      // Vert.x's blocked-thread checker prints the same stack after 5 s; only the watchdog's dump counts.
      String dump = withoutBlockedThreadWarnings(process.stdout()) + "\n" + withoutBlockedThreadWarnings(process.stderr());
      assertThat(dump).as("thread dump naming the blocked thread and where it is stuck; output:\n%s", output)
        .contains(blockedThread)
        .contains("java.lang.Thread.sleep")
        .contains(BlockingStopService.class.getName() + ".blockEventLoop");
    }
  }

  /**
   * Removes Vert.x's "Thread ... has been blocked for ..." warnings and the stack traces that
   * follow them, so a thread dump found in what remains came from the watchdog.
   */
  private static String withoutBlockedThreadWarnings(String output) {
    List<String> kept = new ArrayList<>();
    boolean inWarning = false;
    for (String line : output.split("\n")) {
      if (line.contains("has been blocked for")) {
        inWarning = true;
        continue;
      }
      if (inWarning && (line.startsWith("\t") || line.startsWith(" ") || line.startsWith("io.vertx.core.VertxException")
          || line.startsWith("Caused by"))) {
        continue;
      }
      inWarning = false;
      kept.add(line);
    }
    return String.join("\n", kept);
  }
}
