package io.tradekit.verticles.drills;

import io.tradekit.redis.GroupConsumer;
import io.tradekit.supervisor.LifecycleEvents;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.distributor.DistributorService;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.tradekit.verticles.pipeline.PipelineAccess;
import io.tradekit.verticles.receiver.ReceiverService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Fault drills on real servers: the pipeline keeps its promises while dependencies fail. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class FaultDrillsTest {

  @Test
  void postgresBackendsTerminatedRepeatedlyDuringDistributionLoseAndDuplicateNothing(Vertx vertx, VertxTestContext ctx) {
    String instrument = "DR-" + UUID.randomUUID().toString().substring(0, 8);
    int total = 20_000;
    List<Request> entries = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      TradeRecord t = new TradeRecord("deribit", instrument, "d" + i, i, new BigDecimal("100.5"), BigDecimal.TEN, "buy",
        1_700_000_000_000L + i);
      entries.add(GroupConsumer.xadd(Streams.key("deribit", Streams.TRADES, instrument), 0, t.toFields(0)));
    }
    JsonObject distributor = new JsonObject().put("name", "distributor").put("verticle", DistributorService.class.getName())
      .put("instances", 2).put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("instruments", new JsonArray().add(instrument)).put("batchSize", 200)
        .put("blockMs", 200).put("claimIdleMs", 500).put("claimIntervalMs", 300));
    JsonObject config = PipelineAccess.config(distributor);
    config.getJsonObject("resources").getJsonObject("postgres")
      .put("connect", new JsonObject().put("properties", new JsonObject().put("application_name", "drill-distributor")))
      .put("retry", new JsonObject().put("maxAttempts", 10).put("initialBackoffMs", 20))
      .put("breaker", new JsonObject().put("failureThreshold", 1000));
    String kill = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'drill-distributor'";
    long[] killed = {0};
    PipelineAccess.open(vertx).compose(fx -> writeAll(fx, entries)
      .compose(v -> TradeKit.start(vertx, config))
      .compose(kit -> {
        long timer = vertx.setPeriodic(150, t -> fx.pg().query(kill, Tuple.tuple(), false)
          .onSuccess(rs -> killed[0] += rs.iterator().next().getLong(0)));
        return PipelineAccess.eventually(vertx, 120_000, () -> fx.pg().query("SELECT count(*) FROM trades WHERE instrument = $1",
            Tuple.of(instrument), true).map(rs -> rs.iterator().next().getLong(0) >= total))
          .eventually(() -> {
            vertx.cancelTimer(timer);
            return Future.succeededFuture();
          })
          .compose(v -> PipelineAccess.eventually(vertx, 30_000, () -> fx.redis().send(Request.cmd(Command.XPENDING)
            .arg(Streams.key("deribit", Streams.TRADES, instrument)).arg("distributor"), true).map(p -> p.get(0).toLong() == 0)))
          .compose(v -> kit.stop());
      })
      .compose(code -> fx.pg().query("SELECT count(*), count(DISTINCT trade_id) FROM trades WHERE instrument = $1",
        Tuple.of(instrument), true).map(rs -> {
          ctx.verify(() -> {
            assertThat(killed[0]).as("backends terminated during the run").isPositive();
            assertThat(rs.iterator().next().getLong(0)).as("rows").isEqualTo(total);
            assertThat(rs.iterator().next().getLong(1)).as("distinct trades").isEqualTo(total);
          });
          return null;
        }))
      .eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void exchangeKilledAndRestartedIsReconnectedResubscribedAndDataResumes(Vertx vertx, VertxTestContext ctx) throws Exception {
    String instrument = "DX" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-PERPETUAL";
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    SimulatedExchangeOptions options = new SimulatedExchangeOptions().setPort(port).setInstruments(List.of(instrument))
      .setTradesPerSecond(200).setMinHeartbeatIntervalMs(100);
    SimulatedExchange first = new SimulatedExchange(options);
    SimulatedExchange second = new SimulatedExchange(options);
    String stream = Streams.key("deribit", Streams.TRADES, instrument);
    JsonObject receiver = new JsonObject().put("name", "receiver").put("verticle", ReceiverService.class.getName())
      .put("uses", new JsonArray().add("redis"))
      .put("config", new JsonObject().put("instruments", new JsonArray().add(instrument)).put("kinds", new JsonArray().add("trades"))
        .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + port + "/ws/api/v2").put("heartbeatIntervalMs", 300)
          .put("reconnectMinMs", 50).put("reconnectMaxMs", 300)));
    List<String> failures = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(LifecycleEvents.ADDRESS, m -> {
      if ("service.failed".equals(m.body().getString("event"))) {
        failures.add(m.body().encode());
      }
    });
    PipelineAccess.open(vertx).compose(fx -> first.start(vertx)
      .compose(p -> TradeKit.start(vertx, PipelineAccess.config(receiver)))
      .compose(kit -> PipelineAccess.eventually(vertx, 20_000, () -> xlen(fx, stream).map(n -> n > 50))
        .compose(v -> first.stop())
        .compose(v -> xlen(fx, stream))
        .compose(before -> second.start(vertx)
          .compose(p -> PipelineAccess.eventually(vertx, 20_000, () -> xlen(fx, stream).map(n -> n > before + 50))))
        .compose(v -> kit.stop()))
      .map(code -> {
        ctx.verify(() -> {
          assertThat(code).isZero();
          assertThat(second.stats().connectionsTotal()).as("reconnected to the restarted exchange").isGreaterThanOrEqualTo(1);
          assertThat(second.tradesSent()).as("resubscribed: trades flow again").isPositive();
          assertThat(failures).as("no service failed").isEmpty();
        });
        return null;
      })
      .eventually(second::stop)
      .eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void redisStoppedForFiveSecondsDuringIngestLosesNothingAccepted(Vertx vertx, VertxTestContext ctx,
                                                                  @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    String instrument = "DI" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-PERPETUAL";
    int redisPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      redisPort = s.getLocalPort();
    }
    // Append-only file with fsync on every write: a restarted Redis still holds what it acknowledged.
    redis.embedded.RedisServer server = redis.embedded.RedisServer.newRedisServer().bind("127.0.0.1").port(redisPort)
      .setting("appendonly yes").setting("appendfsync always").setting("dir " + dir).build();
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(instrument))
      .setTradesPerSecond(2_000).setMinHeartbeatIntervalMs(100));
    String stream = Streams.key("deribit", Streams.TRADES, instrument);
    List<String> failures = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(LifecycleEvents.ADDRESS, m -> {
      if ("service.failed".equals(m.body().getString("event"))) {
        failures.add(m.body().encode());
      }
    });
    vertx.<Void>executeBlocking(() -> {
      server.start();
      return null;
    }, false).compose(v -> exchange.start(vertx)).compose(port -> {
      JsonObject receiver = new JsonObject().put("name", "receiver").put("verticle", ReceiverService.class.getName())
        .put("uses", new JsonArray().add("redis")).put("stopTimeoutMs", 30_000)
        .put("config", new JsonObject().put("instruments", new JsonArray().add(instrument)).put("kinds", new JsonArray().add("trades"))
          .put("retryMaxMs", 500)
          .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + port + "/ws/api/v2").put("heartbeatIntervalMs", 1_000)));
      JsonObject config = PipelineAccess.config(receiver);
      config.put("devServices", new JsonObject().put("enabled", false));
      config.getJsonObject("resources").remove("postgres");
      config.getJsonObject("resources").put("redis", new JsonObject().put("type", "redis")
        .put("options", new JsonObject().put("endpoints", new JsonArray().add("redis://127.0.0.1:" + redisPort)))
        .put("breaker", new JsonObject().put("resetTimeoutMs", 500)));
      return TradeKit.start(vertx, config);
    }).compose(kit -> {
      io.tradekit.redis.RedisResource check = (io.tradekit.redis.RedisResource) io.tradekit.resource.ResourceFactories.create(vertx,
        "drill-check", new JsonObject().put("type", "redis").put("options", new JsonObject()
          .put("endpoints", new JsonArray().add("redis://127.0.0.1:" + redisPort))), "test");
      return check.open()
        .compose(v -> PipelineAccess.eventually(vertx, 20_000, () -> xlen(check, stream).map(n -> n > 1_000)))
        .compose(v -> vertx.<Void>executeBlocking(() -> {
          server.stop();
          return null;
        }, false))
        .compose(v -> vertx.timer(5_000))
        .compose(v -> vertx.<Void>executeBlocking(() -> {
          server.start();
          return null;
        }, false))
        .compose(v -> exchange.injectFault(io.tradekit.verticles.exchange.Fault.silence("trades." + instrument + ".100ms", 600_000)))
        .compose(v -> {
          long sent = exchange.tradesSent();
          return PipelineAccess.eventually(vertx, 60_000, () -> xlen(check, stream).map(n -> n >= sent)).map(x -> sent);
        })
        .compose(sent -> kit.stop().compose(code -> xlen(check, stream).map(stored -> {
          ctx.verify(() -> {
            assertThat(code).isZero();
            assertThat(stored).as("every trade sent is in its stream after the outage").isEqualTo(sent);
            assertThat(failures).as("no service failed").isEmpty();
          });
          return null;
        })))
        .eventually(check::close);
    }).eventually(exchange::stop)
      .eventually(() -> vertx.executeBlocking(() -> {
        server.stop();
        return null;
      }, false))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Long> xlen(io.tradekit.redis.RedisResource redis, String stream) {
    return redis.send(Request.cmd(Command.XLEN).arg(stream), true).map(r -> r.toLong());
  }

  /** Pipelined in chunks: the client's waiting queue is bounded (2048 by default). */
  private static Future<Void> writeAll(PipelineAccess fx, List<Request> entries) {
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < entries.size(); from += 1_000) {
      List<Request> chunk = entries.subList(from, Math.min(entries.size(), from + 1_000));
      chain = chain.compose(v -> fx.redis().pipeline(chunk, false).mapEmpty());
    }
    return chain;
  }

  private static Future<Long> xlen(PipelineAccess fx, String stream) {
    return fx.redis().send(Request.cmd(Command.XLEN).arg(stream), true).map(r -> r.toLong());
  }
}
