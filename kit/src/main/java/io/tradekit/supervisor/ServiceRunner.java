package io.tradekit.supervisor;

import io.tradekit.resilience.Backoff;
import io.tradekit.resource.Resource;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs one configured service for the supervisor: deploys it, applies its restart policy with the
 * kit's {@link Backoff} and the intensity limit, and stops it within its stop timeout.
 *
 * <p>A state machine ({@link State}) whose every transition runs on the supervisor's context;
 * reports from services arrive on any thread and are moved there first, so no locking is needed.
 * {@link #stop()} is legal in every state and composes on the operation in flight: a deploy is
 * awaited and then undeployed, a restart's backoff timer is cancelled, an undeploy after a failure
 * is awaited. After {@link #stop()} nothing is deployed again.
 */
final class ServiceRunner {

  /**
   * IDLE → STARTING → RUNNING → EXITING (undeploying after a failure or completion) → BACKING_OFF
   * (restart timer) → STARTING ...; any state → STOPPING → STOPPED; a run ends in COMPLETED or
   * FAILED when it is not restarted.
   */
  enum State { IDLE, STARTING, RUNNING, EXITING, BACKING_OFF, STOPPING, STOPPED, COMPLETED, FAILED }

  /** What the runner needs from the supervisor. */
  interface Owner {
    Resource resource(String name);

    void taskFinished(ServiceRunner runner, Throwable failureOrNull);

    void escalate(ServiceRunner runner, String reason);

    void readinessCheck(String name, Handler<Promise<Status>> procedure);

    /** @return true once the supervisor's ordered stop has begun (it stops this runner next) */
    boolean stopRequested();
  }

  /** A report (failure or completion) that arrived while its generation was still deploying. */
  private record Report(int generation, Throwable cause) {
  }

  private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

  private final Vertx vertx;
  private final Context supervisorContext;
  private final ServiceSpec spec;
  private final LifecycleEvents events;
  private final Owner owner;
  private final LongSupplier clockMs;
  private final Backoff.Sequence restartBackoff;
  private final Deque<Long> restartTimesMs = new ArrayDeque<>();

  private State state = State.IDLE;
  private int generation;
  private String deploymentId;
  /** The deploy in flight (first start or a restart), or null. */
  private Future<Void> deploying;
  /** The undeploy in flight after a failure or completion, or null. */
  private Future<Void> exiting;
  private Report reportWhileStarting;
  private long restartTimerId = -1;
  private Future<Boolean> stopping;
  // Written by instance wrappers on the service's own context, read on the supervisor's.
  private volatile boolean stopProblem;
  private Throwable lastFailure;

  ServiceRunner(Vertx vertx, Context supervisorContext, ServiceSpec spec, LifecycleEvents events, Owner owner) {
    this(vertx, supervisorContext, spec, events, owner, Backoff::monotonicMs);
  }

  /** @param clockMs monotonic clock for the restart backoff and the intensity window */
  ServiceRunner(Vertx vertx, Context supervisorContext, ServiceSpec spec, LifecycleEvents events, Owner owner,
                LongSupplier clockMs) {
    this.vertx = vertx;
    this.supervisorContext = supervisorContext;
    this.spec = spec;
    this.events = events;
    this.owner = owner;
    this.clockMs = clockMs;
    this.restartBackoff = spec.backoff().backoff().newSequence(clockMs,
      () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
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
    return deploy("start");
  }

  private Future<Void> deploy(String phase) {
    state = State.STARTING;
    int gen = ++generation;
    ServiceContextImpl serviceContext = new ServiceContextImpl(this, gen);
    events.emit("service.starting", "service", spec.name(), "verticle", spec.verticle().getName(),
      "instances", spec.instances(), "generation", gen);
    DeploymentOptions options = new DeploymentOptions().setInstances(spec.instances()).setConfig(spec.config());
    // deployVerticle was called on the supervisor's context, so its completion runs there too.
    Future<Void> deployed = vertx.deployVerticle(() -> new SupervisedDeployable(spec.newVerticle(), serviceContext, this),
        options)
      .transform(ar -> {
        deploying = null;
        if (ar.failed()) {
          lastFailure = ar.cause();
          reportWhileStarting = null;
          if (stopping == null) {
            state = State.FAILED;
          }
          events.emit("service.failed", "service", spec.name(), "phase", phase, "error", describe(ar.cause()));
          return Future.failedFuture(ar.cause());
        }
        deploymentId = ar.result();
        if (stopping != null || owner.stopRequested()) {
          // A stop landed during the deploy: it undeploys this deployment next; nothing "started".
          return Future.succeededFuture();
        }
        state = State.RUNNING;
        restartBackoff.succeeded();
        events.emit("service.started", "service", spec.name(), "instances", spec.instances(), "generation", gen);
        Report early = reportWhileStarting;
        reportWhileStarting = null;
        if (early != null) {
          onReport(early.generation(), early.cause());
        }
        return Future.succeededFuture();
      });
    deploying = deployed;
    return deployed;
  }

  /** A service reported failure ({@code cause} non-null) or completion; from any thread. */
  void report(int fromGeneration, Throwable cause) {
    supervisorContext.runOnContext(v -> onReport(fromGeneration, cause));
  }

  private void onReport(int fromGeneration, Throwable cause) {
    if (fromGeneration != generation || stopping != null || owner.stopRequested()) {
      LOG.debug("ignoring report from service '{}' generation {} in state {}", spec.name(), fromGeneration, state);
      return;
    }
    if (state == State.STARTING) {
      // The deploy has not completed yet (e.g. start() reported and then completed): act on the
      // first report once it has, instead of undeploying a deployment that does not exist yet.
      if (reportWhileStarting == null) {
        reportWhileStarting = new Report(fromGeneration, cause);
      }
      return;
    }
    if (state != State.RUNNING) {
      return;
    }
    if (cause != null) {
      lastFailure = cause;
      events.emit("service.failed", "service", spec.name(), "phase", "run", "error", describe(cause));
    } else {
      events.emit("service.completed", "service", spec.name());
    }
    state = State.EXITING;
    exiting = undeployCurrent().onComplete(v -> {
      exiting = null;
      afterExit(cause);
    });
  }

  private void afterExit(Throwable cause) {
    if (stopping != null) {
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
    long nowMs = clockMs.getAsLong();
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
    long delayMs = restartBackoff.nextDelayMs();
    state = State.BACKING_OFF;
    events.emit("service.restarting", "service", spec.name(), "attempt", restartBackoff.attempt(), "delayMs", delayMs);
    restartTimerId = vertx.setTimer(delayMs, t -> {
      restartTimerId = -1;
      if (stopping != null || owner.stopRequested()) {
        return;
      }
      deploy("restart").onFailure(err -> {
        if (stopping == null) {
          scheduleRestart();
        }
      });
    });
  }

  /**
   * Stops the service for shutdown or rollback, whatever it is doing: cancels a pending restart,
   * waits for a deploy or undeploy in flight, then undeploys the current deployment within the stop
   * timeout. Idempotent; never fails.
   *
   * @return true when the service stopped cleanly (or was not running)
   */
  Future<Boolean> stop() {
    if (stopping != null) {
      return stopping;
    }
    State before = state;
    if (restartTimerId >= 0) {
      vertx.cancelTimer(restartTimerId);
      restartTimerId = -1;
    }
    Future<Void> inFlight = deploying != null ? deploying : exiting != null ? exiting : Future.succeededFuture();
    stopping = inFlight.<Void>transform(ignored -> deploymentId == null ? Future.succeededFuture() : undeployCurrent())
      .map(v -> {
        if (state != State.COMPLETED && state != State.FAILED) {
          state = State.STOPPED;
        }
        return !stopProblem;
      });
    if (before != State.COMPLETED && before != State.FAILED && !stopping.isComplete()) {
      state = State.STOPPING;
    }
    return stopping;
  }

  private Future<Void> undeployCurrent() {
    String id = deploymentId;
    if (id == null) {
      return Future.succeededFuture();
    }
    long startNanos = System.nanoTime();
    events.emit("service.stopping", "service", spec.name(), "stopTimeoutMs", spec.stopTimeoutMs());
    // The per-instance timeout lives in SupervisedDeployable; this outer bound only guards against
    // an undeploy that never completes for another reason (e.g. a stuck child deployment).
    return vertx.undeploy(id)
      .timeout(spec.stopTimeoutMs() + 1_000, TimeUnit.MILLISECONDS)
      .recover(err -> {
        stopProblem = true;
        LOG.warn("service '{}' undeploy did not complete: {}", spec.name(), describe(err));
        return Future.succeededFuture();
      })
      .map(v -> {
        deploymentId = null;
        events.emit("service.stopped", "service", spec.name(), "tookMs",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), "forced", stopProblem);
        return (Void) null;
      });
  }

  /** Called by an instance's wrapper when its start() overran; the deploy fails with a timeout. */
  void startOverran(long timeoutMs) {
    LOG.warn("event=service.start-overrun service={} startTimeoutMs={}: start() did not complete in time",
      spec.name(), timeoutMs);
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
