package io.tradekit.supervisor;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.supervisor.testing.CrashingService;
import io.tradekit.supervisor.testing.GatedService;
import io.tradekit.supervisor.testing.HoldingProxy;
import io.tradekit.supervisor.testing.IdleService;
import io.tradekit.supervisor.testing.LifecycleRecorder;
import io.tradekit.supervisor.testing.StopScenario;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static io.tradekit.supervisor.testing.StopChecks.afterStopping;
import static io.tradekit.supervisor.testing.StopChecks.assertStoppedCleanly;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stop may land in every phase of the supervisor's start-up and of a service's life. Each test
 * reaches its moment through a gate the test holds (an event, a held TCP connection, a held
 * PostgreSQL advisory lock, a service start waiting for the test's reply), stops there, and then
 * checks the guarantees: exit 0, nothing opened or started after {@code supervisor.stopping},
 * whatever opened or deployed (even late) is closed or undeployed, services before resources.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class StopInterleavingsTest {

  private static final JsonArray PG_AND_REDIS = new JsonArray().add("postgres").add("redis");
  private static final long TERMINATE_WITHIN_MS = 15_000;
  private static final int HOLD_LOCK = 4242;

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static JsonObject oneIdleService() {
    return withServices(service("idle-a", IdleService.class).put("uses", PG_AND_REDIS));
  }

  @Test
  void stopRequestedRightAfterDeployEndsWithZeroAndOpensNothingAfterwards(Vertx vertx, VertxTestContext ctx) {
    StopScenario scenario = new StopScenario(vertx, oneIdleService());
    LifecycleRecorder events = scenario.events();
    // Before start() ran or while validation runs on a worker: either way the stop must hold.
    scenario.deploy().stop("test: stop right after deploy");
    scenario.finished(TERMINATE_WITHIN_MS).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(code).isZero();
      if (events.named("supervisor.stopping").isEmpty()) {
        // Stopped before it began: then it must not have begun at all.
        assertThat(events.named("resource.opening")).isEmpty();
        assertThat(events.named("service.starting")).isEmpty();
      } else {
        assertStoppedCleanly(events);
      }
      assertThat(events.named("service.starting")).as("no service deploys after a stop").isEmpty();
      assertThat(scenario.leftoverDeployments()).isEmpty();
      ctx.completeNow();
    })));
  }

  @Test
  void stopOnSupervisorStartingEndsWithZeroAndOpensNothingAfterwards(Vertx vertx, VertxTestContext ctx) {
    StopScenario scenario = new StopScenario(vertx, oneIdleService());
    LifecycleRecorder events = scenario.events();
    events.on("supervisor.starting", e -> scenario.stop("test: stop on supervisor.starting"));
    scenario.deploy();
    scenario.finished(TERMINATE_WITHIN_MS).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(code).isZero();
      assertStoppedCleanly(events);
      assertThat(events.named("service.starting")).isEmpty();
      assertThat(scenario.leftoverDeployments()).isEmpty();
      ctx.completeNow();
    })));
  }

  @Test
  void stopOnFirstResourceOpeningOpensNoFurtherResource(Vertx vertx, VertxTestContext ctx) {
    StopScenario scenario = new StopScenario(vertx, oneIdleService());
    LifecycleRecorder events = scenario.events();
    events.on("resource.opening", e -> scenario.stop("test: stop on the first resource.opening"));
    scenario.deploy();
    scenario.finished(TERMINATE_WITHIN_MS).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(code).isZero();
      assertStoppedCleanly(events);
      assertThat(events.trace("resource.opening")).containsExactly("resource.opening:postgres");
      assertThat(events.named("service.starting")).isEmpty();
      assertThat(scenario.leftoverDeployments()).isEmpty();
      ctx.completeNow();
    })));
  }

  @Test
  void stopWhileAResourceOpenHangsOpensNothingMoreAndClosesItWhenItsOpenCompletesLate(Vertx vertx, VertxTestContext ctx) {
    // redis goes through a proxy that holds the connection: its open is in flight until released.
    // cache (after it in config order) must then never be opened.
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false))
      .compose(lease -> {
        URI real = URI.create(lease.redisEndpoint());
        return HoldingProxy.start(vertx, real.getHost(), real.getPort())
          .compose(proxy -> stopWhileRedisOpenIsHeld(vertx, ctx, lease.redisEndpoint(), proxy).eventually(proxy::close))
          .eventually(lease::release);
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> stopWhileRedisOpenIsHeld(Vertx vertx, VertxTestContext ctx, String realRedis, HoldingProxy proxy) {
    JsonObject config = withServices(service("idle-a", IdleService.class)
      .put("uses", new JsonArray().add("postgres").add("redis").add("cache")))
      .put("devServices", new JsonObject().put("enabled", true).put("redis", new JsonObject().put("enabled", false)));
    JsonObject resources = config.getJsonObject("resources");
    resources.getJsonObject("redis").put("options", new JsonObject()
      .put("endpoints", new JsonArray().add("redis://127.0.0.1:" + proxy.port())));
    resources.put("cache", new JsonObject().put("type", "redis")
      .put("options", new JsonObject().put("endpoints", new JsonArray().add(realRedis))));
    StopScenario scenario = new StopScenario(vertx, config);
    LifecycleRecorder events = scenario.events();
    // The open completes only after the stop was registered.
    events.on("supervisor.stopping", e -> proxy.release());
    proxy.firstConnection().onSuccess(v -> scenario.stop("test: stop while redis opens"));
    scenario.deploy();
    return scenario.finished(TERMINATE_WITHIN_MS).compose(code -> {
      ctx.verify(() -> {
        assertThat(code).isZero();
        assertStoppedCleanly(events);
        assertThat(events.count("resource.opening", "cache")).as("cache comes after the stop").isZero();
        assertThat(events.named("service.starting")).isEmpty();
        assertThat(proxy.accepted()).as("redis open was attempted through the proxy").isPositive();
      });
      // The redis client whose open completed after the stop must be closed: its connection ends.
      return proxy.whenNoConnections().timeout(5, TimeUnit.SECONDS).recover(err -> Future.failedFuture(new AssertionError(
        "the redis client whose open completed after the stop was never closed (its connection is still open)")));
    });
  }

  @Test
  void stopDuringMigrationsClosesPoolsOnlyAfterFlywayFinishedAndExitsZero(Vertx vertx, VertxTestContext ctx) {
    String database = "holdtest_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setRedisEnabled(false).setDatabase(database))
      .compose(lease -> PgConnection.connect(vertx, new PgConnectOptions(lease.postgresConnect()))
        .compose(lockHolder -> lockHolder.query("SELECT pg_advisory_lock(" + HOLD_LOCK + ")").execute()
          .compose(locked -> stopDuringHeldMigration(vertx, ctx, database, lockHolder))
          .eventually(lockHolder::close))
        .eventually(lease::release))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> stopDuringHeldMigration(Vertx vertx, VertxTestContext ctx, String database, PgConnection lockHolder) {
    JsonObject config = withServices(service("idle-a", IdleService.class).put("uses", new JsonArray().add("postgres")))
      .put("devServices", new JsonObject().put("enabled", true)
        .put("postgres", new JsonObject().put("database", database)));
    config.getJsonObject("resources").getJsonObject("postgres").put("migrations", new JsonObject()
      .put("enabled", true).put("locations", new JsonArray().add("classpath:db/holdtest")));
    StopScenario scenario = new StopScenario(vertx, config);
    LifecycleRecorder events = scenario.events();
    events.on("supervisor.stopping", e -> lockHolder.query("SELECT pg_advisory_unlock(" + HOLD_LOCK + ")").execute());
    scenario.deploy();
    return flywayWaitsOnTheLock(vertx, lockHolder)
      .compose(v -> {
        scenario.stop("test: stop during migrations");
        return scenario.finished(TERMINATE_WITHIN_MS);
      })
      .compose(code -> lockHolder.query("SELECT (extract(epoch FROM finished_at) * 1000)::bigint AS finished_ms FROM hold_done")
        .execute()
        .compose(done -> lockHolder.query("SELECT success FROM flyway_schema_history WHERE version = '1'").execute()
          .map(history -> {
            ctx.verify(() -> {
              assertThat(code).isZero();
              assertStoppedCleanly(events);
              assertThat(history.size()).as("Flyway recorded the migration").isEqualTo(1);
              assertThat(history.iterator().next().getBoolean("success")).isTrue();
              long flywayFinishedMs = done.iterator().next().getLong("finished_ms");
              JsonObject closed = events.named("resource.closed").stream()
                .filter(e -> e.getString("resource").equals("postgres")).findFirst().orElseThrow();
              assertThat(closed.getLong("timeMs")).as("the pool closes only after Flyway finished")
                .isGreaterThanOrEqualTo(flywayFinishedMs);
              assertThat(events.named("service.starting")).isEmpty();
            });
            return (Void) null;
          })));
  }

  /** Completes once Flyway's connection is waiting for the advisory lock the test holds. */
  private static Future<Void> flywayWaitsOnTheLock(Vertx vertx, PgConnection lockHolder) {
    Promise<Void> waiting = Promise.promise();
    pollForWaiter(vertx, lockHolder, waiting);
    return waiting.future();
  }

  private static void pollForWaiter(Vertx vertx, PgConnection lockHolder, Promise<Void> waiting) {
    lockHolder.query("SELECT count(*) AS waiters FROM pg_locks WHERE locktype = 'advisory' AND classid = 0"
        + " AND objid = " + HOLD_LOCK + " AND NOT granted").execute()
      .onFailure(waiting::fail)
      .onSuccess(rows -> {
        Row row = rows.iterator().next();
        if (row.getLong("waiters") > 0) {
          waiting.complete();
        } else {
          vertx.setTimer(25, t -> pollForWaiter(vertx, lockHolder, waiting));
        }
      });
  }

  @Test
  void stopDuringAServiceDeployUndeploysItAndStartsNoOther(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(
      service("gated-a", GatedService.class).put("uses", PG_AND_REDIS),
      service("never-b", IdleService.class).put("dependsOn", new JsonArray().add("gated-a")));
    StopScenario scenario = new StopScenario(vertx, config);
    LifecycleRecorder events = scenario.events();
    Promise<Message<JsonObject>> gateRequest = Promise.promise();
    vertx.eventBus().<JsonObject>consumer(GatedService.GATE, msg -> {
      gateRequest.tryComplete(msg);
      scenario.stop("test: stop during gated-a's deploy");
    });
    // Release the deploy only once the stop is registered: its start completes after the stop.
    events.on("supervisor.stopping", e -> gateRequest.future().onSuccess(msg -> msg.reply(new JsonObject())));
    scenario.deploy();
    scenario.finished(TERMINATE_WITHIN_MS).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(code).isZero();
      assertStoppedCleanly(events);
      assertThat(events.count("service.starting", "never-b")).as("never-b depends on the stopped start").isZero();
      assertThat(afterStopping(events)).as("gated-a, deployed during the stop, is undeployed before resources close")
        .contains("service.stopped:gated-a");
      assertThat(events.count("resource.closed", "postgres")).isEqualTo(1);
      assertThat(events.count("resource.closed", "redis")).isEqualTo(1);
      assertThat(scenario.leftoverDeployments()).isEmpty();
      ctx.completeNow();
    })));
  }

  @Test
  void stopDuringRestartBackoffEndsPromptlyAndNeverRedeploys(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(service("crashy", CrashingService.class).put("uses", PG_AND_REDIS)
      .put("backoff", new JsonObject().put("minMs", 60_000).put("maxMs", 60_000).put("jitter", 0))
      .put("config", new JsonObject().put("failAfterMs", 20)));
    StopScenario scenario = new StopScenario(vertx, config);
    LifecycleRecorder events = scenario.events();
    events.on("service.restarting", e -> scenario.stop("test: stop during the restart backoff"));
    scenario.deploy();
    scenario.finished(TERMINATE_WITHIN_MS).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(scenario.msSinceStop()).as("the 60 s backoff wait does not delay the stop").isLessThan(5_000);
      assertThat(code).isZero();
      assertStoppedCleanly(events);
      assertThat(events.count("service.starting", "crashy")).as("never redeployed").isEqualTo(1);
      assertThat(scenario.leftoverDeployments()).isEmpty();
      ctx.completeNow();
    })));
  }

  @Test
  void stopDuringARestartsRedeployUndeploysItBeforeResourcesClose(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(service("gated", GatedService.class).put("uses", PG_AND_REDIS)
      .put("backoff", new JsonObject().put("minMs", 10).put("maxMs", 10).put("jitter", 0)));
    StopScenario scenario = new StopScenario(vertx, config);
    LifecycleRecorder events = scenario.events();
    AtomicInteger generation = new AtomicInteger();
    Promise<Message<JsonObject>> secondGate = Promise.promise();
    vertx.eventBus().<JsonObject>consumer(GatedService.GATE, msg -> {
      if (generation.incrementAndGet() == 1) {
        msg.reply(new JsonObject().put("failAfterMs", 20)); // first generation runs, then crashes
      } else {
        secondGate.tryComplete(msg); // the restart's redeploy is in flight: stop now
        scenario.stop("test: stop during the restart's redeploy");
      }
    });
    events.on("supervisor.stopping", e -> secondGate.future().onSuccess(msg -> msg.reply(new JsonObject())));
    scenario.deploy();
    scenario.finished(TERMINATE_WITHIN_MS).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(code).isZero();
      assertStoppedCleanly(events);
      assertThat(generation.get()).isEqualTo(2);
      assertThat(afterStopping(events)).as("the redeployed generation is undeployed before resources close")
        .contains("service.stopped:gated");
      assertThat(scenario.leftoverDeployments()).isEmpty();
      ctx.completeNow();
    })));
  }
}
