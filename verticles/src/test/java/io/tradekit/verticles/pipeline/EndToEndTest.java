package io.tradekit.verticles.pipeline;

import io.micrometer.core.instrument.Gauge;
import io.tradekit.health.KitMetrics;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.tradekit.verticles.receiver.ReceiverService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole pipeline on dev services and a real simulated exchange: exchange → receiver → Redis
 * Streams → distributor → PostgreSQL → analyzer, then a graceful stop.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class EndToEndTest {

  private static JsonObject receiver(String service, int port, List<String> instruments, JsonObject extra) {
    JsonObject config = new JsonObject().put("instruments", new JsonArray(instruments))
      .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + port + "/ws/api/v2").put("heartbeatIntervalMs", 1_000));
    config.mergeIn(extra);
    return new JsonObject().put("name", service).put("verticle", ReceiverService.class.getName())
      .put("uses", new JsonArray().add("redis")).put("dependsOn", new JsonArray().add("distributor"))
      .put("stopTimeoutMs", 30_000).put("config", config);
  }

  private static Future<SimulatedExchange> exchange(Vertx vertx, List<String> instruments) {
    SimulatedExchange exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(instruments)
      .setTradesPerSecond(400).setMinHeartbeatIntervalMs(500));
    return exchange.start(vertx).map(port -> exchange);
  }

  private static List<String> instruments(String prefix) {
    String id = UUID.randomUUID().toString().substring(0, 6).toUpperCase();
    return List.of(prefix + id + "-A", prefix + id + "-B");
  }

  private static Future<Void> silenceTrades(SimulatedExchange exchange, List<String> instruments) {
    Future<Void> chain = Future.succeededFuture();
    for (String instrument : instruments) {
      chain = chain.compose(v -> exchange.injectFault(Fault.silence("trades." + instrument + ".100ms", 600_000)));
    }
    return chain;
  }

  private static Future<Void> verifyExactlyOnce(VertxTestContext ctx, PipelineFixture fx, SimulatedExchange exchange,
                                                List<String> instruments, int exitCode) {
    String[] names = instruments.toArray(new String[0]);
    List<Future<Long>> checks = new ArrayList<>();
    for (String instrument : instruments) {
      checks.add(DistributorAnalyzerTest.count(fx, "SELECT count(*) FROM trades WHERE instrument = $1", instrument));
      checks.add(DistributorAnalyzerTest.count(fx, "SELECT count(DISTINCT trade_seq) FROM trades WHERE instrument = $1", instrument));
    }
    checks.add(DistributorAnalyzerTest.count(fx, DistributorAnalyzerTest.BAR_MISMATCHES, (Object) names));
    return Future.all(checks).map(all -> {
      ctx.verify(() -> {
        assertThat(exitCode).isZero();
        for (int i = 0; i < instruments.size(); i++) {
          long sent = exchange.tradesSent(instruments.get(i));
          assertThat(sent).as("trades sent for %s", instruments.get(i)).isGreaterThan(100);
          assertThat(all.<Long>resultAt(2 * i)).as("rows for %s", instruments.get(i)).isEqualTo(sent);
          assertThat(all.<Long>resultAt(2 * i + 1)).as("distinct seqs for %s", instruments.get(i)).isEqualTo(sent);
        }
        assertThat(all.<Long>resultAt(checks.size() - 1)).as("bars differing from a recomputation").isZero();
      });
      return null;
    });
  }

  @Test
  void everyTradeSentIsPersistedOnceAndBarsEqualRecomputation(Vertx vertx, VertxTestContext ctx) {
    List<String> instruments = instruments("E");
    PipelineFixture.open(vertx).compose(fx -> exchange(vertx, instruments).compose(exchange -> {
      JsonObject config = PipelineFixture.config(DistributorAnalyzerTest.analyzer(instruments),
        DistributorAnalyzerTest.distributor(instruments), receiver("receiver", exchange.port(), instruments, new JsonObject()));
      return TradeKit.start(vertx, config)
        .compose(kit -> PipelineFixture.eventually(vertx, 30_000, () -> Future.succeededFuture(exchange.tradesSent() > 1_000))
          .compose(v -> silenceTrades(exchange, instruments))
          .compose(v -> PipelineFixture.eventually(vertx, 30_000, () -> DistributorAnalyzerTest.count(fx,
            "SELECT count(*) FROM trades WHERE instrument = ANY($1)", (Object) instruments.toArray(new String[0]))
            .map(n -> n == exchange.tradesSent())))
          .compose(v -> kit.stop()))
        .compose(code -> verifyExactlyOnce(ctx, fx, exchange, instruments, code))
        .eventually(exchange::stop);
    }).eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void gracefulStopFlushesEverythingTheReceiverAccepted(Vertx vertx, VertxTestContext ctx) {
    List<String> instruments = instruments("F");
    // A linger far longer than the test: nothing reaches Redis before the stop flushes it.
    JsonObject holdEverything = new JsonObject().put("lingerMs", 600_000).put("batchSize", 100_000);
    PipelineFixture.open(vertx).compose(fx -> exchange(vertx, instruments).compose(exchange -> {
      JsonObject config = PipelineFixture.config(DistributorAnalyzerTest.analyzer(instruments),
        DistributorAnalyzerTest.distributor(instruments), receiver("held-receiver", exchange.port(), instruments, holdEverything));
      return TradeKit.start(vertx, config)
        .compose(kit -> PipelineFixture.eventually(vertx, 30_000, () -> Future.succeededFuture(exchange.tradesSent() > 500))
          .compose(v -> silenceTrades(exchange, instruments))
          .compose(v -> PipelineFixture.eventually(vertx, 30_000, () -> Future.succeededFuture(
            buffered(vertx, "held-receiver") >= exchange.tradesSent())))
          .compose(v -> DistributorAnalyzerTest.count(fx, "SELECT count(*) FROM trades WHERE instrument = ANY($1)",
            (Object) instruments.toArray(new String[0])))
          .compose(before -> {
            ctx.verify(() -> assertThat(before).as("nothing persisted before the stop").isZero());
            return kit.stop();
          }))
        .compose(code -> verifyExactlyOnce(ctx, fx, exchange, instruments, code))
        .eventually(exchange::stop);
    }).eventually(fx::close)).onComplete(ctx.succeedingThenComplete());
  }

  private static double buffered(Vertx vertx, String service) {
    Gauge gauge = KitMetrics.of(vertx).registry().find("tradekit.receiver.buffer.size").tag("service", service).gauge();
    return gauge == null ? 0 : gauge.value();
  }
}
