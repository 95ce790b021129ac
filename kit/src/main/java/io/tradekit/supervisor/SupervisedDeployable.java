package io.tradekit.supervisor;

import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.Future;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Wraps one instance of a {@link ServiceVerticle} for deployment: attaches the service context
 * before Vert.x initialises the verticle, and bounds {@code stop()} by the service's
 * {@code stopTimeoutMs}.
 *
 * <p>Why a wrapper: Vert.x waits for {@code stop()} without a limit, so one stuck service would
 * hang the whole shutdown. On overrun the wrapper reports it to the runner and completes the
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
    return verticle.deploy(context);
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
