package io.tradekit.verticles;

import io.tradekit.dev.impl.DevPostgres;
import io.tradekit.pg.PgResource;
import io.tradekit.resource.ResourceFactories;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 18 item 5 on the real process: the embedded default ({@code conf/config.json}: dev
 * services with kept PostgreSQL data, the simulated exchange with its durable {@code stateDir},
 * the executor paper trading, the strategy) paper-trades until a fill exists, is stopped with
 * SIGTERM and started again, then killed with SIGKILL and started again. Every start must reach
 * readiness (the executor reconciles against an exchange that remembers its orders), and once
 * ready the executor's positions (its PostgreSQL {@code positions} view) must equal the
 * exchange's ({@code GET /admin/private/positions?account=tradekit-sim}).
 *
 * <p>All runs share one work directory, so one private {@code java.io.tmpdir} holds both the kept
 * PostgreSQL cluster and the exchange state, as on a user's machine. After the SIGKILL the
 * orphaned dev services are NOT cleaned up before the restart: the restart must cope, as a
 * user's would have to.
 */
@Timeout(value = 420)
class PaperTradingRestartIT {

  private static final String ACCOUNT = "tradekit-sim";
  /** The executor's {@code exchange} key in the shipped config: its rows' exchange column. */
  private static final String EXECUTOR_EXCHANGE = "deribit";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final List<FatJarProcess> processes = new ArrayList<>();
  private int adminPort;
  private int exchangePort;

  @AfterEach
  void close() throws Exception {
    processes.forEach(FatJarProcess::close);
    get(vertx.close());
  }

  private static <T> T get(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void theEmbeddedDefaultBecomesReadyAfterSigtermAndSigkillWithPositionsEqualToTheExchanges() throws Exception {
    adminPort = FatJarProcess.freePort();
    exchangePort = FatJarProcess.freePort();
    Path config = dir.resolve("config.json");
    // The shipped config, only moved to free ports (the exchange's 8090 appears in several URLs).
    String text = FatJarProcess.shippedConfig().put("admin", new JsonObject().put("host", "127.0.0.1").put("port", adminPort))
      .encodePrettily().replace("8090", Integer.toString(exchangePort));
    Files.writeString(config, text);

    FatJarProcess first = launch(config);
    awaitReady(first, Duration.ofSeconds(180));
    await("a first paper fill").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
      .until(() -> !first.process().isAlive() || !exchangeRecords("fills").isEmpty());
    assertThat(first.process().isAlive()).as("first run died:\n%s", first.stdout()).isTrue();
    int fillsBefore = exchangeRecords("fills").size();
    first.terminate();
    assertThat(first.waitForExit(90)).as("SIGTERM exit code; stdout:\n%s", first.stdout()).isZero();

    FatJarProcess second = launch(config);
    awaitReady(second, Duration.ofSeconds(120));
    assertThat(exchangeRecords("fills").size()).as("the exchange kept its fills over the SIGTERM restart")
      .isGreaterThanOrEqualTo(fillsBefore);
    assertPositionsEqual(second);
    assertStillReady(second);

    second.process().destroyForcibly(); // SIGKILL: no final snapshot, orphaned dev services stay
    assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

    FatJarProcess third = launch(config);
    awaitReady(third, Duration.ofSeconds(30));
    assertPositionsEqual(third);
    assertStillReady(third);
    third.terminate();
    assertThat(third.waitForExit(90)).as("SIGTERM exit code; stdout:\n%s", third.stdout()).isZero();
  }

  private FatJarProcess launch(Path config) throws IOException {
    FatJarProcess process = FatJarProcess.start(dir, "-conf", config.toString());
    processes.add(process);
    return process;
  }

  private void awaitReady(FatJarProcess process, Duration within) {
    await("readiness").atMost(within).pollInterval(Duration.ofMillis(200))
      .until(() -> !process.process().isAlive() || FatJarProcess.status(adminPort, "/health/ready") == 200);
    assertThat(process.process().isAlive()).as("the run died before it was ready:\n%s", process.stdout()).isTrue();
  }

  /**
   * Readiness did not fall back to DOWN (e.g. the executor failing closed on reconciliation), and
   * the run used the KEPT PostgreSQL cluster: a fallback to a temporary one (the kept data
   * directory still claimed, e.g. by an orphan of the killed run) would hide the restart's problem
   * behind an empty executor database that reconciliation refills from the exchange.
   */
  private void assertStillReady(FatJarProcess process) {
    assertThat(FatJarProcess.status(adminPort, "/health/ready")).as("still ready; stdout:\n%s", process.stdout()).isEqualTo(200);
    assertThat(process.stdout()).doesNotContain("unknown to the exchange");
    List<String> devServices = process.events().stream().filter(e -> e.startsWith("event=devservice")).toList();
    System.out.println("PaperTradingRestartIT dev services: " + devServices);
    assertThat(devServices).as("the kept PostgreSQL cluster was used").noneMatch(e -> e.contains("data-in-use"))
      .anyMatch(e -> e.startsWith("event=devservice.started kind=postgres"));
  }

  /**
   * The executor's positions (this run's kept PostgreSQL, found from its log line) equal the
   * exchange's. Fills keep coming, so equality is awaited: it must hold at some moment soon after
   * readiness, which a forgotten or duplicated fill would prevent for good.
   */
  private void assertPositionsEqual(FatJarProcess process) throws Exception {
    String line = process.awaitLine(l -> l.contains("event=devservice.started kind=postgres"), Duration.ofSeconds(10))
      .orElseThrow(() -> new AssertionError("no dev PostgreSQL start line:\n" + process.stdout()));
    int pgPort = Integer.parseInt(line.replaceAll(".* port=(\\d+).*", "$1"));
    PgResource pg = (PgResource) ResourceFactories.create(vertx, "check-pg-" + pgPort, new JsonObject().put("type", "postgres")
      .put("connect", new JsonObject().put("host", "127.0.0.1").put("port", pgPort).put("database", "tradekit")
        .put("user", DevPostgres.SUPERUSER).put("password", "")), "test");
    get(pg.open());
    try {
      AtomicReference<String> last = new AtomicReference<>();
      try {
        await("executor positions equal to the exchange's").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> {
            Map<String, BigDecimal> exchange = exchangePositions();
            Map<String, BigDecimal> executor = executorPositions(pg);
            last.set("exchange " + exchange + " executor " + executor);
            return !exchange.isEmpty() && exchange.equals(executor);
          });
      } catch (ConditionTimeoutException e) {
        throw new AssertionError("positions never equal, last seen: " + last.get() + "\nstdout:\n" + process.stdout(), e);
      }
    } finally {
      get(pg.close());
    }
  }

  /** @return instrument to signed size, zero positions left out, scale-free */
  private Map<String, BigDecimal> exchangePositions() throws Exception {
    Map<String, BigDecimal> sizes = new TreeMap<>();
    for (Object o : exchangeRecords("positions")) {
      JsonObject p = (JsonObject) o;
      BigDecimal size = new BigDecimal(p.getValue("size").toString());
      if (size.signum() != 0) {
        sizes.put(p.getString("instrument_name"), size.stripTrailingZeros());
      }
    }
    return sizes;
  }

  private static Map<String, BigDecimal> executorPositions(PgResource pg) throws Exception {
    Map<String, BigDecimal> sizes = new TreeMap<>();
    for (Row row : get(pg.query("SELECT instrument, size FROM positions WHERE exchange = $1",
      io.vertx.sqlclient.Tuple.of(EXECUTOR_EXCHANGE), true))) {
      BigDecimal size = row.getBigDecimal("size");
      if (size.signum() != 0) {
        sizes.put(row.getString("instrument"), size.stripTrailingZeros());
      }
    }
    return sizes;
  }

  private JsonArray exchangeRecords(String kind) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exchangePort + "/admin/private/" + kind
      + "?account=" + ACCOUNT)).timeout(Duration.ofSeconds(5)).GET().build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET /admin/private/%s: %s", kind, response.body()).isEqualTo(200);
    return new JsonObject(response.body()).getJsonArray(kind);
  }
}
