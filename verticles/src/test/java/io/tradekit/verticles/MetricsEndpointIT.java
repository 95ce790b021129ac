package io.tradekit.verticles;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /metrics} of the fat jar as a real process, in both launch modes: Vert.x's own meters
 * (HTTP server, PostgreSQL pool, JVM) next to the kit's.
 */
@Timeout(value = 240)
class MetricsEndpointIT {

  private static final String EXCHANGE = "io.tradekit.verticles.exchange.SimulatedExchangeVerticle";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path dir;

  private Path writeConfig(int adminPort) throws IOException {
    JsonObject exchange = new JsonObject().put("name", "exchange").put("verticle", EXCHANGE)
      .put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("port", FatJarProcess.freePort()));
    JsonObject config = new JsonObject()
      .put("admin", new JsonObject().put("port", adminPort))
      .put("devServices", new JsonObject().put("enabled", true))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres"))
        .put("redis", new JsonObject().put("type", "redis")))
      .put("services", new JsonArray().add(exchange));
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    return file;
  }

  private static String metrics(int adminPort) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
      .timeout(Duration.ofSeconds(5)).GET().build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private static void assertVertxMetersBesideTheKits(FatJarProcess process, int adminPort) throws Exception {
    await("ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
      .until(() -> !process.process().isAlive() || FatJarProcess.status(adminPort, "/health/ready") == 200);
    assertThat(process.process().isAlive()).as("stderr: %s", process.stderr()).isTrue();
    String body = metrics(adminPort);
    assertThat(body)
      .as("Vert.x's HTTP server meters count the /health/ready requests")
      .containsPattern("vertx_http_server_requests_total\\{code=\"200\",method=\"GET\",?\\} [1-9]")
      .as("Vert.x's pool meters (the PostgreSQL pool)").contains("vertx_pool_in_use{pool_name=\"postgres\",pool_type=\"sql\"}")
      .as("JVM meters").contains("jvm_memory_used_bytes")
      .as("the kit's own meters").containsPattern("tradekit_client_breaker_open\\{client=\"postgres\",?\\} 0\\.0");
    process.terminate();
    assertThat(process.waitForExit(60)).as("stderr: %s", process.stderr()).isZero();
  }

  @Test
  void embeddedLauncherServesVertxMetersBesideTheKits() throws Exception {
    int adminPort = FatJarProcess.freePort();
    Path file = writeConfig(adminPort);
    try (FatJarProcess process = FatJarProcess.start(dir, "-conf", file.toString())) {
      assertVertxMetersBesideTheKits(process, adminPort);
    }
  }

  @Test
  void runCommandServesVertxMetersBesideTheKits() throws Exception {
    int adminPort = FatJarProcess.freePort();
    Path file = writeConfig(adminPort);
    try (FatJarProcess process = FatJarProcess.start(dir, "run", "io.tradekit.supervisor.SupervisorVerticle",
        "-conf", file.toString())) {
      assertVertxMetersBesideTheKits(process, adminPort);
    }
  }
}
