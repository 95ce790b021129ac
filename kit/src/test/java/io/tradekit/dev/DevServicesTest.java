package io.tradekit.dev;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** JVM-wide embedded PostgreSQL and Redis, and rewriting resource blocks to point at them. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class DevServicesTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static Future<DevServices.Lease> lease(Vertx vertx) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true));
  }

  @Test
  void twoAcquiresShareTheSamePorts(Vertx vertx, VertxTestContext ctx) {
    lease(vertx).compose(first -> lease(vertx).compose(second -> {
      ctx.verify(() -> {
        JsonObject pg1 = first.postgresConnect();
        JsonObject pg2 = second.postgresConnect();
        assertThat(pg1).isNotNull();
        assertThat(pg1.getInteger("port")).isPositive().isEqualTo(pg2.getInteger("port"));
        assertThat(pg1.getString("host")).isEqualTo("127.0.0.1");
        assertThat(pg1.getString("database")).isEqualTo(DevServicesOptions.DEFAULT_DATABASE);
        assertThat(first.redisEndpoint()).startsWith("redis://127.0.0.1:").isEqualTo(second.redisEndpoint());
      });
      return second.release().compose(v -> second.release()).compose(v -> first.release());
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void leaseHandsOutCopiesOfTheConnectBlock(Vertx vertx, VertxTestContext ctx) {
    lease(vertx).compose(lease -> {
      lease.postgresConnect().put("host", "tampered");
      ctx.verify(() -> assertThat(lease.postgresConnect().getString("host")).isEqualTo("127.0.0.1"));
      return lease.release();
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void applyToRewritesEndpointsWithoutMutatingItsInput(Vertx vertx, VertxTestContext ctx) {
    JsonObject resources = new JsonObject()
      .put("postgres", new JsonObject().put("type", "postgres")
        .put("connect", new JsonObject().put("host", "db.prod").put("port", 5432).put("database", "prod")
          .put("user", "trader").put("passwordFile", "/run/secrets/pg"))
        .put("pool", new JsonObject().put("maxSize", 7)))
      .put("bare-pg", new JsonObject().put("type", "postgres"))
      .put("redis", new JsonObject().put("type", "redis")
        .put("options", new JsonObject().put("endpoints", new JsonArray().add("redis://u:pw@cache.prod:6379"))
          .put("connectionString", "redis://cache.prod:6379").put("maxPoolSize", 9)))
      .put("exchange", new JsonObject().put("type", "http").put("baseUrl", "https://www.deribit.com"));
    JsonObject before = resources.copy();
    lease(vertx).compose(lease -> {
      JsonObject applied = lease.applyTo(resources);
      ctx.verify(() -> {
        assertThat(resources).as("input not mutated").isEqualTo(before);
        JsonObject dev = lease.postgresConnect();
        JsonObject connect = applied.getJsonObject("postgres").getJsonObject("connect");
        assertThat(connect.getString("host")).isEqualTo("127.0.0.1");
        assertThat(connect.getInteger("port")).isEqualTo(dev.getInteger("port"));
        assertThat(connect.getString("database")).isEqualTo(dev.getString("database"));
        assertThat(connect.getString("user")).isEqualTo(dev.getString("user"));
        assertThat(connect.containsKey("passwordFile")).as("no secret file to read for the embedded server").isFalse();
        assertThat(applied.getJsonObject("postgres").getJsonObject("pool")).isEqualTo(new JsonObject().put("maxSize", 7));
        assertThat(applied.getJsonObject("bare-pg").getJsonObject("connect").getInteger("port")).isEqualTo(dev.getInteger("port"));
        JsonObject options = applied.getJsonObject("redis").getJsonObject("options");
        assertThat(options.getJsonArray("endpoints")).containsExactly(lease.redisEndpoint());
        assertThat(options.containsKey("connectionString")).isFalse();
        assertThat(options.getInteger("maxPoolSize")).isEqualTo(9);
        assertThat(applied.getJsonObject("exchange")).isEqualTo(before.getJsonObject("exchange"));
      });
      return lease.release();
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void leaseWithoutRedisLeavesRedisBlocksAlone(Vertx vertx, VertxTestContext ctx) {
    JsonObject resources = new JsonObject().put("redis", new JsonObject().put("type", "redis")
      .put("options", new JsonObject().put("endpoints", new JsonArray().add("redis://cache.prod:6379"))));
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setRedisEnabled(false)).compose(lease -> {
      ctx.verify(() -> {
        assertThat(lease.redisEndpoint()).isNull();
        assertThat(lease.applyTo(resources)).isEqualTo(resources);
      });
      return lease.release();
    }).onComplete(ctx.succeedingThenComplete());
  }
}
