package io.tradekit.supervisor;

import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.Future;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Wraps one instance of a {@link ServiceVerticle} for deployment: attaches the service context
 * before Vert.x initialises the verticle, bounds {@code start()} by the service's
 * {@code startTimeoutMs} and {@code stop()} by its {@code stopTimeoutMs}.
 *
 * <p>Why a wrapper: Vert.x waits for {@code start()} and {@code stop()} without a limit, so one
 * stuck service would hang the whole start-up or shutdown. A start overrun fails the deployment (a
 * start failure: rollback at start-up, the restart policy later); the late {@code start()} is
 * ignored. On overrun the wrapper reports it to the runner and completes the
 * undeploy, which removes the deployment (the force-undeploy); the late {@code stop()} is left to
 * finish or not on its own context.
 */
final class SupervisedDeployable implements Deployable {

  private final ServiceVerticle verticle;
  private final ServiceContextImpl serviceContext;
  private final ServiceRunner runner;

  SupervisedDeployable(ServiceVerticle verticle, ServiceContextImpl serviceContext, ServiceRunner runner) {
    this.verticle = verticle;
    this.serviceContext = serviceContext;
    this.runner = runner;
  }

  @Override
  public Future<?> deploy(Context context) throws Exception {
    verticle.attach(serviceContext);
    long timeoutMs = runner.spec().startTimeoutMs();
    return verticle.deploy(context).timeout(timeoutMs, TimeUnit.MILLISECONDS).recover(err -> {
      if (err instanceof TimeoutException) {
        runner.startOverran(timeoutMs);
        return Future.failedFuture(new TimeoutException("service '" + runner.spec().name()
          + "': start() did not complete within startTimeoutMs=" + timeoutMs + " ms"));
      }
      return Future.failedFuture(err);
    });
  }

  @Override
  public Future<?> undeploy(Context context) {
    long timeoutMs = runner.spec().stopTimeoutMs();
    Future<?> stop;
    try {
      stop = verticle.undeploy(context);
    } catch (Throwable t) {
      stop = Future.failedFuture(t);
    }
    return stop.timeout(timeoutMs, TimeUnit.MILLISECONDS).recover(err -> {
      if (err instanceof TimeoutException) {
        runner.stopOverran(timeoutMs);
      } else {
        runner.stopFailed(err);
      }
      // Complete the undeploy anyway: the instance is gone for the supervisor either way.
      return Future.succeededFuture();
    });
  }
}
