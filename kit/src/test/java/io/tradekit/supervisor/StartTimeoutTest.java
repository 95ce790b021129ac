package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.dev.DevServices;
import io.tradekit.supervisor.testing.IdleService;
import io.tradekit.supervisor.testing.LifecycleRecorder;
import io.tradekit.supervisor.testing.NeverStartingService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static io.tradekit.supervisor.testing.StopChecks.assertStoppedCleanly;
import static org.assertj.core.api.Assertions.assertThat;

/** A service start that never completes is bounded by {@code startTimeoutMs}: a start failure, not a hang. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class StartTimeoutTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  @Test
  void startThatNeverCompletesFailsStartUpAfterStartTimeoutAndClosesEverything(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    JsonObject config = withServices(
      service("idle-a", IdleService.class).put("uses", new JsonArray().add("postgres").add("redis")),
      service("stuck-b", NeverStartingService.class).put("startTimeoutMs", 500)
        .put("dependsOn", new JsonArray().add("idle-a")));
    Checkpoint done = ctx.checkpoint(2);
    TradeKit.start(vertx, config).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).as("an overrun start is a start failure, not a config error").isNotInstanceOf(ConfigException.class);
      assertThat(err.getMessage()).as("names the service").contains("stuck-b");
      done.flag();
    })));
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      assertThat(stopped.getInteger("exitCode")).isEqualTo(1);
      JsonObject starting = events.named("service.starting").stream()
        .filter(e -> e.getString("service").equals("stuck-b")).findFirst().orElseThrow();
      JsonObject failed = events.named("service.failed").stream()
        .filter(e -> e.getString("service").equals("stuck-b")).findFirst()
        .orElseThrow(() -> new AssertionError("no service.failed for stuck-b: " + events.all()));
      assertThat(failed.getString("phase")).isEqualTo("start");
      assertThat(failed.getLong("timeMs") - starting.getLong("timeMs")).as("failed at about startTimeoutMs")
        .isBetween(450L, 3_000L);
      assertStoppedCleanly(events);
      // Whether the never-started stuck-b gets a service.stopped is the kit's choice; idle-a's is not.
      assertThat(events.trace("service.stopped", "resource.closed")).filteredOn(e -> !e.endsWith(":stuck-b"))
        .containsExactly("service.stopped:idle-a", "resource.closed:redis", "resource.closed:postgres");
      done.flag();
    }));
  }

  @Test
  void startTimeoutDefaultsToThirtySeconds(VertxTestContext ctx) {
    ctx.verify(() -> {
      ServiceSpec spec = ServiceSpec.fromConfig(ConfigReader.of(service("idle-a", IdleService.class), "services[0]"));
      assertThat(spec.toJson().getLong("startTimeoutMs")).isEqualTo(30_000L);
      ctx.completeNow();
    });
  }
}
