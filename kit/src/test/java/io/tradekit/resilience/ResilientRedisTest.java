package io.tradekit.resilience;

import io.tradekit.redis.CommandResult;
import io.tradekit.redis.RedisResource;
import io.tradekit.resource.ResourceFactories;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.embedded.RedisServer;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The resilient Redis client against a real embedded Redis that the test stops and restarts. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ResilientRedisTest {

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static Future<RedisServer> startServer(Vertx vertx, int port) {
    return vertx.executeBlocking(() -> {
      RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"").build();
      server.start();
      return server;
    }, false);
  }

  private static Future<Void> stopServer(Vertx vertx, RedisServer server) {
    return vertx.executeBlocking(() -> {
      server.stop();
      return null;
    }, false);
  }

  private static final int THRESHOLD = 3;

  private static RedisResource resource(Vertx vertx, int port) {
    return resource(vertx, port, 2);
  }

  private static RedisResource resource(Vertx vertx, int port, int maxAttempts) {
    return (RedisResource) ResourceFactories.create(vertx, "redis-" + port, new JsonObject().put("type", "redis")
      .put("options", new JsonObject().put("endpoints", new JsonArray().add("redis://127.0.0.1:" + port)))
      .put("retry", new JsonObject().put("maxAttempts", maxAttempts).put("initialBackoffMs", 10))
      .put("breaker", new JsonObject().put("failureThreshold", THRESHOLD).put("resetTimeoutMs", 300))
      .put("commandTimeoutMs", 1_000), "test");
  }

  private static Request xadd(String stream, int i) {
    return Request.cmd(Command.XADD).arg(stream).arg("*").arg("i").arg(i);
  }

  @Test
  void wrongTypeIsNotRetriedAndPipelineReportsEachCommand(Vertx vertx, VertxTestContext ctx) throws Exception {
    int port = freePort();
    startServer(vertx, port).compose(server -> {
      RedisResource redis = resource(vertx, port);
      return redis.open()
        .compose(v -> redis.send(Request.cmd(Command.SET).arg("plain").arg("x"), true))
        .compose(v -> redis.send(xadd("plain", 1), false).transform(ar -> {
          ctx.verify(() -> {
            RetryGivenUpException e = (RetryGivenUpException) ar.cause();
            assertThat(e.errorClass()).isEqualTo(ErrorClass.PERMANENT);
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.getMessage()).contains("WRONGTYPE");
          });
          return redis.pipeline(List.of(xadd("s", 1), xadd("plain", 2), xadd("s", 3)), false);
        }))
        .map(results -> {
          ctx.verify(() -> {
            assertThat(results).extracting(CommandResult::succeeded).containsExactly(true, false, true);
            assertThat(results.get(1).error().getMessage()).startsWith("WRONGTYPE");
            assertThat(redis.resilience().breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
          });
          return null;
        })
        .eventually(redis::close).eventually(() -> stopServer(vertx, server));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void redisRestartOpensTheBreakerThenCommandsSucceedWithoutANewClient(Vertx vertx, VertxTestContext ctx) throws Exception {
    int port = freePort();
    // One attempt per call, so each failed call is exactly one failure the breaker counts.
    RedisResource redis = resource(vertx, port, 1);
    List<Throwable> failures = new ArrayList<>();
    List<CircuitBreakerState> statesAfter = new ArrayList<>();
    startServer(vertx, port)
      .compose(server -> redis.open().compose(v -> redis.send(xadd("ticks", 0), false)).compose(v -> stopServer(vertx, server)))
      .compose(v -> untilBreakerOpens(vertx, redis, failures, statesAfter, 0))
      .compose(v -> {
        long start = System.nanoTime();
        return redis.send(xadd("ticks", 99), false).transform(ar -> {
          long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          ctx.verify(() -> {
            assertThat(failures).hasSize(THRESHOLD).allSatisfy(f -> {
              assertThat(((RetryGivenUpException) f).errorClass()).isIn(ErrorClass.TRANSIENT, ErrorClass.AMBIGUOUS);
              assertThat(((RetryGivenUpException) f).attempts()).isEqualTo(1);
            });
            assertThat(statesAfter).as("open exactly at the threshold, not before")
              .containsExactly(CircuitBreakerState.CLOSED, CircuitBreakerState.CLOSED, CircuitBreakerState.OPEN);
            assertThat(ar.cause().getCause()).isInstanceOf(BreakerOpenException.class).hasMessageContaining("redis-" + port);
            assertThat(tookMs).as("fails fast while open").isLessThan(200);
          });
          return startServer(vertx, port);
        });
      })
      .compose(server -> untilSucceeds(vertx, redis, 0).map(v -> {
        ctx.verify(() -> assertThat(redis.resilience().breakerState()).isEqualTo(CircuitBreakerState.CLOSED));
        return server;
      }).eventually(redis::close).compose(v -> stopServer(vertx, server)))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> untilBreakerOpens(Vertx vertx, RedisResource redis, List<Throwable> failures,
                                                List<CircuitBreakerState> statesAfter, int round) {
    if (redis.resilience().breakerState() == CircuitBreakerState.OPEN) {
      return Future.succeededFuture();
    }
    if (round > 50) {
      return Future.failedFuture("breaker never opened");
    }
    return redis.send(xadd("ticks", round), false).transform(ar -> {
      if (ar.failed() && !(ar.cause().getCause() instanceof BreakerOpenException)) {
        failures.add(ar.cause());
        statesAfter.add(redis.resilience().breakerState());
      }
      return untilBreakerOpens(vertx, redis, failures, statesAfter, round + 1);
    });
  }

  private static Future<Void> untilSucceeds(Vertx vertx, RedisResource redis, int round) {
    return redis.send(xadd("ticks", 1000 + round), false).<Void>mapEmpty().recover(err -> {
      if (round > 100) {
        return Future.failedFuture(err);
      }
      Promise<Void> next = Promise.promise();
      vertx.setTimer(100, t -> untilSucceeds(vertx, redis, round + 1).onComplete(next));
      return next.future();
    });
  }
}
