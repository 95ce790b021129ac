package io.tradekit.verticles.bench;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.redis.CommandResult;
import io.tradekit.redis.RedisResource;
import io.tradekit.resource.ResourceFactories;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Microbenchmark (not a test): XADD throughput through the kit's Redis client, pipelined batches
 * versus the same entries as single commands awaited one by one, in the same run against the same
 * embedded Redis. Prints a table and writes {@code bench-results/xadd.json}.
 *
 * <p>Run: {@code java -cp verticles/target/tradekit.jar io.tradekit.verticles.bench.XaddBenchmark [entries] [batchSize] [concurrency]}
 */
public final class XaddBenchmark {

  private XaddBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int entries = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int batchSize = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    Vertx vertx = Vertx.vertx();
    try {
      DevServices.Lease lease = await(DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)));
      RedisResource redis = (RedisResource) ResourceFactories.create(vertx, "bench-redis", new JsonObject().put("type", "redis")
        .put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint())).put("maxPoolSize", 8)
          .put("maxPoolWaiting", 1024)), "bench");
      await(redis.open());
      // Warm-up: JIT and connections, not measured.
      runPipelined(vertx, redis, "bench:warm", 20_000, batchSize, concurrency);
      runSingle(vertx, redis, "bench:warm1", 5_000);
      long pipelinedNanos = runPipelined(vertx, redis, "bench:pipelined", entries, batchSize, concurrency);
      long singleNanos = runSingle(vertx, redis, "bench:single", entries);
      double pipelinedRate = entries / (pipelinedNanos / 1e9);
      double singleRate = entries / (singleNanos / 1e9);
      String machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
        + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version");
      System.out.printf("XADD through the kit's Redis client (%s), %,d entries%n", machine, entries);
      System.out.printf("%-44s %14s%n", "mode", "entries/s");
      System.out.printf("%-44s %,14.0f%n", "pipelined (batch " + batchSize + ", " + concurrency + " in flight)", pipelinedRate);
      System.out.printf("%-44s %,14.0f%n", "single commands, one at a time", singleRate);
      System.out.printf("%-44s %14.1fx%n", "ratio", pipelinedRate / singleRate);
      JsonObject json = new JsonObject().put("benchmark", "xadd").put("machine", machine).put("entries", entries)
        .put("batchSize", batchSize).put("concurrency", concurrency)
        .put("pipelinedPerSecond", Math.round(pipelinedRate)).put("singlePerSecond", Math.round(singleRate))
        .put("ratio", Math.round(pipelinedRate / singleRate * 10) / 10.0);
      Files.createDirectories(Path.of("bench-results"));
      Files.writeString(Path.of("bench-results", "xadd.json"), json.encodePrettily());
      await(redis.close());
      await(lease.release());
    } finally {
      await(vertx.close());
    }
  }

  private static long runPipelined(Vertx vertx, RedisResource redis, String stream, int entries, int batchSize, int concurrency)
    throws Exception {
    long start = System.nanoTime();
    Promise<Void> done = Promise.promise();
    int[] next = {0};
    int[] inFlight = {0};
    vertx.runOnContext(v -> pump(redis, stream, entries, batchSize, concurrency, next, inFlight, done));
    await(done.future());
    return System.nanoTime() - start;
  }

  private static void pump(RedisResource redis, String stream, int entries, int batchSize, int concurrency, int[] next,
                           int[] inFlight, Promise<Void> done) {
    while (inFlight[0] < concurrency && next[0] < entries) {
      List<Request> batch = new ArrayList<>(batchSize);
      for (int i = 0; i < batchSize && next[0] < entries; i++, next[0]++) {
        batch.add(xadd(stream, next[0]));
      }
      inFlight[0]++;
      redis.pipeline(batch, false).onComplete(ar -> {
        inFlight[0]--;
        if (ar.failed() || !ar.result().stream().allMatch(CommandResult::succeeded)) {
          done.tryFail(ar.failed() ? ar.cause() : new IllegalStateException("a command failed"));
        } else if (next[0] >= entries && inFlight[0] == 0) {
          done.tryComplete();
        } else {
          pump(redis, stream, entries, batchSize, concurrency, next, inFlight, done);
        }
      });
    }
  }

  private static long runSingle(Vertx vertx, RedisResource redis, String stream, int entries) throws Exception {
    long start = System.nanoTime();
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> single(redis, stream, 0, entries, done));
    await(done.future());
    return System.nanoTime() - start;
  }

  private static void single(RedisResource redis, String stream, int i, int entries, Promise<Void> done) {
    if (i >= entries) {
      done.complete();
      return;
    }
    redis.send(xadd(stream, i), false).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        single(redis, stream, i + 1, entries, done);
      }
    });
  }

  private static Request xadd(String stream, int i) {
    return Request.cmd(Command.XADD).arg(stream).arg("MAXLEN").arg("~").arg(1_000_000).arg("*")
      .arg("in").arg("BTC-PERPETUAL").arg("id").arg(i).arg("px").arg("97000.5").arg("qty").arg("10");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
  }
}
