package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.LifecycleEvents;
import io.tradekit.supervisor.SupervisorVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One supervisor deployed by a test that stops it at a moment of its own choosing: the test
 * deploys {@code new SupervisorVerticle(config)}, waits for its gate (an event, a held connection,
 * a held lock), calls {@link #stop(String)}, and then {@link #finished(long)} tells it the exit
 * code once the supervisor terminated, its start future settled and every lifecycle event
 * published before that was recorded (so late events, e.g. a resource opened after the stop, are
 * in the record when the test checks it).
 */
public final class StopScenario {

  /** Marker the scenario publishes on the lifecycle address to flush the recorder. */
  public static final String FLUSHED = "test.flushed";

  private final Vertx vertx;
  private final LifecycleRecorder events;
  private final SupervisorVerticle supervisor;
  private Future<String> deployed;
  private volatile long stopRequestedNanos;

  public StopScenario(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.events = new LifecycleRecorder(vertx);
    this.supervisor = new SupervisorVerticle(config);
  }

  public LifecycleRecorder events() {
    return events;
  }

  public SupervisorVerticle supervisor() {
    return supervisor;
  }

  /** Deploys the supervisor; its outcome is kept, not asserted (a start cut short may fail). */
  public StopScenario deploy() {
    deployed = vertx.deployVerticle(supervisor);
    return this;
  }

  /** Requests the ordered stop now; any thread. */
  public void stop(String reason) {
    stopRequestedNanos = System.nanoTime();
    supervisor.shutdown(reason);
  }

  /** @return milliseconds since {@link #stop(String)} was called */
  public long msSinceStop() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopRequestedNanos);
  }

  /**
   * @param withinMs how long the supervisor may take to terminate (and its start to settle)
   * @return the exit code, once terminated, the deploy future settled and the recorder flushed
   */
  public Future<Integer> finished(long withinMs) {
    return supervisor.terminated().timeout(withinMs, TimeUnit.MILLISECONDS)
      .recover(err -> Future.failedFuture(new AssertionError("supervisor did not terminate within " + withinMs
        + " ms; events: " + events.trace("supervisor.starting", "supervisor.stopping", "resource.opening",
          "resource.opened", "resource.closed", "service.starting", "service.started", "service.stopped"), err)))
      .compose(code -> deployed.transform(ar -> Future.<Void>succeededFuture())
        .timeout(withinMs, TimeUnit.MILLISECONDS)
        .recover(err -> Future.failedFuture(new AssertionError("supervisor deployment did not settle within "
          + withinMs + " ms after it terminated", err)))
        .compose(v -> flush())
        .map(v -> code));
  }

  /**
   * Events published before this call are delivered to the recorder before the marker: the
   * event bus keeps the order of publications that happen one after the other.
   */
  private Future<Void> flush() {
    Promise<Void> flushed = Promise.promise();
    events.on(FLUSHED, e -> flushed.tryComplete());
    vertx.eventBus().publish(LifecycleEvents.ADDRESS, new JsonObject().put("event", FLUSHED));
    return flushed.future();
  }

  /** @return deployments still alive other than the supervisor's own (call after {@link #finished}) */
  public Set<String> leftoverDeployments() {
    Set<String> ids = new HashSet<>(vertx.deploymentIDs());
    if (deployed != null && deployed.succeeded()) {
      ids.remove(deployed.result());
    }
    return ids;
  }
}
