package io.tradekit.verticles;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.pg.PgResource;
import io.tradekit.resource.ResourceFactories;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Loss drill on a real process: the receiver (alone in a fat-jar process) is SIGKILLed while trades
 * flow and started again; the distributor and the gapfill service keep running in this JVM. The
 * trades sent to the dead process and those generated while it was down are a {@code startup} gap
 * (the receiver's {@code lastseq} in Redis against its first trade after the restart), which gapfill
 * fills: every trade the exchange generated from the receiver's first one on is in {@code trades}
 * exactly once, and every gap row is filled with its fill time.
 *
 * <p>Needs the receiver's gap detection (branch z-recv).
 */
@Timeout(value = 240)
class GapKillRestartIT {

  @TempDir
  Path dir;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    get(vertx.close());
  }

  private static <T> T get(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  @Test
  void receiverSigkilledAndRestartedLeavesAStartupGapThatIsFilledAndEveryTradeStoredOnce() throws Exception {
    DevServices.retainForJvm();
    DevServices.Lease lease = get(DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)));
    String exchangeName = "gk" + UUID.randomUUID().toString().substring(0, 8);
    String instrument = "GK" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-PERPETUAL";
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(instrument))
      .setTradesPerSecond(1_000).setMinHeartbeatIntervalMs(100));
    int port = get(exchange.start(vertx));
    JsonArray instruments = new JsonArray().add(instrument);
    JsonObject postgres = new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
      .put("migrations", new JsonObject().put("enabled", true));
    JsonObject redis = new JsonObject().put("type", "redis").put("options", new JsonObject()
      .put("endpoints", new JsonArray().add(lease.redisEndpoint())));
    // The receiver alone in its own process: the SIGKILL hits it and nothing else.
    JsonObject receiverProcess = new JsonObject()
      .put("admin", new JsonObject().put("port", FatJarProcess.freePort()))
      .put("resources", new JsonObject().put("redis", redis))
      .put("services", new JsonArray().add(new JsonObject().put("name", "receiver")
        .put("verticle", "io.tradekit.verticles.receiver.ReceiverService").put("uses", new JsonArray().add("redis"))
        .put("config", new JsonObject().put("exchange", exchangeName).put("instruments", instruments)
          .put("kinds", new JsonArray().add("trades"))
          .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + port + "/ws/api/v2").put("heartbeatIntervalMs", 1_000)))));
    Path file = dir.resolve("receiver.json");
    Files.writeString(file, receiverProcess.encodePrettily());
    // Distributor and gapfill here, on the same PostgreSQL and Redis.
    JsonObject pipeline = new JsonObject()
      .put("admin", new JsonObject().put("port", 0))
      .put("resources", new JsonObject().put("postgres", postgres).put("redis", redis)
        .put("exchange-http", new JsonObject().put("type", "http").put("baseUrl", "http://127.0.0.1:" + port)))
      .put("services", new JsonArray()
        .add(new JsonObject().put("name", "distributor").put("verticle", "io.tradekit.verticles.distributor.DistributorService")
          .put("uses", new JsonArray().add("postgres").add("redis"))
          .put("config", new JsonObject().put("exchange", exchangeName).put("instruments", instruments).put("blockMs", 200)))
        .add(new JsonObject().put("name", "gapfill").put("verticle", "io.tradekit.verticles.gapfill.GapFillService")
          .put("uses", new JsonArray().add("postgres").add("redis").add("exchange-http"))
          .put("config", new JsonObject().put("exchange", exchangeName).put("requestsPerSecond", 50).put("blockMs", 200))));
    TradeKit kit = get(TradeKit.start(vertx, pipeline));
    PgResource pg = (PgResource) ResourceFactories.create(vertx, "check-pg", postgres, "test");
    get(pg.open());
    try {
      try (FatJarProcess first = FatJarProcess.start(dir, "-conf", file.toString())) {
        await().atMost(Duration.ofSeconds(90)).until(() -> !first.process().isAlive() || rows(pg, exchangeName) > 2_000);
        assertThat(first.process().isAlive()).as("first run died early:\n%s", first.stdout()).isTrue();
        first.process().destroyForcibly(); // SIGKILL: batches in flight, trades on the wire
        first.process().waitFor(30, TimeUnit.SECONDS);
      }
      long sentBeforeRestart = exchange.tradesSent(instrument);
      Path restartDir = Files.createDirectories(dir.resolve("restart"));
      try (FatJarProcess second = FatJarProcess.start(restartDir, "-conf", file.toString())) {
        await().atMost(Duration.ofSeconds(60)).until(() -> exchange.tradesSent(instrument) > sentBeforeRestart + 2_000);
        get(exchange.haltTrading());
        long first = exchange.stats().firstTradeSeqSent(instrument);
        long last = exchange.stats().lastTradeSeqGenerated(instrument);
        await().atMost(Duration.ofSeconds(90)).until(() -> distinctSeqs(pg, exchangeName, first, last) == last - first + 1
          && openGaps(pg, exchangeName) == 0);
        second.terminate();
        assertThat(second.waitForExit(60)).isZero();
        Row counts = get(pg.query("SELECT count(*), count(DISTINCT trade_id) FROM trades WHERE exchange = $1 "
          + "AND trade_seq BETWEEN $2 AND $3", Tuple.of(exchangeName, first, last), true)).iterator().next();
        assertThat(counts.getLong(0)).as("rows").isEqualTo(last - first + 1);
        assertThat(counts.getLong(1)).as("exactly once by trade id").isEqualTo(last - first + 1);
        List<Row> gaps = new java.util.ArrayList<>();
        get(pg.query("SELECT reason, status, filled_at, error FROM gaps WHERE exchange = $1", Tuple.of(exchangeName), true))
          .forEach(gaps::add);
        assertThat(gaps).as("gap rows").isNotEmpty();
        assertThat(gaps).extracting(r -> r.getString("reason")).as("the restart's gap").contains("startup");
        for (Row gap : gaps) {
          assertThat(gap.getString("status")).as("gap %s: %s", gap.getString("reason"), gap.getString("error")).isEqualTo("filled");
          assertThat(gap.getOffsetDateTime("filled_at")).isNotNull();
        }
      }
    } finally {
      get(kit.stop().compose(code -> pg.close()).compose(v -> exchange.stop()).compose(v -> lease.release()));
    }
  }

  private static long rows(PgResource pg, String exchange) throws Exception {
    return get(pg.query("SELECT count(*) FROM trades WHERE exchange = $1", Tuple.of(exchange), true)).iterator().next().getLong(0);
  }

  private static long distinctSeqs(PgResource pg, String exchange, long first, long last) throws Exception {
    return get(pg.query("SELECT count(DISTINCT trade_seq) FROM trades WHERE exchange = $1 AND trade_seq BETWEEN $2 AND $3",
      Tuple.of(exchange, first, last), true)).iterator().next().getLong(0);
  }

  private static long openGaps(PgResource pg, String exchange) throws Exception {
    return get(pg.query("SELECT count(*) FROM gaps WHERE exchange = $1 AND status = 'open'", Tuple.of(exchange), true))
      .iterator().next().getLong(0);
  }
}
