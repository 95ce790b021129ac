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
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivery counts: entries re-read more than {@code maxDeliveries} times go to the over-limit
 * handler; a batch retried in memory after handler failures is not re-delivered; stable names.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class GroupConsumerDeliveriesTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static Future<RedisResource> open(Vertx vertx, DevServices.Lease lease, String name) {
    RedisResource redis = (RedisResource) new RedisResourceFactory().create(vertx, name, new JsonObject()
      .put("type", "redis").put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))),
      "resources." + name);
    return redis.open().map(redis);
  }

  private static Future<Void> write(RedisResource redis, String stream, int from, int to) {
    List<Request> adds = new ArrayList<>();
    for (int i = from; i < to; i++) {
      adds.add(GroupConsumer.xadd(stream, 0, List.of("n", Integer.toString(i))));
    }
    return redis.pipeline(adds, false).mapEmpty();
  }

  private static Request readPending(String stream, String consumer) {
    return Request.cmd(Command.XREADGROUP).arg("GROUP").arg("g").arg(consumer).arg("COUNT").arg(100)
      .arg("STREAMS").arg(stream).arg("0");
  }

  @Test
  void entriesReReadMoreThanMaxDeliveriesGoToTheOverLimitHandlerAndAreAcknowledged(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:deliveries:" + System.nanoTime();
    List<String> handled = new ArrayList<>();
    List<String> overLimit = new ArrayList<>();
    Promise<Void> done = Promise.promise();
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease ->
      open(vertx, lease, "redis-deliveries").compose(redis -> {
        GroupConsumer consumer = new GroupConsumer(vertx, redis, new GroupConsumer.Settings("g", "c-crashing",
          List.of(stream), 100, 100, 60_000, 60_000, 10, 2_000, 3), entries -> {
            entries.forEach(e -> handled.add(e.fields().get("n")));
            if (handled.size() == 4) {
              done.tryComplete();
            }
            return Future.succeededFuture();
          }, (entries, max) -> {
            entries.forEach(e -> overLimit.add(e.fields().get("n")));
            return Future.succeededFuture();
          });
        // Entries 0-2 were delivered to "c-crashing" three times (read, then re-read twice, as
        // by a process that crashed on them each time); the consumer's own re-read is the 4th.
        return redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg("g").arg("0").arg("MKSTREAM"), true)
          .compose(v -> write(redis, stream, 0, 3))
          .compose(v -> redis.send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg("g").arg("c-crashing")
            .arg("STREAMS").arg(stream).arg(">"), true))
          .compose(v -> redis.send(readPending(stream, "c-crashing"), true))
          .compose(v -> redis.send(readPending(stream, "c-crashing"), true))
          .compose(v -> write(redis, stream, 3, 7))
          .compose(v -> consumer.start())
          .compose(v -> done.future())
          .compose(v -> consumer.stop())
          .compose(v -> redis.send(Request.cmd(Command.XPENDING).arg(stream).arg("g"), true))
          .eventually(() -> redis.close().eventually(lease::release));
      })).onComplete(ctx.succeeding(pending -> ctx.verify(() -> {
        assertThat(overLimit).containsExactly("0", "1", "2");
        assertThat(handled).containsExactly("3", "4", "5", "6");
        assertThat(pending.get(0).toLong()).as("entries left unacknowledged").isZero();
        ctx.completeNow();
      })));
  }

  @Test
  void aBatchRetriedAfterHandlerFailuresIsNotCountedAsRedeliveredNorDeadLettered(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:retries:" + System.nanoTime();
    AtomicInteger failuresLeft = new AtomicInteger(5);
    List<String> handled = new ArrayList<>();
    List<String> overLimit = new ArrayList<>();
    Promise<Void> done = Promise.promise();
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease ->
      open(vertx, lease, "redis-retries").compose(redis -> {
        // maxDeliveries 2, and the handler fails 5 times (e.g. PostgreSQL down): the retries must
        // not push the entries over the limit.
        GroupConsumer consumer = new GroupConsumer(vertx, redis, new GroupConsumer.Settings("g", "c-retrying",
          List.of(stream), 100, 100, 60_000, 60_000, 5, 2_000, 2), entries -> {
            if (failuresLeft.getAndDecrement() > 0) {
              return Future.failedFuture(new IllegalStateException("induced failure"));
            }
            entries.forEach(e -> handled.add(e.fields().get("n")));
            done.tryComplete();
            return Future.succeededFuture();
          }, (entries, max) -> {
            entries.forEach(e -> overLimit.add(e.fields().get("n")));
            return Future.succeededFuture();
          });
        return write(redis, stream, 0, 3)
          .compose(v -> consumer.start())
          .compose(v -> done.future())
          .compose(v -> consumer.stop())
          .compose(v -> redis.send(Request.cmd(Command.XPENDING).arg(stream).arg("g"), true))
          .eventually(() -> redis.close().eventually(lease::release));
      })).onComplete(ctx.succeeding(pending -> ctx.verify(() -> {
        assertThat(handled).containsExactly("0", "1", "2");
        assertThat(overLimit).isEmpty();
        assertThat(pending.get(0).toLong()).isZero();
        ctx.completeNow();
      })));
  }

  @Test
  void aRestartedConsumerWithTheSameStableNameReReadsItsOwnPendingEntriesAtOnce(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:restart:" + System.nanoTime();
    String name = GroupConsumer.claimConsumerName(vertx, "kittest-service");
    List<String> handled = new ArrayList<>();
    Promise<Void> done = Promise.promise();
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease ->
      open(vertx, lease, "redis-restart").compose(redis -> {
        // The first life: read 5 entries and never acknowledged them (killed). claimIdleMs is a
        // minute: only the consumer's own name can bring them back within this test's 30 s.
        GroupConsumer restarted = new GroupConsumer(vertx, redis, new GroupConsumer.Settings("g", name,
          List.of(stream), 100, 100, 60_000, 60_000, 10, 2_000), entries -> {
            entries.forEach(e -> handled.add(e.fields().get("n")));
            done.tryComplete();
            return Future.succeededFuture();
          });
        return redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg("g").arg("0").arg("MKSTREAM"), true)
          .compose(v -> write(redis, stream, 0, 5))
          .compose(v -> redis.send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg("g").arg(name)
            .arg("STREAMS").arg(stream).arg(">"), true))
          .compose(v -> restarted.start())
          .compose(v -> done.future())
          .compose(v -> restarted.stop())
          .compose(v -> redis.send(Request.cmd(Command.XPENDING).arg(stream).arg("g"), true))
          .eventually(() -> redis.close().eventually(lease::release));
      })).onComplete(ctx.succeeding((Response pending) -> ctx.verify(() -> {
        assertThat(handled).containsExactly("0", "1", "2", "3", "4");
        assertThat(pending.get(0).toLong()).isZero();
        GroupConsumer.releaseConsumerName(vertx, name);
        ctx.completeNow();
      })));
  }

  @Test
  void consumerNamesAreTheLowestFreeIndexOfTheBaseAndComeBackAfterRelease(Vertx vertx) {
    String base = "kittest-names-" + System.nanoTime();
    String first = GroupConsumer.claimConsumerName(vertx, base);
    String second = GroupConsumer.claimConsumerName(vertx, base);
    GroupConsumer.releaseConsumerName(vertx, first);
    String again = GroupConsumer.claimConsumerName(vertx, base);
    assertThat(first).isEqualTo(base + "-0");
    assertThat(second).isEqualTo(base + "-1");
    assertThat(again).as("a restarted instance gets its old name back").isEqualTo(base + "-0");
  }
}
