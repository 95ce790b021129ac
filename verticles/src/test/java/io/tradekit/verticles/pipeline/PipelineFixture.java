package io.tradekit.verticles.pipeline;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.resource.ResourceFactories;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.Supplier;

/**
 * Test fixture on the shared dev services: a migrated PostgreSQL pool and a Redis client for the
 * test's own setup and checks, plus supervisor config blocks for the pipeline services.
 */
final class PipelineFixture {

  final DevServices.Lease lease;
  final PgResource pg;
  final RedisResource redis;

  private PipelineFixture(DevServices.Lease lease, PgResource pg, RedisResource redis) {
    this.lease = lease;
    this.pg = pg;
    this.redis = redis;
  }

  static Future<PipelineFixture> open(Vertx vertx) {
    DevServices.retainForJvm();
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true)).compose(lease -> {
      PgResource pg = (PgResource) ResourceFactories.create(vertx, "test-pg", new JsonObject().put("type", "postgres")
        .put("connect", lease.postgresConnect()).put("migrations", new JsonObject().put("enabled", true)), "test");
      RedisResource redis = (RedisResource) ResourceFactories.create(vertx, "test-redis", new JsonObject().put("type", "redis")
        .put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))), "test");
      return pg.open().compose(v -> pg.migrate()).compose(v -> redis.open())
        .map(v -> new PipelineFixture(lease, pg, redis));
    });
  }

  Future<Void> close() {
    return redis.close().compose(v -> pg.close()).compose(v -> lease.release());
  }

  /** Supervisor config with dev services, migrated postgres, redis and the given services. */
  static JsonObject config(JsonObject... services) {
    return new JsonObject()
      .put("admin", new JsonObject().put("port", 0))
      .put("devServices", new JsonObject().put("enabled", true))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres").put("migrations", new JsonObject().put("enabled", true)))
        .put("redis", new JsonObject().put("type", "redis")))
      .put("services", new JsonArray(java.util.List.of((Object[]) services)));
  }

  /** Completes when {@code condition} yields true, polling every 50 ms on the event loop, or fails after timeoutMs. */
  static Future<Void> eventually(Vertx vertx, long timeoutMs, Supplier<Future<Boolean>> condition) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMs;
    poll(vertx, deadline, condition, done);
    return done.future();
  }

  private static void poll(Vertx vertx, long deadline, Supplier<Future<Boolean>> condition, Promise<Void> done) {
    condition.get().onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        done.complete();
      } else if (System.currentTimeMillis() > deadline) {
        done.fail("condition not met in time" + (ar.failed() ? ": " + ar.cause() : ""));
      } else {
        vertx.setTimer(50, t -> poll(vertx, deadline, condition, done));
      }
    });
  }
}
