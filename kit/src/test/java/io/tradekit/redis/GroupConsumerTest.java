package io.tradekit.redis;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer-group loop against the embedded Redis: a backlog of many batches, with one handler
 * failure in the middle.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class GroupConsumerTest {

  private static final int BATCH = 50;
  private static final int ENTRIES = 10 * BATCH + 7;

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  @Test
  void handlesEveryEntryOfABacklogAndAcksOnlyAfterSuccessEvenWhenABatchFails(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:group:" + System.nanoTime();
    Map<String, Integer> handledCount = new HashMap<>();
    Set<String> written = new HashSet<>();
    AtomicInteger batches = new AtomicInteger();
    Promise<Void> allHandled = Promise.promise();
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease -> {
      RedisResource redis = (RedisResource) new RedisResourceFactory().create(vertx, "redis-group", new JsonObject()
        .put("type", "redis").put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))),
        "resources.redis-group");
      List<Request> adds = new ArrayList<>();
      for (int i = 0; i < ENTRIES; i++) {
        adds.add(GroupConsumer.xadd(stream, 0, List.of("n", Integer.toString(i))));
      }
      GroupConsumer.Settings settings = new GroupConsumer.Settings("g", "c1", List.of(stream), BATCH, 100, 60_000,
        60_000, 10, 5_000);
      GroupConsumer consumer = new GroupConsumer(vertx, redis, settings, entries -> {
        // The third batch fails once: its entries must come back through the consumer's own
        // pending entries, be handled once, and only then be acknowledged.
        if (batches.incrementAndGet() == 3) {
          return Future.failedFuture(new IllegalStateException("induced failure"));
        }
        entries.forEach(e -> handledCount.merge(e.fields().get("n"), 1, Integer::sum));
        if (handledCount.size() == ENTRIES) {
          allHandled.tryComplete();
        }
        return Future.succeededFuture();
      });
      return redis.open()
        .compose(v -> redis.pipeline(adds, false))
        .onSuccess(results -> results.forEach(r -> written.add(Integer.toString(r.index()))))
        .compose(v -> consumer.start())
        .compose(v -> allHandled.future())
        .compose(v -> consumer.stop())
        .compose(v -> redis.send(Request.cmd(Command.XPENDING).arg(stream).arg("g"), true))
        .eventually(() -> redis.close().eventually(lease::release));
    }).onComplete(ctx.succeeding(pending -> ctx.verify(() -> {
      assertThat(handledCount.keySet()).as("every written entry was handled").isEqualTo(written);
      assertThat(handledCount.values()).as("no entry handled twice after a successful batch").allMatch(n -> n == 1);
      assertThat(batches.get()).as("batches, including the failed one").isGreaterThan(ENTRIES / BATCH);
      assertThat(pending.get(0).toLong()).as("entries left pending (unacknowledged)").isZero();
      ctx.completeNow();
    })));
  }

  @Test
  @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
  void stopEndsABlockedReadAtOnceInsteadOfWaitingOutItsBlockTime(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:group-block:" + System.nanoTime();
    // BLOCK 60 s: a stop that waited for the read to time out would fail this test's 20 s limit.
    GroupConsumer.Settings settings = new GroupConsumer.Settings("g", "blocked", List.of(stream), 10, 60_000, 60_000,
      60_000, 10, 5_000);
    List<String> handled = new ArrayList<>();
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease -> {
      RedisResource redis = (RedisResource) new RedisResourceFactory().create(vertx, "redis-block", new JsonObject()
        .put("type", "redis").put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))),
        "resources.redis-block");
      GroupConsumer consumer = new GroupConsumer(vertx, redis, settings, entries -> {
        entries.forEach(e -> handled.add(e.fields().get("n")));
        return Future.succeededFuture();
      });
      return redis.open()
        .compose(v -> consumer.start())
        .compose(v -> blockedInXreadgroup(vertx, redis))
        .compose(v -> consumer.stop())
        .compose(v -> redis.send(Request.cmd(Command.CLIENT).arg("LIST"), true))
        .eventually(() -> redis.close().eventually(lease::release));
    }).onComplete(ctx.succeeding(clients -> ctx.verify(() -> {
      assertThat(clients.toString()).as("no consumer connection left blocked").doesNotContain("cmd=xreadgroup");
      assertThat(handled).isEmpty();
      ctx.completeNow();
    })));
  }

  /** Completes once Redis lists a connection blocked in XREADGROUP (polled, as Redis has no event for it). */
  private static Future<Void> blockedInXreadgroup(Vertx vertx, RedisResource redis) {
    Promise<Void> blocked = Promise.promise();
    vertx.setPeriodic(20, timer -> redis.send(Request.cmd(Command.CLIENT).arg("LIST"), true).onSuccess(list -> {
      if (list.toString().lines().anyMatch(line -> line.contains("cmd=xreadgroup") && line.contains("flags=b"))) {
        vertx.cancelTimer(timer);
        blocked.tryComplete();
      }
    }));
    return blocked.future();
  }
}
