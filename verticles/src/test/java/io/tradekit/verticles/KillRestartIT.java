package io.tradekit.verticles;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.resource.ResourceFactories;
import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
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
 * Fault drill on the real process: SIGKILL of the whole pipeline process under load, then a
 * restart; every entry the receiver had put in Redis (pending or not yet delivered) ends up in
 * {@code trades} exactly once. PostgreSQL and Redis are this test JVM's dev services, so the data
 * outlives the killed process.
 */
@Timeout(value = 240)
class KillRestartIT {

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
  void sigkillDuringLoadThenRestartPersistsEveryAcceptedEntryOnce() throws Exception {
    DevServices.Lease lease = get(DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)));
    String instrument = "KILL" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-PERPETUAL";
    String exchangeName = "kill" + System.currentTimeMillis();
    // As fast as the receiver reads: the distributor falls behind, so the kill always leaves a backlog.
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(instrument))
      .setTradesPerSecond(SimulatedExchangeOptions.MAX_RATE).setMinHeartbeatIntervalMs(100));
    int port = get(exchange.start(vertx));
    int adminPort = FatJarProcess.freePort();
    JsonArray instruments = new JsonArray().add(instrument);
    JsonObject config = new JsonObject()
      .put("admin", new JsonObject().put("port", adminPort))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
          .put("migrations", new JsonObject().put("enabled", true)))
        .put("redis", new JsonObject().put("type", "redis").put("options", new JsonObject()
          .put("endpoints", new JsonArray().add(lease.redisEndpoint())))))
      .put("services", new JsonArray()
        .add(new JsonObject().put("name", "distributor").put("verticle", "io.tradekit.verticles.distributor.DistributorService")
          .put("instances", 2).put("uses", new JsonArray().add("postgres").add("redis"))
          .put("config", new JsonObject().put("exchange", exchangeName).put("instruments", instruments).put("blockMs", 200)
            .put("claimIdleMs", 1_000).put("claimIntervalMs", 500)))
        .add(new JsonObject().put("name", "receiver").put("verticle", "io.tradekit.verticles.receiver.ReceiverService")
          .put("dependsOn", new JsonArray().add("distributor")).put("uses", new JsonArray().add("redis"))
          .put("config", new JsonObject().put("exchange", exchangeName).put("instruments", instruments)
            .put("kinds", new JsonArray().add("trades"))
            // No trimming: XLEN then counts every entry the receiver accepted (Redis 6.2 has no
            // XINFO entries-added), even those the distributor already acknowledged.
            .put("trimIntervalMs", 0)
            .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + port + "/ws/api/v2").put("heartbeatIntervalMs", 10_000)))));
    Path file = dir.resolve("config.json");
    Files.writeString(file, config.encodePrettily());
    PgResource pg = (PgResource) ResourceFactories.create(vertx, "check-pg", new JsonObject().put("type", "postgres")
      .put("connect", lease.postgresConnect()).put("migrations", new JsonObject().put("enabled", true)), "test");
    RedisResource redis = (RedisResource) ResourceFactories.create(vertx, "check-redis", new JsonObject().put("type", "redis")
      .put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))), "test");
    get(pg.open().compose(v -> pg.migrate()).compose(v -> redis.open()));
    String stream = Streams.key(exchangeName, Streams.TRADES, instrument);
    try (FatJarProcess first = FatJarProcess.start(dir, "-conf", file.toString())) {
      // Kill while a backlog exists (entries in Redis not yet in trades): the distributor may keep up
      // on average, so wait for a moment when it is behind by at least a batch.
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> !first.process().isAlive()
        || rows(pg, exchangeName) > 5_000 && xlen(redis, stream) - rows(pg, exchangeName) >= 500);
      assertThat(first.process().isAlive()).as("first run died early:\n%s", first.stdout()).isTrue();
      first.process().destroyForcibly(); // SIGKILL mid-load: batches in flight, entries pending
      first.process().waitFor(30, TimeUnit.SECONDS);
    }
    get(exchange.injectFault(Fault.silence("trades." + instrument + ".100ms", 600_000)));
    long accepted = xlen(redis, stream);
    long beforeRestart = rows(pg, exchangeName);
    Path restartDir = Files.createDirectories(dir.resolve("restart"));
    try (FatJarProcess second = FatJarProcess.start(restartDir, "-conf", file.toString())) {
      await().atMost(Duration.ofSeconds(90)).until(() -> !second.process().isAlive() || rows(pg, exchangeName) >= accepted);
      await().atMost(Duration.ofSeconds(30)).until(() -> get(redis.send(Request.cmd(Command.XPENDING).arg(stream)
        .arg("distributor"), true)).get(0).toLong() == 0);
      second.terminate();
      assertThat(second.waitForExit(60)).isZero();
    }
    long total = rows(pg, exchangeName);
    long distinct = get(pg.query("SELECT count(DISTINCT trade_id) FROM trades WHERE exchange = $1", Tuple.of(exchangeName), true))
      .iterator().next().getLong(0);
    assertThat(beforeRestart).as("the kill left work undone").isLessThan(accepted);
    assertThat(total).as("every accepted entry persisted").isEqualTo(accepted);
    assertThat(distinct).as("exactly once").isEqualTo(total);
    get(redis.close().compose(v -> pg.close()).compose(v -> exchange.stop()).compose(v -> lease.release()));
  }

  private static long xlen(RedisResource redis, String stream) throws Exception {
    return get(redis.send(Request.cmd(Command.XLEN).arg(stream), true)).toLong();
  }

  private static long rows(PgResource pg, String exchange) throws Exception {
    return get(pg.query("SELECT count(*) FROM trades WHERE exchange = $1", Tuple.of(exchange), true)).iterator().next().getLong(0);
  }
}
