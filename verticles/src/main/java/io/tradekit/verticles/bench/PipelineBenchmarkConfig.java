package io.tradekit.verticles.bench;

import io.tradekit.dev.DevServices;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.resource.ResourceFactories;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Tuple;

import static io.tradekit.verticles.bench.BenchSupport.await;

/** The pipeline config the process benchmark runs, and the counts it checks afterwards. */
final class PipelineBenchmarkConfig {

  private final DevServices.Lease lease;

  PipelineBenchmarkConfig(DevServices.Lease lease) {
    this.lease = lease;
  }

  JsonObject config(String exchange, int exchangePort) {
    JsonArray instruments = new JsonArray(PipelineBenchmark.INSTRUMENTS);
    return new JsonObject()
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres").put("connect", lease.postgresConnect())
          .put("pool", new JsonObject().put("maxSize", 8)).put("migrations", new JsonObject().put("enabled", true)))
        .put("redis", new JsonObject().put("type", "redis").put("options", new JsonObject()
          .put("endpoints", new JsonArray().add(lease.redisEndpoint())).put("maxPoolSize", 8).put("maxPoolWaiting", 4096))))
      .put("services", new JsonArray()
        .add(new JsonObject().put("name", "analyzer").put("verticle", "io.tradekit.verticles.analyzer.AnalyzerService")
          .put("uses", new JsonArray().add("postgres").add("redis")).put("stopTimeoutMs", 30_000)
          .put("config", new JsonObject().put("exchange", exchange).put("instruments", instruments).put("tickerRefreshMs", 0)))
        .add(new JsonObject().put("name", "distributor").put("verticle", "io.tradekit.verticles.distributor.DistributorService")
          .put("instances", 2).put("dependsOn", new JsonArray().add("analyzer")).put("uses", new JsonArray().add("postgres").add("redis"))
          .put("stopTimeoutMs", 30_000).put("config", new JsonObject().put("exchange", exchange).put("instruments", instruments)
            .put("blockMs", 200)))
        .add(new JsonObject().put("name", "receiver").put("verticle", "io.tradekit.verticles.receiver.ReceiverService")
          .put("dependsOn", new JsonArray().add("distributor")).put("uses", new JsonArray().add("redis")).put("stopTimeoutMs", 30_000)
          .put("config", new JsonObject().put("exchange", exchange).put("instruments", instruments)
            .put("kinds", new JsonArray().add("trades"))
            .put("feed", new JsonObject().put("url", "ws://127.0.0.1:" + exchangePort + "/ws/api/v2").put("heartbeatIntervalMs", 10_000)))));
  }

  long acceptedEntries(Vertx vertx, String exchange) throws Exception {
    RedisResource redis = (RedisResource) ResourceFactories.create(vertx, "count-redis", new JsonObject().put("type", "redis")
      .put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))), "bench");
    await(redis.open());
    long total = 0;
    for (String instrument : PipelineBenchmark.INSTRUMENTS) {
      total += await(redis.send(Request.cmd(Command.XLEN).arg(Streams.key(exchange, Streams.TRADES, instrument)), true)).toLong();
    }
    await(redis.close());
    return total;
  }

  long persistedRows(Vertx vertx, String exchange) throws Exception {
    PgResource pg = (PgResource) ResourceFactories.create(vertx, "count-pg", new JsonObject().put("type", "postgres")
      .put("connect", lease.postgresConnect()), "bench");
    await(pg.open());
    long rows = await(pg.query("SELECT count(*) FROM trades WHERE exchange = $1", Tuple.of(exchange), true)).iterator().next().getLong(0);
    await(pg.close());
    return rows;
  }
}
