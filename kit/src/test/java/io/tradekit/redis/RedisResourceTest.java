package io.tradekit.redis;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.resource.ResourceClosedException;
import io.tradekit.resilience.ErrorClass;
import io.tradekit.resilience.RetryGivenUpException;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.tradekit.testing.TcpForwarder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Redis resource against the embedded dev-services server. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class RedisResourceTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static Future<DevServices.Lease> lease(Vertx vertx) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false));
  }

  private static RedisResource create(Vertx vertx, String name, String... endpoints) {
    JsonObject block = new JsonObject().put("type", "redis")
      .put("options", new JsonObject().put("endpoints", new JsonArray(List.of((Object[]) endpoints))));
    return (RedisResource) new RedisResourceFactory().create(vertx, name, block, "resources." + name);
  }

  @Test
  void opensRunsCommandsAndCloses(Vertx vertx, VertxTestContext ctx) {
    lease(vertx).compose(lease -> {
      RedisResource redis = create(vertx, "redis-main", lease.redisEndpoint());
      ctx.verify(() -> assertThat(redis.isOpen()).isFalse());
      return redis.open()
        .compose(v -> redis.api().set(List.of("kittest:redis", "v1")))
        .compose(ok -> redis.api().get("kittest:redis"))
        .compose(value -> {
          ctx.verify(() -> {
            assertThat(redis.isOpen()).isTrue();
            assertThat(value.toString()).isEqualTo("v1");
          });
          return redis.check();
        })
        .compose(v -> redis.close())
        .eventually(lease::release)
        .map(v -> redis);
    }).onComplete(ctx.succeeding(redis -> ctx.verify(() -> {
      assertThat(redis.isOpen()).isFalse();
      ctx.completeNow();
    })));
  }

  @Test
  void closedClientFailsNamingTheResource(Vertx vertx, VertxTestContext ctx) {
    lease(vertx).compose(lease -> {
      RedisResource redis = create(vertx, "redis-closed", lease.redisEndpoint());
      return redis.open().compose(v -> redis.close()).compose(v -> redis.close())
        .compose(v -> redis.check().transform(Future::succeededFuture))
        .eventually(lease::release)
        .map(check -> {
          ctx.verify(() -> {
            assertThat(check.failed()).as("check() after close").isTrue();
            assertThat(check.cause()).isInstanceOf(ResourceClosedException.class).hasMessageContaining("'redis-closed'");
            assertThatThrownBy(redis::api).isInstanceOf(ResourceClosedException.class).hasMessageContaining("'redis-closed'");
            assertThatThrownBy(redis::client).isInstanceOf(ResourceClosedException.class).hasMessageContaining("'redis-closed'");
            assertThat(redis.isOpen()).isFalse();
          });
          return redis;
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void failedOpenLeavesTheResourceClosedAndReopenable(Vertx vertx, VertxTestContext ctx) {
    int deadPort = TcpForwarder.unusedPort();
    AtomicReference<TcpForwarder> forwarder = new AtomicReference<>();
    lease(vertx).compose(lease -> {
      URI real = URI.create(lease.redisEndpoint());
      RedisResource redis = create(vertx, "redis-later", "redis://127.0.0.1:" + deadPort);
      return redis.open().transform(first -> {
        ctx.verify(() -> {
          assertThat(first.failed()).as("open against a port nobody listens on").isTrue();
          assertThat(redis.isOpen()).isFalse();
          assertThatThrownBy(redis::api).isInstanceOf(ResourceClosedException.class).hasMessageContaining("'redis-later'");
        });
        return TcpForwarder.start(vertx, deadPort, real.getHost(), real.getPort());
      }).compose(started -> {
        forwarder.set(started);
        return redis.open();
      }).compose(v -> redis.api().ping(List.of()))
        .compose(pong -> {
          ctx.verify(() -> {
            assertThat(redis.isOpen()).isTrue();
            assertThat(pong.toString()).isEqualTo("PONG");
          });
          return redis.close();
        })
        .eventually(() -> forwarder.get() == null ? Future.succeededFuture() : forwarder.get().close())
        .eventually(lease::release);
    }).onComplete(ctx.succeedingThenComplete());
  }

  /**
   * CLIENT PAUSE holds every reply past the pipeline's commandTimeoutMs: the outcome of the XADDs
   * is unknown, so the call must FAIL as AMBIGUOUS (never succeed with "no reply" entries), not be
   * retried (not idempotent), and count for the breaker (threshold 1: it opens).
   */
  @Test
  void pipelineTimeoutWithRepliesPendingFailsAmbiguousAndCountsForTheBreaker(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:paused:" + System.nanoTime();
    lease(vertx).compose(lease -> {
      JsonObject block = new JsonObject().put("type", "redis")
        .put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint())))
        .put("commandTimeoutMs", 300).put("retry", new JsonObject().put("maxAttempts", 3).put("initialBackoffMs", 10))
        .put("breaker", new JsonObject().put("failureThreshold", 1).put("resetTimeoutMs", 60_000));
      RedisResource redis = (RedisResource) new RedisResourceFactory().create(vertx, "redis-paused", block, "resources.redis-paused");
      List<Request> adds = List.of(
        Request.cmd(Command.XADD).arg(stream).arg("*").arg("i").arg(1),
        Request.cmd(Command.XADD).arg(stream).arg("*").arg("i").arg(2));
      // A first pipeline leaves an idle pooled connection, so the paused one is already connected.
      return redis.open().compose(v -> redis.pipeline(List.of(Request.cmd(Command.PING)), true))
        .compose(v -> redis.send(Request.cmd(Command.CLIENT).arg("PAUSE").arg(1_500).arg("ALL"), false))
        .compose(v -> redis.pipeline(adds, false).transform(Future::succeededFuture))
        .map(outcome -> {
          ctx.verify(() -> {
            assertThat(outcome.failed()).as("a pipeline with replies pending at its timeout fails").isTrue();
            assertThat(outcome.cause()).isInstanceOf(RetryGivenUpException.class)
              .hasRootCauseInstanceOf(PipelineTimeoutException.class);
            RetryGivenUpException given = (RetryGivenUpException) outcome.cause();
            assertThat(given.errorClass()).isEqualTo(ErrorClass.AMBIGUOUS);
            assertThat(given.attempts()).as("not retried: the caller said not idempotent").isEqualTo(1);
            assertThat(((PipelineTimeoutException) given.getCause()).pending()).isEqualTo(2);
            assertThat(redis.resilience().breakerState()).as("the breaker counted it").isEqualTo(CircuitBreakerState.OPEN);
          });
          return null;
        })
        .eventually(() -> vertx.timer(1_500).compose(t -> redis.close()))
        .eventually(lease::release);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void addressHidesCredentials(Vertx vertx, VertxTestContext ctx) {
    RedisResource redis = create(vertx, "redis-auth", "redis://user:secret@cache.internal:6380",
      "rediss://:p@ss@replica.internal:6381/2", "redis://10.0.0.5:6379");
    ctx.verify(() -> {
      assertThat(redis.address())
        .isEqualTo("redis://cache.internal:6380,rediss://replica.internal:6381/2,redis://10.0.0.5:6379")
        .doesNotContain("secret").doesNotContain("user").doesNotContain("p@ss");
      ctx.completeNow();
    });
  }
}
