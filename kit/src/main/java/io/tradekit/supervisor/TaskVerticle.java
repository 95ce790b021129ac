package io.tradekit.supervisor;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Base class of run-once services ({@code kind: task}, e.g. janitor, backfill).
 *
 * <p>{@link #start()} completes at once; {@link #run()} is then called on the verticle's context and
 * its outcome is reported to the supervisor as the task's result (success, or failure with the
 * cause). When every deployed service is a task, the supervisor shuts down after the last one and
 * the process exits 0 if all succeeded, 1 otherwise. Tasks are never restarted ({@code restart}
 * must be {@code temporary}).
 *
 * <p>Stopping a task that is still running (SIGTERM during a backfill) signals {@link #cancellation()}
 * and then waits for {@code run()}'s future, bounded by the service's {@code stopTimeoutMs}: the
 * shared resources are closed only after the task's in-flight requests finished. A task should
 * check {@link #cancelled()} between units of work and finish early.
 */
public abstract class TaskVerticle extends ServiceVerticle {

  private final Promise<Void> cancellation = Promise.promise();
  private Future<?> running;

  @Override
  public final Future<?> start() {
    // Run after start() returned, so the deployment completes at once and the task's outcome is a
    // report rather than a start failure.
    context.runOnContext(v -> {
      if (cancelled()) {
        return; // stopped before it began: nothing to run, nothing to report
      }
      Future<?> result;
      try {
        result = run();
      } catch (Throwable t) {
        result = Future.failedFuture(t);
      }
      running = result;
      result.onComplete(ar -> {
        if (ar.succeeded()) {
          service().complete();
        } else {
          service().fail(ar.cause());
        }
      });
    });
    return Future.succeededFuture();
  }

  /**
   * Signals cancellation and waits for the run in flight. Called by Vert.x on undeploy, on the
   * verticle's context; the supervisor bounds it by {@code stopTimeoutMs}.
   */
  @Override
  public final Future<?> stop() {
    cancellation.tryComplete();
    Future<?> inFlight = running;
    // The run's own failure is its result (already reported); the stop itself succeeded.
    return inFlight == null ? Future.succeededFuture() : inFlight.transform(ar -> Future.succeededFuture());
  }

  /** The task's work, on the verticle's event-loop context; must not block. */
  protected abstract Future<?> run();

  /** @return true once a stop was requested; a long task checks it between units of work */
  protected final boolean cancelled() {
    return cancellation.future().isComplete();
  }

  /** @return completes when a stop is requested (never fails), e.g. to end a wait early */
  protected final Future<Void> cancellation() {
    return cancellation.future();
  }
}
