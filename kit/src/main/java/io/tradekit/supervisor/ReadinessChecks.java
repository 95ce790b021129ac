package io.tradekit.supervisor;

import io.tradekit.resource.Resource;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The procedures behind {@code /health/ready}: {@code supervisor} (UP once every service started,
 * DOWN again from the moment shutdown begins), {@code services/<name>} (a daemon is UP while
 * running; a task is UP once deployed and reports its state, since its ending is not a fault) and
 * {@code resources/<name>} (the resource's own cheap probe, bounded by a timeout).
 *
 * <p>Each procedure runs on the supervisor's context, not on the admin server's event loop that
 * probes it: the states it reads are confined to the supervisor's context.
 */
final class ReadinessChecks {

  static final long RESOURCE_CHECK_TIMEOUT_MS = 2_000;

  private final HealthChecks checks;
  private final Context supervisorContext;
  private final BooleanSupplier supervisorReady;

  ReadinessChecks(HealthChecks checks, Context supervisorContext, BooleanSupplier supervisorReady) {
    this.checks = checks;
    this.supervisorContext = supervisorContext;
    this.supervisorReady = supervisorReady;
  }

  /** @return {@code procedure}, run on the supervisor's context whichever thread probes it */
  private Handler<Promise<Status>> onSupervisorContext(Handler<Promise<Status>> procedure) {
    return promise -> supervisorContext.runOnContext(v -> procedure.handle(promise));
  }

  HealthChecks checks() {
    return checks;
  }

  void registerSupervisor() {
    checks.register("supervisor", onSupervisorContext(p -> p.complete(supervisorReady.getAsBoolean() ? Status.OK() : Status.KO())));
  }

  void registerService(ServiceRunner runner) {
    checks.register("services/" + runner.spec().name(), onSupervisorContext(p -> {
      ServiceRunner.State state = runner.state();
      JsonObject data = new JsonObject().put("state", state.name().toLowerCase())
        .put("kind", runner.spec().kind().name().toLowerCase());
      // Tasks are not expected to keep running: their outcome is data, not (un)readiness.
      boolean up = runner.spec().kind() == ServiceKind.TASK ? state != ServiceRunner.State.IDLE
        : state == ServiceRunner.State.RUNNING;
      p.complete(new Status().setOk(up).setData(data));
    }));
  }

  void registerResource(Resource resource) {
    checks.register("resources/" + resource.name(), RESOURCE_CHECK_TIMEOUT_MS + 500, onSupervisorContext(p -> {
      JsonObject data = new JsonObject().put("type", resource.type()).put("address", resource.address());
      Future<Void> check = resource.isOpen() ? resource.check() : Future.failedFuture("not open");
      check.timeout(RESOURCE_CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
        if (ar.failed()) {
          data.put("error", String.valueOf(ar.cause().getMessage()));
        }
        p.tryComplete(new Status().setOk(ar.succeeded()).setData(data));
      });
    }));
  }
}
