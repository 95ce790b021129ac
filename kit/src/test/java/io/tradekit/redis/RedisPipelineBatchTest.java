package io.tradekit.redis;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.resilience.ErrorClass;
import io.tradekit.resilience.ErrorClassifier;
import io.tradekit.resilience.RetryGivenUpException;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RedisResource#pipeline} sends one batch and still reports each command's own outcome,
 * against the embedded dev-services Redis: error replies per index, classified exactly like the
 * same reply to the command sent alone; a connection lost with replies pending fails the call.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class RedisPipelineBatchTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  /** Runs {@code body} with an open client on the dev Redis, then closes and releases it. */
  private static <T> Future<T> withRedis(Vertx vertx, Function<RedisResource, Future<T>> body) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease -> {
      RedisResource redis = (RedisResource) new RedisResourceFactory().create(vertx, "batch-test", new JsonObject()
        .put("type", "redis").put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))),
        "resources.batch-test");
      return redis.open().compose(v -> body.apply(redis)).eventually(redis::close).eventually(lease::release);
    });
  }

  private static Request xadd(String stream, int i) {
    return Request.cmd(Command.XADD).arg(stream).arg("*").arg("i").arg(i);
  }

  /** The failure of {@code request} sent alone, on the raw client (no retries): the reference reply. */
  private static Future<Throwable> aloneFailure(RedisResource redis, Request request) {
    return redis.client().send(request).transform(ar -> Future.succeededFuture(ar.cause()));
  }

  @Test
  void errorRepliesInTheMiddleOfABatchAreReportedPerCommandAndClassifiedLikeTheSameReplyAlone(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:batch:" + System.nanoTime();
    String plain = stream + ":plain";
    List<Request> batch = List.of(
      xadd(stream, 0),
      xadd(plain, 1), // WRONGTYPE: a string key
      xadd(stream, 2),
      // LOADING, as a server that is loading its data set replies (TRANSIENT): a script raises it.
      Request.cmd(Command.EVAL).arg("return redis.error_reply(ARGV[1])").arg(0).arg("LOADING raised for the test"),
      // "ERR The ID specified in XADD must be greater than 0-0": the batch text strips its ERR.
      Request.cmd(Command.XADD).arg(stream).arg("0-0").arg("i").arg(4),
      xadd(stream, 5));
    withRedis(vertx, redis -> redis.send(Request.cmd(Command.SET).arg(plain).arg("x"), true)
      .compose(v -> redis.pipeline(batch, false))
      .compose(results -> {
        List<Future<Throwable>> alone = new ArrayList<>();
        for (int i : new int[] {1, 3, 4}) {
          alone.add(aloneFailure(redis, batch.get(i)));
        }
        return Future.all(alone)
          .compose(v -> redis.send(Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+"), true))
          .map(range -> {
            ctx.verify(() -> {
              assertThat(results).extracting(CommandResult::index).containsExactly(0, 1, 2, 3, 4, 5);
              assertThat(results).extracting(CommandResult::succeeded).containsExactly(true, false, true, false, false, true);
              int[] failed = {1, 3, 4};
              ErrorClass[] expected = {ErrorClass.PERMANENT, ErrorClass.TRANSIENT, ErrorClass.PERMANENT};
              for (int k = 0; k < failed.length; k++) {
                Throwable inBatch = results.get(failed[k]).error();
                Throwable single = alone.get(k).result();
                assertThat(inBatch).as("command [%d]", failed[k]).isInstanceOf(RedisErrorReply.class)
                  .hasMessage(single.getMessage());
                assertThat(ErrorClassifier.isRedisErrorReply(inBatch)).isTrue();
                assertThat(ErrorClassifier.classify(inBatch)).as("%s", inBatch).isEqualTo(expected[k])
                  .isEqualTo(ErrorClassifier.classify(single));
              }
              assertThat(results.get(1).error().getMessage()).startsWith("WRONGTYPE");
              assertThat(((RedisErrorReply) results.get(4).error()).code()).isEqualTo("ERR");
              List<String> written = new ArrayList<>();
              for (Response entry : range) {
                written.add(entry.get(1).get(1).toString());
              }
              assertThat(written).as("the commands around the failed ones ran").containsExactly("0", "2", "5");
              assertThat(redis.resilience().breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
            });
            return null;
          });
      })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void allSucceededBatchReturnsEachReplyInCommandOrder(Vertx vertx, VertxTestContext ctx) {
    String key = "kittest:batch:incr:" + System.nanoTime();
    List<Request> batch = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      batch.add(Request.cmd(Command.INCR).arg(key));
    }
    withRedis(vertx, redis -> redis.pipeline(batch, false)).onComplete(ctx.succeeding(results -> ctx.verify(() -> {
      assertThat(results).hasSize(300);
      for (int i = 0; i < 300; i++) {
        assertThat(results.get(i).index()).isEqualTo(i);
        assertThat(results.get(i).reply().toLong()).isEqualTo(i + 1L);
      }
      ctx.completeNow();
    })));
  }

  /**
   * QUIT makes the server close the connection after its reply, so the XADD behind it never gets
   * one: the client fails it with its CONNECTION_CLOSED marker, shaped like an error reply. That
   * is a lost connection (AMBIGUOUS, the whole call fails), never a PERMANENT reply to that
   * command (which a writer would count as refused and drop).
   */
  @Test
  void connectionClosedWithRepliesPendingFailsTheWholeCallAmbiguous(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:batch:quit:" + System.nanoTime();
    withRedis(vertx, redis -> redis.pipeline(List.of(xadd(stream, 0), Request.cmd(Command.QUIT), xadd(stream, 2)), false)
      .transform(Future::succeededFuture))
      .onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
        assertThat(outcome.failed()).as("a pipeline whose connection closed under it fails, got %s", outcome.result()).isTrue();
        assertThat(outcome.cause()).isInstanceOf(RetryGivenUpException.class);
        RetryGivenUpException given = (RetryGivenUpException) outcome.cause();
        assertThat(given.errorClass()).isEqualTo(ErrorClass.AMBIGUOUS);
        assertThat(given.attempts()).as("not retried: the caller said not idempotent").isEqualTo(1);
        assertThat(given.getCause()).isInstanceOf(PipelineConnectionLostException.class)
          .hasMessageContaining("'batch-test'").hasMessageContaining("[2]");
        ctx.completeNow();
      })));
  }

  /** The same marker on a single command (not a pipeline): a lost connection, not a PERMANENT reply. */
  @Test
  void aCommandBehindQuitOnTheSameConnectionFailsAmbiguousNotPermanent(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:batch:quit1:" + System.nanoTime();
    withRedis(vertx, redis -> redis.client().connect().compose(conn -> {
      Future<?> quit = conn.send(Request.cmd(Command.QUIT));
      Future<Throwable> behind = conn.send(xadd(stream, 1)).transform(ar -> Future.succeededFuture(ar.cause()));
      return Future.all(quit, behind).map(v -> behind.result()).eventually(conn::close);
    })).onComplete(ctx.succeeding(failure -> ctx.verify(() -> {
      assertThat(failure).as("the XADD behind QUIT has no reply").isNotNull();
      assertThat(ErrorClassifier.isRedisErrorReply(failure)).as("%s is no reply from the server", failure).isFalse();
      assertThat(ErrorClassifier.classify(failure)).isEqualTo(ErrorClass.AMBIGUOUS);
      ctx.completeNow();
    })));
  }
}
