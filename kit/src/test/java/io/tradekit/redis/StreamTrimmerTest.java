package io.tradekit.redis;

import io.micrometer.core.instrument.Gauge;
import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.health.KitMetrics;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Safe trimming against the embedded dev-services Redis, with real consumer groups. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class StreamTrimmerTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  /** Runs {@code body} with an open client on the dev Redis, then closes and releases it. */
  private static <T> Future<T> withRedis(Vertx vertx, Function<RedisResource, Future<T>> body) {
    return DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease -> {
      RedisResource redis = (RedisResource) new RedisResourceFactory().create(vertx, "trim-test", new JsonObject()
        .put("type", "redis").put("options", new JsonObject().put("endpoints", new JsonArray().add(lease.redisEndpoint()))),
        "resources.trim-test");
      return redis.open().compose(v -> body.apply(redis)).eventually(redis::close).eventually(lease::release);
    });
  }

  private static Future<List<String>> addEntries(RedisResource redis, String stream, int n) {
    List<Request> adds = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      adds.add(Request.cmd(Command.XADD).arg(stream).arg("*").arg("i").arg(i));
    }
    return redis.pipeline(adds, false).map(results -> results.stream().map(r -> r.reply().toString()).toList());
  }

  private static Future<Response> send(RedisResource redis, Request request) {
    return redis.send(request, false);
  }

  private static Future<Void> createGroup(RedisResource redis, String stream, String group) {
    return send(redis, Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(group).arg("0")).mapEmpty();
  }

  /** Delivers {@code count} entries to {@code group} (they become pending). */
  private static Future<Void> read(RedisResource redis, String stream, String group, int count) {
    return send(redis, Request.cmd(Command.XREADGROUP).arg("GROUP").arg(group).arg("c1").arg("COUNT").arg(count)
      .arg("STREAMS").arg(stream).arg(">")).mapEmpty();
  }

  private static Future<Void> ack(RedisResource redis, String stream, String group, List<String> ids) {
    Request xack = Request.cmd(Command.XACK).arg(stream).arg(group);
    ids.forEach(xack::arg);
    return send(redis, xack).mapEmpty();
  }

  private static Future<List<String>> ids(RedisResource redis, String stream) {
    return send(redis, Request.cmd(Command.XRANGE).arg(stream).arg("-").arg("+")).map(reply -> {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < reply.size(); i++) {
        out.add(reply.get(i).get(0).toString());
      }
      return out;
    });
  }

  private static double overCapGauge(Vertx vertx, String stream) {
    Gauge gauge = KitMetrics.of(vertx).registry().find("tradekit.stream.over_cap").tag("stream", stream).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  @Test
  void trimsAcknowledgedEntriesButNeverPendingOrUndeliveredOnes(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:trim:" + UUID.randomUUID();
    withRedis(vertx, redis -> addEntries(redis, stream, 10).compose(added -> {
      StreamTrimmer trimmer = new StreamTrimmer(vertx, redis);
      // Group a: 6 delivered, the first 3 acknowledged (4..6 pending, 7..10 undelivered).
      // Group b: 8 delivered and acknowledged (9..10 undelivered).
      return createGroup(redis, stream, "a").compose(v -> createGroup(redis, stream, "b"))
        .compose(v -> read(redis, stream, "a", 6)).compose(v -> ack(redis, stream, "a", added.subList(0, 3)))
        .compose(v -> read(redis, stream, "b", 8)).compose(v -> ack(redis, stream, "b", added.subList(0, 8)))
        .compose(v -> trimmer.trim(stream, null, 0, false))
        .compose(first -> ids(redis, stream).map(left -> {
          ctx.verify(() -> {
            assertThat(first.groups()).isEqualTo(2);
            assertThat(first.safeId()).as("group a's smallest pending id").isEqualTo(added.get(3));
            assertThat(first.removed()).isEqualTo(3);
            assertThat(left).as("pending (a: 4..6) and undelivered entries stay").isEqualTo(added.subList(3, 10));
          });
          return null;
        }))
        // Group a acknowledges its pending entries: now its last-delivered (6) bounds the trim,
        // group b's undelivered 9..10 and a's undelivered 7..10 stay.
        .compose(v -> ack(redis, stream, "a", added.subList(3, 6)))
        .compose(v -> trimmer.trim(stream, null, 0, false))
        .compose(second -> ids(redis, stream).map(left -> {
          ctx.verify(() -> {
            assertThat(second.safeId()).isEqualTo(StreamTrimmer.successor(added.get(5)));
            assertThat(second.removed()).isEqualTo(3);
            assertThat(left).as("entries 7..10 were never delivered to group a").isEqualTo(added.subList(6, 10));
          });
          return null;
        }))
        // An age bound lower than the safe point wins: nothing at or after it is trimmed.
        .compose(v -> read(redis, stream, "a", 10)).compose(v -> read(redis, stream, "b", 10))
        .compose(v -> ack(redis, stream, "a", added.subList(6, 10))).compose(v -> ack(redis, stream, "b", added.subList(8, 10)))
        .compose(v -> trimmer.trim(stream, added.get(8), 0, false))
        .compose(third -> ids(redis, stream).map(left -> {
          ctx.verify(() -> assertThat(left).as("below the age bound only").isEqualTo(added.subList(8, 10)));
          return null;
        }));
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void streamWithoutGroupsIsKeptAndOverItsCapRaisesTheAlertInsteadOfDeleting(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:ungrouped:" + UUID.randomUUID();
    withRedis(vertx, redis -> addEntries(redis, stream, 5).compose(added -> {
      StreamTrimmer trimmer = new StreamTrimmer(vertx, redis);
      return trimmer.trim(stream, "99999999999999-0", 2, false).compose(outcome -> ids(redis, stream).map(left -> {
        ctx.verify(() -> {
          assertThat(outcome.safeId()).as("no group: no safe point").isNull();
          assertThat(outcome.removed()).isZero();
          assertThat(left).as("nobody has consumed it: nothing trimmed, not even by age").isEqualTo(added);
          assertThat(trimmer.overCap()).containsEntry(stream, 5L);
          assertThat(overCapGauge(vertx, stream)).isEqualTo(1.0);
        });
        return null;
      }));
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void consumersBehindRaiseTheAlertUntilTheyCatchUpAndThePeriodicTrimmerTrims(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:behind:" + UUID.randomUUID();
    List<StreamTrimmer.Target> targets = List.of(new StreamTrimmer.Target(stream, 3, false));
    withRedis(vertx, redis -> addEntries(redis, stream, 10).compose(added -> {
      StreamTrimmer trimmer = new StreamTrimmer(vertx, redis);
      return createGroup(redis, stream, "slow").compose(v -> read(redis, stream, "slow", 2))
        .compose(v -> trimmer.trimAll(targets))
        .compose(v -> ids(redis, stream).map(left -> {
          ctx.verify(() -> {
            assertThat(left).as("over the cap, but nothing acknowledged: nothing deleted").isEqualTo(added);
            assertThat(trimmer.overCap()).containsEntry(stream, 10L);
            assertThat(overCapGauge(vertx, stream)).isEqualTo(1.0);
          });
          return null;
        }))
        .compose(v -> read(redis, stream, "slow", 10)).compose(v -> ack(redis, stream, "slow", added))
        .compose(v -> {
          trimmer.start(50, () -> targets);
          return eventually(vertx, 10_000, () -> ids(redis, stream).map(left -> left.isEmpty() && trimmer.overCap().isEmpty()));
        })
        .compose(v -> trimmer.stop())
        .map(v -> {
          ctx.verify(() -> assertThat(overCapGauge(vertx, stream)).as("alert cleared once caught up").isEqualTo(0.0));
          return null;
        });
    })).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> eventually(Vertx vertx, long timeoutMs, java.util.function.Supplier<Future<Boolean>> condition) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    return condition.get().compose(ok -> ok ? Future.<Void>succeededFuture()
      : System.currentTimeMillis() > deadline ? Future.<Void>failedFuture("condition not met in " + timeoutMs + " ms")
      : vertx.timer(50).compose(t -> eventually(vertx, deadline - System.currentTimeMillis(), condition)));
  }
}
