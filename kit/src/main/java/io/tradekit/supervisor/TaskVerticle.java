package io.tradekit.supervisor;

import io.vertx.core.Future;

/**
 * Base class of run-once services ({@code kind: task}, e.g. janitor, backfill).
 *
 * <p>{@link #start()} completes at once; {@link #run()} is then called on the verticle's context and
 * its outcome is reported to the supervisor as the task's result (success, or failure with the
 * cause). When every deployed service is a task, the supervisor shuts down after the last one and
 * the process exits 0 if all succeeded, 1 otherwise.
 */
public abstract class TaskVerticle extends ServiceVerticle {

  @Override
  public final Future<?> start() {
    context.runOnContext(v -> {
      Future<?> result;
      try {
        result = run();
      } catch (Throwable t) {
        result = Future.failedFuture(t);
      }
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

  /** The task's work, on the verticle's event-loop context; must not block. */
  protected abstract Future<?> run();
}
