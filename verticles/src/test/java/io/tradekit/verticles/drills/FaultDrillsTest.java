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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
    Set<Long> sentSeqs = recordSent(exchange);
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
        // A batch whose outcome was unknown (connection lost under it) is written again: its entries
        // may be in the stream twice, which the design allows (trades are keyed by trade id). The
        // guarantee is on the SET of trades: every trade sent is stored.
        .compose(v -> PipelineAccess.eventually(vertx, 60_000, () -> storedSeqs(check, stream)
          .map(stored -> stored.seqs().containsAll(Set.copyOf(sentSeqs)))))
        .compose(v -> kit.stop().compose(code -> storedSeqs(check, stream).map(stored -> {
          ctx.verify(() -> {
            assertThat(code).isZero();
            assertThat(sentSeqs).as("trades sent").hasSizeGreaterThan(1_000);
            assertThat(stored.seqs()).as("the set of trades stored is the set sent").isEqualTo(Set.copyOf(sentSeqs));
            assertThat(stored.distinctIds()).as("one trade id per trade_seq").isEqualTo(sentSeqs.size());
            assertThat(failures).as("no service failed").isEmpty();
          });
          System.out.printf("redis drill: %d trades sent, %d stream entries, %d duplicates%n", sentSeqs.size(),
            stored.entries(), stored.entries() - stored.seqs().size());
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

  /** The exchange, the receiver and the distributor of one drill, on dev services. */
  private static JsonObject ingestConfig(String instrument, int exchangePort, JsonObject receiverExtras) {
    JsonObject receiver = new JsonObject().put("name", "receiver").put("verticle", ReceiverService.class.getName())
      .put("uses", new JsonArray().add("redis"))
      .put("config", new JsonObject().put("instruments", new JsonArray().add(instrument)).put("kinds", new JsonArray().add("trades"))
        .put("retryMaxMs", 300)
        .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + exchangePort + "/ws/api/v2").put("heartbeatIntervalMs", 1_000))
        .mergeIn(receiverExtras));
    JsonObject distributor = new JsonObject().put("name", "distributor").put("verticle", DistributorService.class.getName())
      .put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("instruments", new JsonArray().add(instrument)).put("batchSize", 200)
        .put("blockMs", 200).put("claimIdleMs", 500).put("claimIntervalMs", 300).put("retryDelayMs", 100));
    return PipelineAccess.config(receiver, distributor);
  }

  /**
   * PostgreSQL unreachable (its connections cut and refused: a {@link CuttableProxy} in front of
   * it) for 4 s — scaled down from the 60 s: the property is the same once the stream
   * passes its cap, which at 1,000 trades/s and maxLen 300 takes 0.3 s — while ingest goes on. The
   * stream grows past its cap: an alert (the over-cap gauge), not a deletion; afterwards every
   * trade sent is persisted exactly once, and the trimmer then trims what was acknowledged.
   */
  @Test
  void postgresDownWhileIngestPassesMaxLenTrimsNothingUnconsumedAndPersistsEveryTrade(Vertx vertx, VertxTestContext ctx) {
    String instrument = "DP" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-PERPETUAL";
    String stream = Streams.key("deribit", Streams.TRADES, instrument);
    long maxLen = 300;
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(instrument))
      .setTradesPerSecond(1_000).setMinHeartbeatIntervalMs(100));
    Set<Long> sentSeqs = recordSent(exchange);
    List<String> failures = failedServices(vertx);
    PipelineAccess.open(vertx).compose(fx -> {
      io.vertx.pgclient.PgConnectOptions pg = fx.pg().connectOptions();
      return CuttableProxy.start(vertx, pg.getHost(), pg.getPort()).compose(proxy -> exchange.start(vertx).compose(port -> {
        JsonObject config = ingestConfig(instrument, port, new JsonObject().put("maxLen", maxLen).put("trimIntervalMs", 200));
        config.put("devServices", new JsonObject().put("enabled", true).put("postgres", new JsonObject().put("enabled", false)));
        config.getJsonObject("resources").getJsonObject("postgres")
          .put("connect", new JsonObject().put("host", "127.0.0.1").put("port", proxy.port()).put("database", pg.getDatabase())
            .put("user", pg.getUser()).put("password", pg.getPassword()))
          .put("breaker", new JsonObject().put("resetTimeoutMs", 300));
        return TradeKit.start(vertx, config);
      }).compose(kit -> PipelineAccess.eventually(vertx, 20_000, () -> persisted(fx, instrument).map(p -> p.entries() > 200))
        .compose(v -> proxy.cut())
        .compose(v -> PipelineAccess.eventually(vertx, 10_000, () -> Future.succeededFuture(
          meter(vertx, "tradekit.stream.over_cap", "stream", stream) == 1.0)))
        .compose(v -> vertx.timer(4_000))
        .compose(v -> Future.all(xlen(fx, stream), new io.tradekit.redis.StreamTrimmer(vertx, fx.redis()).safePoint(stream),
          fx.redis().send(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+").arg("COUNT").arg(1), true)))
        .compose(during -> {
          long length = during.<Long>resultAt(0);
          String safe = during.<java.util.Optional<String>>resultAt(1).orElseThrow();
          String first = during.<io.vertx.redis.client.Response>resultAt(2).get(0).get(0).toString();
          ctx.verify(() -> {
            assertThat(length).as("over its cap while PostgreSQL is down: alerted, not trimmed").isGreaterThan(maxLen * 3);
            assertThat(io.tradekit.redis.StreamTrimmer.compare(first, safe))
              .as("the stream's first entry %s is not above the groups' position %s", first, safe).isLessThanOrEqualTo(0);
          });
          return proxy.restore();
        })
        .compose(v -> exchange.injectFault(io.tradekit.verticles.exchange.Fault.silence("trades." + instrument + ".100ms", 600_000)))
        .compose(v -> PipelineAccess.eventually(vertx, 60_000, () -> persisted(fx, instrument)
          .map(p -> p.seqs().containsAll(Set.copyOf(sentSeqs)))))
        .compose(v -> PipelineAccess.eventually(vertx, 20_000, () -> xlen(fx, stream).map(n -> n <= maxLen
          && meter(vertx, "tradekit.stream.over_cap", "stream", stream) == 0.0)))
        .compose(v -> kit.stop())
        .compose(code -> persisted(fx, instrument).map(p -> {
          ctx.verify(() -> {
            assertThat(code).isZero();
            assertThat(sentSeqs).as("trades sent").hasSizeGreaterThan(4_000);
            assertThat(p.seqs()).as("every trade sent is persisted").isEqualTo(Set.copyOf(sentSeqs));
            assertThat(p.entries()).as("exactly once").isEqualTo(sentSeqs.size());
            assertThat(failures).as("no service failed").isEmpty();
          });
          return null;
        })))
        .eventually(proxy::close))
        .eventually(exchange::stop).eventually(fx::close);
    }).onComplete(ctx.succeedingThenComplete());
  }

  /**
   * CLIENT PAUSE holds every Redis reply past the receiver's command timeout during ingest: its
   * pipelines fail AMBIGUOUS (counted by the client's failures and the writer's failed batches),
   * the writer retries those batches, and every trade sent is persisted exactly once (duplicate
   * stream entries are allowed; rows are keyed by trade id).
   */
  @Test
  void redisPausedPastTheCommandTimeoutDuringIngestRetriesAmbiguousBatchesAndPersistsEveryTrade(Vertx vertx, VertxTestContext ctx) {
    String instrument = "DA" + UUID.randomUUID().toString().substring(0, 6).toUpperCase() + "-PERPETUAL";
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(instrument))
      .setTradesPerSecond(2_000).setMinHeartbeatIntervalMs(100));
    Set<Long> sentSeqs = recordSent(exchange);
    List<String> failures = failedServices(vertx);
    double ambiguousBefore = meter(vertx, "tradekit.client.failures", "client", "redis", "class", "ambiguous");
    double failedBatchesBefore = meter(vertx, "tradekit.receiver.batches.failed", "service", "receiver");
    PipelineAccess.open(vertx).compose(fx -> exchange.start(vertx).compose(port -> {
      JsonObject config = ingestConfig(instrument, port, new JsonObject());
      config.getJsonObject("resources").getJsonObject("redis").put("commandTimeoutMs", 300)
        .put("breaker", new JsonObject().put("resetTimeoutMs", 300));
      return TradeKit.start(vertx, config);
    }).compose(kit -> PipelineAccess.eventually(vertx, 20_000, () -> persisted(fx, instrument).map(p -> p.entries() > 500))
      .compose(v -> fx.redis().send(Request.cmd(Command.CLIENT).arg("PAUSE").arg(1_500).arg("ALL"), false))
      .compose(v -> vertx.timer(1_500))
      .compose(v -> exchange.injectFault(io.tradekit.verticles.exchange.Fault.silence("trades." + instrument + ".100ms", 600_000)))
      .compose(v -> PipelineAccess.eventually(vertx, 60_000, () -> persisted(fx, instrument)
        .map(p -> p.seqs().containsAll(Set.copyOf(sentSeqs)))))
      .compose(v -> kit.stop())
      .compose(code -> persisted(fx, instrument).map(p -> {
        ctx.verify(() -> {
          assertThat(code).isZero();
          assertThat(meter(vertx, "tradekit.client.failures", "client", "redis", "class", "ambiguous"))
            .as("pipelines failed AMBIGUOUS during the pause").isGreaterThan(ambiguousBefore);
          assertThat(meter(vertx, "tradekit.receiver.batches.failed", "service", "receiver"))
            .as("the writer saw failed batches and retried them").isGreaterThan(failedBatchesBefore);
          assertThat(p.seqs()).as("every trade sent is persisted").isEqualTo(Set.copyOf(sentSeqs));
          assertThat(p.entries()).as("exactly once").isEqualTo(sentSeqs.size());
          assertThat(failures).as("no service failed").isEmpty();
        });
        return null;
      })))
      .eventually(exchange::stop).eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  private static List<String> failedServices(Vertx vertx) {
    List<String> failures = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(LifecycleEvents.ADDRESS, m -> {
      if ("service.failed".equals(m.body().getString("event"))) {
        failures.add(m.body().encode());
      }
    });
    return failures;
  }

  /** The trade_seqs the exchange wrote to a client socket (one instrument, so they are unique). */
  private static Set<Long> recordSent(SimulatedExchange exchange) {
    Set<Long> sent = ConcurrentHashMap.newKeySet();
    exchange.tradesWrittenListener((connection, instrument, first, last) -> {
      for (long seq = first; seq <= last; seq++) {
        sent.add(seq);
      }
    });
    return sent;
  }

  /** What a trades stream holds: entries (duplicates included), distinct trade_seqs and trade ids. */
  private record Stored(long entries, Set<Long> seqs, long distinctIds) {
  }

  private static Future<Stored> storedSeqs(io.tradekit.redis.RedisResource redis, String stream) {
    return readStream(redis, stream, "-", new ArrayList<>()).map(entries -> {
      Set<Long> seqs = new HashSet<>();
      Set<String> ids = new HashSet<>();
      for (io.vertx.redis.client.Response entry : entries) {
        io.vertx.redis.client.Response fields = entry.get(1);
        for (int f = 0; f + 1 < fields.size(); f += 2) {
          if (fields.get(f).toString().equals("seq")) {
            seqs.add(fields.get(f + 1).toLong());
          } else if (fields.get(f).toString().equals("id")) {
            ids.add(fields.get(f + 1).toString());
          }
        }
      }
      return new Stored(entries.size(), seqs, ids.size());
    });
  }

  /** XRANGE in pages of 5,000 (exclusive start after the first page). */
  private static Future<List<io.vertx.redis.client.Response>> readStream(io.tradekit.redis.RedisResource redis, String stream,
                                                                           String from, List<io.vertx.redis.client.Response> out) {
    return redis.send(Request.cmd(Command.XRANGE).arg(stream).arg(from).arg("+").arg("COUNT").arg(5_000), true).compose(page -> {
      page.forEach(out::add);
      return page.size() < 5_000 ? Future.succeededFuture(out)
        : readStream(redis, stream, "(" + page.get(page.size() - 1).get(0).toString(), out);
    });
  }

  /** The trade_seqs of {@code instrument} in the trades table, and the row count. */
  private static Future<Stored> persisted(PipelineAccess fx, String instrument) {
    return fx.pg().query("SELECT trade_seq, trade_id FROM trades WHERE exchange = 'deribit' AND instrument = $1",
      Tuple.of(instrument), true).map(rows -> {
        Set<Long> seqs = new HashSet<>();
        Set<String> ids = new HashSet<>();
        rows.forEach(row -> {
          seqs.add(row.getLong("trade_seq"));
          ids.add(row.getString("trade_id"));
        });
        return new Stored(rows.rowCount(), seqs, ids.size());
      });
  }

  private static double meter(Vertx vertx, String name, String... tags) {
    io.micrometer.core.instrument.Meter meter = io.tradekit.health.KitMetrics.of(vertx).registry().find(name).tags(tags).meter();
    if (meter == null) {
      return 0;
    }
    double sum = 0;
    for (io.micrometer.core.instrument.Measurement m : meter.measure()) {
      sum += m.getValue();
    }
    return sum;
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
