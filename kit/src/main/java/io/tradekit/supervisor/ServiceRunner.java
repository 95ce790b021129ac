package io.tradekit.supervisor;

import io.tradekit.resource.Resource;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.ext.healthchecks.Status;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs one configured service for the supervisor: deploys it, applies its restart policy with
 * backoff and the intensity limit, and stops it within its stop timeout.
 *
 * <p>Every method runs on the supervisor's context; reports from services arrive on any thread and
 * are moved there first, so the state below needs no locking.
 */
final class ServiceRunner {

  enum State { IDLE, STARTING, RUNNING, RESTARTING, STOPPING, STOPPED, COMPLETED, FAILED }

  /** What the runner needs from the supervisor. */
  interface Owner {
    Resource resource(String name);

    void taskFinished(ServiceRunner runner, Throwable failureOrNull);

    void escalate(ServiceRunner runner, String reason);

    void readinessCheck(String name, Handler<Promise<Status>> procedure);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

  private final Vertx vertx;
  private final Context supervisorContext;
  private final ServiceSpec spec;
  private final LifecycleEvents events;
  private final Owner owner;
  private final Deque<Long> restartTimesMs = new ArrayDeque<>();

  private State state = State.IDLE;
  private int generation;
  private String deploymentId;
  private Future<Void> undeploying;
  private long restartTimerId = -1;
  private int restartNumber;
  private long startedAtNanos;
  // Written by instance wrappers on the service's own context, read on the supervisor's.
  private volatile boolean stopProblem;
  private boolean shuttingDown;
  private Throwable lastFailure;

  ServiceRunner(Vertx vertx, Context supervisorContext, ServiceSpec spec, LifecycleEvents events, Owner owner) {
    this.vertx = vertx;
    this.supervisorContext = supervisorContext;
    this.spec = spec;
    this.events = events;
    this.owner = owner;
  }

  ServiceSpec spec() {
    return spec;
  }

  State state() {
    return state;
  }

  Throwable lastFailure() {
    return lastFailure;
  }

  /** @return true when a stop of this service overran its timeout or failed at some point */
  boolean hadStopProblem() {
    return stopProblem;
  }

  Resource resource(String name) {
    return owner.resource(name);
  }

  void readinessCheck(String name, Handler<Promise<Status>> procedure) {
    owner.readinessCheck("checks/" + spec.name() + "/" + name, procedure);
  }

  /** First start, during the supervisor's start-up; a failure here rolls the supervisor back. */
  Future<Void> start() {
    return deploy().onFailure(err -> {
      state = State.FAILED;
      lastFailure = err;
      events.emit("service.failed", "service", spec.name(), "phase", "start", "error", describe(err));
    });
  }

  private Future<Void> deploy() {
    state = State.STARTING;
    int gen = ++generation;
    ServiceContextImpl serviceContext = new ServiceContextImpl(this, gen);
    events.emit("service.starting", "service", spec.name(), "verticle", spec.verticle().getName(),
      "instances", spec.instances(), "generation", gen);
    DeploymentOptions options = new DeploymentOptions().setInstances(spec.instances()).setConfig(spec.config());
    return vertx.deployVerticle(() -> new SupervisedDeployable(spec.newVerticle(), serviceContext, this), options)
      .map(id -> {
        deploymentId = id;
        startedAtNanos = System.nanoTime();
        if (state == State.STARTING) {
          state = State.RUNNING;
        }
        events.emit("service.started", "service", spec.name(), "instances", spec.instances(), "generation", gen);
        return (Void) null;
      });
  }

  /** A service reported failure ({@code cause} non-null) or completion; from any thread. */
  void report(int fromGeneration, Throwable cause) {
    supervisorContext.runOnContext(v -> onReport(fromGeneration, cause));
  }

  private void onReport(int fromGeneration, Throwable cause) {
    if (fromGeneration != generation || shuttingDown || (state != State.RUNNING && state != State.STARTING)) {
      LOG.debug("ignoring report from service '{}' generation {} in state {}", spec.name(), fromGeneration, state);
      return;
    }
    if (state == State.STARTING) {
      // A failure (or early completion) while deploy is still completing: act once it completed.
      vertx.setTimer(1, t -> onReport(fromGeneration, cause));
      return;
    }
    if (cause != null) {
      lastFailure = cause;
      events.emit("service.failed", "service", spec.name(), "phase", "run", "error", describe(cause));
    } else {
      events.emit("service.completed", "service", spec.name());
    }
    undeployCurrent().onComplete(v -> afterExit(cause));
  }

  private void afterExit(Throwable cause) {
    if (shuttingDown) {
      return;
    }
    if (spec.kind() == ServiceKind.TASK) {
      state = cause == null ? State.COMPLETED : State.FAILED;
      owner.taskFinished(this, cause);
      return;
    }
    boolean restart = switch (spec.restart()) {
      case PERMANENT -> true;
      case TRANSIENT -> cause != null;
      case TEMPORARY -> false;
    };
    if (restart) {
      scheduleRestart();
    } else {
      state = cause == null ? State.COMPLETED : State.FAILED;
    }
  }

  private void scheduleRestart() {
    long nowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    if (startedAtNanos != 0 && System.nanoTime() - startedAtNanos >= TimeUnit.MILLISECONDS.toNanos(spec.backoff().resetAfterMs())) {
      restartNumber = 0; // it ran stably: the next failure starts the backoff from the minimum again
    }
    while (!restartTimesMs.isEmpty() && nowMs - restartTimesMs.peekFirst() > spec.intensity().windowMs()) {
      restartTimesMs.removeFirst();
    }
    if (restartTimesMs.size() >= spec.intensity().maxRestarts()) {
      state = State.FAILED;
      owner.escalate(this, "service '" + spec.name() + "' exceeded its restart intensity: "
        + spec.intensity().maxRestarts() + " restarts within " + spec.intensity().windowMs() + " ms");
      return;
    }
    restartTimesMs.addLast(nowMs);
    restartNumber++;
    long delayMs = Math.max(1, spec.backoff().delayMs(restartNumber, ThreadLocalRandom.current().nextDouble()));
    state = State.RESTARTING;
    events.emit("service.restarting", "service", spec.name(), "attempt", restartNumber, "delayMs", delayMs);
    restartTimerId = vertx.setTimer(delayMs, t -> {
      restartTimerId = -1;
      if (state != State.RESTARTING || shuttingDown) {
        return;
      }
      deploy().onFailure(err -> {
        lastFailure = err;
        events.emit("service.failed", "service", spec.name(), "phase", "restart", "error", describe(err));
        if (!shuttingDown) {
          scheduleRestart();
        }
      });
    });
  }

  /**
   * Stops the service for shutdown or rollback: cancels a pending restart and undeploys the
   * current deployment within the stop timeout. Never fails.
   *
   * @return true when the service stopped cleanly (or was not running)
   */
  Future<Boolean> stop() {
    shuttingDown = true;
    if (restartTimerId >= 0) {
      vertx.cancelTimer(restartTimerId);
      restartTimerId = -1;
    }
    if (undeploying != null) {
      // A failure-triggered undeploy is in flight; shutdown waits for it instead of racing it.
      return undeploying.map(v -> !stopProblem);
    }
    if (deploymentId == null) {
      if (state != State.COMPLETED && state != State.FAILED) {
        state = State.STOPPED;
      }
      return Future.succeededFuture(true);
    }
    return undeployCurrent().map(v -> !stopProblem);
  }

  private Future<Void> undeployCurrent() {
    String id = deploymentId;
    if (id == null) {
      return Future.succeededFuture();
    }
    state = State.STOPPING;
    long startNanos = System.nanoTime();
    events.emit("service.stopping", "service", spec.name(), "stopTimeoutMs", spec.stopTimeoutMs());
    // The per-instance timeout lives in SupervisedDeployable; this outer bound only guards against
    // an undeploy that never completes for another reason (e.g. a stuck child deployment).
    undeploying = vertx.undeploy(id)
      .timeout(spec.stopTimeoutMs() + 1_000, TimeUnit.MILLISECONDS)
      .recover(err -> {
        stopProblem = true;
        LOG.warn("service '{}' undeploy did not complete: {}", spec.name(), describe(err));
        return Future.succeededFuture();
      })
      .map(v -> {
        deploymentId = null;
        undeploying = null;
        state = State.STOPPED;
        events.emit("service.stopped", "service", spec.name(), "tookMs",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), "forced", stopProblem);
        return (Void) null;
      });
    return undeploying;
  }

  /** Called by an instance's wrapper when its stop() overran; the instance is force-undeployed. */
  void stopOverran(long timeoutMs) {
    stopProblem = true;
    LOG.warn("event=service.stop-overrun service={} stopTimeoutMs={}: stop() did not complete in time; force-undeployed",
      spec.name(), timeoutMs);
  }

  /** Called by an instance's wrapper when its stop() failed; the instance is undeployed anyway. */
  void stopFailed(Throwable err) {
    stopProblem = true;
    LOG.warn("service '{}' stop() failed: {}", spec.name(), describe(err));
  }

  static String describe(Throwable err) {
    String message = err.getMessage();
    return err.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
