package io.tradekit.supervisor;

import io.tradekit.dev.DevServices;
import io.tradekit.pg.PgResource;
import io.tradekit.supervisor.testing.LifecycleRecorder;
import io.tradekit.supervisor.testing.StopScenario;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static io.tradekit.supervisor.testing.StopChecks.assertStoppedCleanly;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stopping while a task's {@code run()} is in flight waits for it (bounded by the task's
 * {@code stopTimeoutMs}), tells it through {@code cancelled()} / {@code cancellation()}, and keeps
 * the shared resources open until it finished.
 *
 * <p>Needs the TaskVerticle hooks {@code protected boolean cancelled()} and
 * {@code protected Future<Void> cancellation()}; this class does not compile without them.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TaskStopTest {

  static final String RUNNING = "test.task.running";
  static final String RESULT = "test.task.result";

  /**
   * Test task: announces on {@value #RUNNING} that run() is in flight, then waits for the
   * cancellation signal (or, with {@code config.ignoreCancellation}, for ever) and after it still
   * queries postgres, publishing the outcome on {@value #RESULT}.
   */
  public static class CancellableTask extends TaskVerticle {

    @Override
    protected Future<?> run() {
      vertx.eventBus().publish(RUNNING, new JsonObject().put("service", service().name()).put("cancelled", cancelled()));
      if (config().getBoolean("ignoreCancellation", false)) {
        return Promise.promise().future();
      }
      return cancellation().compose(v -> {
        boolean flagged = cancelled();
        return service().resource("postgres", PgResource.class).pool().query("SELECT 42 AS answer").execute()
          .onComplete(ar -> vertx.eventBus().publish(RESULT, new JsonObject()
            .put("cancelled", flagged)
            .put("ok", ar.succeeded())
            .put("answer", ar.succeeded() ? ar.result().iterator().next().getInteger("answer") : null)
            .put("error", ar.failed() ? String.valueOf(ar.cause()) : null)));
      });
    }
  }

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  @Test
  void stopWaitsForARunningTaskThatFinishesOnCancellationWhileResourcesAreStillOpen(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(service("backfill", CancellableTask.class).put("kind", "task")
      .put("uses", new JsonArray().add("postgres")).put("stopTimeoutMs", 5_000));
    StopScenario scenario = new StopScenario(vertx, config);
    LifecycleRecorder events = scenario.events();
    Promise<JsonObject> running = Promise.promise();
    Promise<JsonObject> result = Promise.promise();
    vertx.eventBus().<JsonObject>consumer(RUNNING, msg -> {
      running.tryComplete(msg.body());
      scenario.stop("test: stop while the task runs");
    });
    vertx.eventBus().<JsonObject>consumer(RESULT, msg -> result.tryComplete(msg.body()));
    scenario.deploy();
    scenario.finished(15_000).compose(code -> result.future().timeout(1, TimeUnit.SECONDS).map(outcome -> {
      ctx.verify(() -> {
        assertThat(scenario.msSinceStop()).as("the task ended on cancellation, not at stopTimeoutMs").isLessThan(4_000);
        assertThat(code).isZero();
        assertThat(running.future().result().getBoolean("cancelled")).as("cancelled() before the stop").isFalse();
        assertThat(outcome.getBoolean("cancelled")).as("cancelled() once cancellation() completed").isTrue();
        assertThat(outcome.getBoolean("ok")).as("postgres still open after the cancellation: %s", outcome).isTrue();
        assertThat(outcome.getInteger("answer")).isEqualTo(42);
        assertStoppedCleanly(events);
        assertThat(events.trace("service.stopped", "resource.closed"))
          .containsExactly("service.stopped:backfill", "resource.closed:postgres");
      });
      return code;
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stopOfATaskThatIgnoresCancellationIsBoundedByItsStopTimeout(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(service("stubborn", CancellableTask.class).put("kind", "task")
      .put("uses", new JsonArray().add("postgres")).put("stopTimeoutMs", 300)
      .put("config", new JsonObject().put("ignoreCancellation", true)));
    StopScenario scenario = new StopScenario(vertx, config);
    LifecycleRecorder events = scenario.events();
    vertx.eventBus().<JsonObject>consumer(RUNNING, msg -> scenario.stop("test: stop while the task runs"));
    scenario.deploy();
    scenario.finished(15_000).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(code).as("a task that overran its stop timeout is a failed stop").isEqualTo(1);
      JsonObject stopped = events.named("service.stopped").stream()
        .filter(e -> e.getString("service").equals("stubborn")).findFirst().orElseThrow();
      assertThat(stopped.getBoolean("forced")).isTrue();
      assertThat(stopped.getLong("tookMs")).as("it waited for run() up to stopTimeoutMs").isBetween(300L, 3_000L);
      assertStoppedCleanly(events);
      ctx.completeNow();
    })));
  }
}
