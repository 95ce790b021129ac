package io.tradekit.verticles;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fat jar as a real process: readiness, SIGTERM, drain, ordered shutdown and exit codes, in
 * both launch modes (embedded launcher and the Vert.x launcher's {@code run}).
 */
@Timeout(value = 240)
class ProcessLifecycleIT {

  private static final String EXCHANGE = "io.tradekit.verticles.exchange.SimulatedExchangeVerticle";

  @TempDir
  Path dir;

  private Path writeConfig(JsonObject config) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    return file;
  }

  private static JsonObject config(int adminPort, JsonObject... services) {
    return new JsonObject()
      .put("admin", new JsonObject().put("port", adminPort))
      .put("shutdown", new JsonObject().put("drainDelayMs", 1_500))
      .put("devServices", new JsonObject().put("enabled", true))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres"))
        .put("redis", new JsonObject().put("type", "redis")))
      .put("services", new JsonArray(List.of((Object[]) services)));
  }

  private static JsonObject exchange(String name) throws IOException {
    return new JsonObject().put("name", name).put("verticle", EXCHANGE)
      .put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("port", FatJarProcess.freePort()));
  }

  @Test
  void sigtermDrainsThenStopsServicesBeforeResourcesAndExitsZero() throws Exception {
    int adminPort = FatJarProcess.freePort();
    Path file = writeConfig(config(adminPort, exchange("exchange")));
    try (FatJarProcess process = FatJarProcess.start(dir, "-conf", file.toString())) {
      awaitReady(process, adminPort);

      process.terminate();
      await("/health/ready 503 during the drain").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> FatJarProcess.status(adminPort, "/health/ready") == 503);
      int exitCode = process.waitForExit(60);

      assertThat(exitCode).as("stderr: %s", process.stderr()).isZero();
      assertInOrder(process.events(),
        "event=supervisor.ready",
        "event=supervisor.stopping reason=SIGTERM",
        "event=service.stopping service=exchange",
        "event=service.stopped service=exchange",
        "event=resource.closed resource=redis",
        "event=resource.closed resource=postgres",
        "event=supervisor.stopped exitCode=0");
    }
  }

  @Test
  void runCommandRunsOneServiceUnderTheSupervisor() throws Exception {
    int adminPort = FatJarProcess.freePort();
    JsonObject only = exchange("only").put("enabled", false);
    Path file = writeConfig(config(adminPort, exchange("other"), only));
    try (FatJarProcess process = FatJarProcess.start(dir, "run", "service:only", "-conf", file.toString())) {
      awaitReady(process, adminPort);
      process.terminate();
      assertThat(process.waitForExit(60)).as("stderr: %s", process.stderr()).isZero();
      List<String> events = process.events();
      assertThat(events).anyMatch(e -> e.startsWith("event=service.started service=only"));
      assertThat(events).noneMatch(e -> e.contains("service=other"));
      assertInOrder(events, "event=service.stopped service=only", "event=resource.closed resource=postgres",
        "event=supervisor.stopped exitCode=0");
    }
  }

  @Test
  void janitorRunsAloneFromTheShippedConfigAndExitsZeroWithResourcesClosed() throws Exception {
    Path shipped = dir.resolve("shipped-config.json");
    Files.writeString(shipped, FatJarProcess.shippedConfig().encodePrettily());
    try (FatJarProcess process = FatJarProcess.start(dir, "run", "service:janitor", "-conf", shipped.toString())) {
      assertThat(process.waitForExit(120)).as("stdout:\n%s\nstderr:\n%s", process.stdout(), process.stderr()).isZero();
      List<String> events = process.events();
      assertThat(events).noneMatch(e -> e.contains("service=receiver") || e.contains("service=exchange"));
      assertInOrder(events, "event=service.started service=janitor", "event=janitor.done",
        "event=service.stopped service=janitor", "event=resource.closed resource=redis",
        "event=resource.closed resource=postgres", "event=supervisor.stopped exitCode=0");
    }
  }

  @Test
  void configErrorExitsTwoWithOneLineNamingTheKey() throws Exception {
    JsonObject broken = config(0, exchange("exchange").put("verticle", "com.example.NoSuchService"));
    Path file = writeConfig(broken);
    try (FatJarProcess process = FatJarProcess.start(dir, "-conf", file.toString())) {
      int exitCode = process.waitForExit(60);
      assertThat(exitCode).isEqualTo(2);
      List<String> lines = process.stderr().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).startsWith("config error: services[0].verticle: unknown verticle class");
      assertThat(process.stdout() + process.stderr()).doesNotContain("\tat ");
      assertThat(process.events()).noneMatch(e -> e.startsWith("event=resource.opening"));
    }
  }

  @Test
  void badServiceConfigKeyExitsTwoBeforeAnyResourceOpens() throws Exception {
    JsonObject janitor = new JsonObject().put("name", "janitor").put("verticle", "io.tradekit.verticles.janitor.JanitorTask")
      .put("kind", "task").put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("batchSize", "many"));
    // The janitor comes last in a dependency chain: its config must still be checked before anything starts.
    Path file = writeConfig(config(0, exchange("exchange"), janitor.put("dependsOn", new JsonArray().add("exchange"))));
    try (FatJarProcess process = FatJarProcess.start(dir, "-conf", file.toString())) {
      assertThat(process.waitForExit(60)).as("stdout:\n%s\nstderr:\n%s", process.stdout(), process.stderr()).isEqualTo(2);
      List<String> lines = process.stderr().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).startsWith("config error: services[janitor].config.batchSize:");
      assertThat(process.events()).noneMatch(e -> e.startsWith("event=resource.opening")
        || e.startsWith("event=service.starting"));
    }
  }

  @Test
  void missingConfigFileExitsTwoInBothLaunchModes() throws Exception {
    String missing = dir.resolve("missing.json").toString();
    try (FatJarProcess embedded = FatJarProcess.start(dir, "-conf", missing)) {
      assertThat(embedded.waitForExit(60)).isEqualTo(2);
      assertThat(embedded.stderr().strip()).startsWith("config error:").contains("missing.json").doesNotContain("\n");
    }
    try (FatJarProcess run = FatJarProcess.start(dir, "run", "io.tradekit.supervisor.SupervisorVerticle", "-conf", missing)) {
      assertThat(run.waitForExit(60)).isEqualTo(2);
      assertThat(run.stderr().strip()).startsWith("config error:").contains("missing.json").doesNotContain("\n");
    }
  }

  private static void awaitReady(FatJarProcess process, int adminPort) {
    await("/health/ready 200").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
      .until(() -> !process.process().isAlive() || FatJarProcess.status(adminPort, "/health/ready") == 200);
    assertThat(process.process().isAlive()).as("process died early; stdout:\n%s\nstderr:\n%s",
      process.stdout(), process.stderr()).isTrue();
  }

  private static void assertInOrder(List<String> events, String... prefixes) {
    int from = 0;
    for (String prefix : prefixes) {
      int found = -1;
      for (int i = from; i < events.size(); i++) {
        if (events.get(i).startsWith(prefix)) {
          found = i;
          break;
        }
      }
      assertThat(found).as("'%s' after position %d in events:\n%s", prefix, from, String.join("\n", events))
        .isGreaterThanOrEqualTo(0);
      from = found + 1;
    }
  }
}
