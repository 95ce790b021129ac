package io.tradekit.supervisor;

import io.tradekit.supervisor.testing.GatedService;
import io.tradekit.supervisor.testing.LifecycleRecorder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The supervisor's restart backoff after a stable period: a daemon that ran longer than
 * {@code backoff.resetAfterMs} starts again from {@code minMs}, and when its restarts then keep
 * failing the delays grow from there instead of every restart counting as the first.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RestartBackoffTest {

  @Test
  void restartDelaysGrowWhenRestartsKeepFailingAfterAStablePeriod(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    JsonObject config = withServices(service("flaky", GatedService.class)
      .put("backoff", new JsonObject().put("minMs", 50).put("maxMs", 10_000).put("jitter", 0).put("resetAfterMs", 300))
      .put("intensity", new JsonObject().put("maxRestarts", 4).put("windowMs", 60_000)))
      .put("devServices", new JsonObject().put("enabled", false));
    AtomicInteger starts = new AtomicInteger();
    vertx.eventBus().<JsonObject>consumer(GatedService.GATE, msg -> {
      if (starts.incrementAndGet() == 1) {
        msg.reply(new JsonObject().put("failAfterMs", 400)); // a stable run, longer than resetAfterMs
      } else {
        msg.reply(new JsonObject().put("failStart", true)); // then every restart fails at once
      }
    });
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      assertThat(stopped.getInteger("exitCode")).as("restart intensity exceeded").isEqualTo(1);
      List<Long> delays = events.named("service.restarting").stream().map(e -> e.getLong("delayMs")).toList();
      assertThat(delays).as("minMs after the stable run, then doubling per failed restart").containsExactly(50L, 100L, 200L, 400L);
      assertThat(starts.get()).isEqualTo(5);
      ctx.completeNow();
    }));
    TradeKit.start(vertx, config).onFailure(ctx::failNow);
  }
}
