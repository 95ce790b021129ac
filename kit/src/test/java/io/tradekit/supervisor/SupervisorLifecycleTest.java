package io.tradekit.supervisor;

import io.tradekit.dev.DevServices;
import io.tradekit.supervisor.testing.CrashingService;
import io.tradekit.supervisor.testing.FailingStartService;
import io.tradekit.supervisor.testing.IdleService;
import io.tradekit.supervisor.testing.LifecycleRecorder;
import io.tradekit.supervisor.testing.ProbeService;
import io.tradekit.supervisor.testing.ResultTask;
import io.tradekit.supervisor.testing.StuckStopService;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SupervisorLifecycleTest {

  private static final JsonArray PG_AND_REDIS = new JsonArray().add("postgres").add("redis");

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  @Test
  void undeploysServicesInReverseOrderBeforeClosingPools(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    Checkpoint probesSucceeded = ctx.checkpoint(2);
    Checkpoint orderVerified = ctx.checkpoint();
    vertx.eventBus().<JsonObject>consumer(ProbeService.ADDRESS, msg -> ctx.verify(() -> {
      assertThat(msg.body().getBoolean("ok")).as("query and command inside stop(): %s", msg.body()).isTrue();
      assertThat(msg.body().getInteger("answer")).isEqualTo(42);
      probesSucceeded.flag();
    }));
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      assertThat(stopped.getInteger("exitCode")).isZero();
      assertThat(events.trace("service.started", "service.stopped", "resource.opened", "resource.closed"))
        .containsExactly(
          "resource.opened:postgres", "resource.opened:redis",
          "service.started:idle-a", "service.started:probe-b", "service.started:probe-c",
          "service.stopped:probe-c", "service.stopped:probe-b", "service.stopped:idle-a",
          "resource.closed:redis", "resource.closed:postgres");
      orderVerified.flag();
    }));
    JsonObject config = withServices(
      service("probe-c", ProbeService.class).put("uses", PG_AND_REDIS).put("dependsOn", new JsonArray().add("probe-b")),
      service("probe-b", ProbeService.class).put("uses", PG_AND_REDIS).put("dependsOn", new JsonArray().add("idle-a")),
      service("idle-a", IdleService.class));
    TradeKit.start(vertx, config)
      .compose(TradeKit::stop)
      .onComplete(ctx.succeeding(code -> ctx.verify(() -> assertThat(code).isZero())));
  }

  @Test
  void forcesServiceThatOverrunsStopTimeoutAndStillStopsTheRest(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      assertThat(stopped.getInteger("exitCode")).as("an overrun is a failure").isEqualTo(1);
      assertThat(events.trace("service.stopped", "resource.closed")).containsExactly(
        "service.stopped:idle-c", "service.stopped:stuck-b", "service.stopped:idle-a",
        "resource.closed:redis", "resource.closed:postgres");
      JsonObject stuck = events.named("service.stopped").stream()
        .filter(e -> e.getString("service").equals("stuck-b")).findFirst().orElseThrow();
      assertThat(stuck.getBoolean("forced")).isTrue();
      assertThat(stuck.getLong("tookMs")).isGreaterThanOrEqualTo(300);
      ctx.completeNow();
    }));
    JsonObject config = withServices(
      service("idle-a", IdleService.class).put("uses", PG_AND_REDIS),
      service("stuck-b", StuckStopService.class).put("stopTimeoutMs", 300),
      service("idle-c", IdleService.class));
    TradeKit.start(vertx, config).compose(TradeKit::stop)
      .onComplete(ctx.succeeding(code -> ctx.verify(() -> assertThat(code).isEqualTo(1))));
  }

  @Test
  void restartsFailingPermanentDaemonWithGrowingDelaysThenEscalates(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    JsonObject config = withServices(
      service("idle-a", IdleService.class).put("uses", PG_AND_REDIS),
      service("crashy", CrashingService.class)
        .put("backoff", new JsonObject().put("minMs", 40).put("maxMs", 1_000).put("jitter", 0))
        .put("intensity", new JsonObject().put("maxRestarts", 3).put("windowMs", 60_000))
        .put("config", new JsonObject().put("failAfterMs", 20)));
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      int code = stopped.getInteger("exitCode");
        assertThat(code).isEqualTo(1);
        List<Long> delays = events.named("service.restarting").stream().map(e -> e.getLong("delayMs")).toList();
        assertThat(delays).containsExactly(40L, 80L, 160L);
        assertThat(events.count("service.failed", "crashy")).isEqualTo(4);
        assertThat(events.trace("service.stopped", "resource.closed", "supervisor.stopped"))
          .endsWith("service.stopped:idle-a", "resource.closed:redis", "resource.closed:postgres", "supervisor.stopped:1");
      ctx.completeNow();
    }));
    TradeKit.start(vertx, config).onFailure(ctx::failNow);
  }

  @Test
  void uncaughtExceptionOnServiceContextCountsAsFailure(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    JsonObject config = withServices(service("crashy", CrashingService.class)
      .put("restart", "transient")
      .put("backoff", new JsonObject().put("minMs", 10).put("jitter", 0))
      .put("intensity", new JsonObject().put("maxRestarts", 1).put("windowMs", 60_000))
      .put("config", new JsonObject().put("uncaught", true)));
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      int code = stopped.getInteger("exitCode");
        assertThat(code).isEqualTo(1);
        assertThat(events.named("service.failed")).isNotEmpty()
          .allSatisfy(e -> assertThat(e.getString("error")).contains("crash from a handler"));
        assertThat(events.named("service.restarting")).hasSize(1);
      ctx.completeNow();
    }));
    TradeKit.start(vertx, config).onFailure(ctx::failNow);
  }

  @Test
  void taskOnlyConfigEndsWithZeroWhenAllTasksSucceed(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    JsonObject config = withServices(
      service("first", ResultTask.class).put("kind", "task").put("uses", new JsonArray().add("postgres"))
        .put("config", new JsonObject().put("query", true)),
      service("second", ResultTask.class).put("kind", "task"));
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      int code = stopped.getInteger("exitCode");
        assertThat(code).isZero();
        assertThat(events.count("service.completed", "first")).isEqualTo(1);
        assertThat(events.count("service.completed", "second")).isEqualTo(1);
        assertThat(events.trace("resource.closed", "supervisor.stopped"))
          .containsExactly("resource.closed:postgres", "supervisor.stopped:0");
      ctx.completeNow();
    }));
    TradeKit.start(vertx, config).onFailure(ctx::failNow);
  }

  @Test
  void taskOnlyConfigEndsWithOneWhenATaskFails(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    JsonObject config = withServices(
      service("ok", ResultTask.class).put("kind", "task").put("uses", new JsonArray().add("postgres")),
      service("broken", ResultTask.class).put("kind", "task").put("config", new JsonObject().put("fail", true)));
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      int code = stopped.getInteger("exitCode");
        assertThat(code).isEqualTo(1);
        assertThat(events.count("service.failed", "broken")).isEqualTo(1);
        assertThat(events.named("service.restarting")).as("tasks are temporary by default").isEmpty();
        assertThat(events.trace("resource.closed", "supervisor.stopped"))
          .containsExactly("resource.closed:postgres", "supervisor.stopped:1");
      ctx.completeNow();
    }));
    TradeKit.start(vertx, config).onFailure(ctx::failNow);
  }

  @Test
  void startFailureStopsExactlyWhatStartedInReverseAndClosesResources(Vertx vertx, VertxTestContext ctx) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    JsonObject config = withServices(
      service("idle-a", IdleService.class).put("uses", PG_AND_REDIS),
      service("idle-b", IdleService.class).put("dependsOn", new JsonArray().add("idle-a")),
      service("broken-c", FailingStartService.class).put("dependsOn", new JsonArray().add("idle-b")),
      service("never-d", IdleService.class).put("dependsOn", new JsonArray().add("broken-c")));
    Checkpoint startFailed = ctx.checkpoint(2);
    TradeKit.start(vertx, config).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).hasMessageContaining("cannot start on purpose");
      startFailed.flag();
    })));
    events.on("supervisor.stopped", stopped -> ctx.verify(() -> {
      assertThat(events.trace("service.started", "service.failed", "service.stopped", "resource.closed", "supervisor.stopped"))
        .containsExactly("service.started:idle-a", "service.started:idle-b", "service.failed:broken-c",
          "service.stopped:idle-b", "service.stopped:idle-a",
          "resource.closed:redis", "resource.closed:postgres", "supervisor.stopped:1");
      assertThat(events.count("service.starting", "never-d")).isZero();
      startFailed.flag();
    }));
  }

  @Test
  void unreachableResourceFailsNamingItsAddressAfterTheWait(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(service("idle-a", IdleService.class).put("uses", new JsonArray().add("postgres")))
      .put("devServices", new JsonObject().put("enabled", false))
      .put("startup", new JsonObject().put("resourceWaitMs", 400).put("resourceRetryMinMs", 50));
    config.getJsonObject("resources").getJsonObject("postgres")
      .put("connect", new JsonObject().put("host", "127.0.0.1").put("port", 1).put("database", "nowhere"));
    long startNanos = System.nanoTime();
    TradeKit.start(vertx, config).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).hasMessageContaining("resource 'postgres' unavailable at 127.0.0.1:1/nowhere");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos)).as("it retried").isGreaterThanOrEqualTo(200);
      ctx.completeNow();
    })));
  }
}
