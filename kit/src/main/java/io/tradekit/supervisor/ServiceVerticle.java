package io.tradekit.supervisor;

import io.tradekit.config.ConfigReader;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;

/**
 * Base class of every tradekit service: a {@link VerticleBase} that the supervisor deploys with a
 * {@link ServiceContext}.
 *
 * <p>Write {@code start()} as one compose chain and {@code stop()} to release only what the service
 * itself created (timers, consumers, its own feed); shared resources come from {@link #service()}
 * and are closed by the supervisor after the service has stopped, so there is no try/finally for
 * them. {@code start()} and {@code stop()} run on the verticle's event-loop context.
 *
 * <p>The supervisor enforces the configured {@code stopTimeoutMs} around {@code stop()}: an overrun
 * is logged and the instance is force-undeployed. Uncaught exceptions on this verticle's context
 * are reported to {@link ServiceContext#fail(Throwable)}.
 */
public abstract class ServiceVerticle extends VerticleBase {

  private ServiceContext serviceContext;

  /** Called by the supervisor before deployment. */
  final void attach(ServiceContext serviceContext) {
    this.serviceContext = serviceContext;
  }

  @Override
  public void init(Vertx vertx, Context context) {
    super.init(vertx, context);
    if (serviceContext != null) {
      // Failures that escape a handler would otherwise only be logged by Vert.x; for a service
      // they mean its state is unknown, so the supervisor applies the restart policy.
      context.exceptionHandler(serviceContext::fail);
    }
  }

  /**
   * Checks this service's {@code config} block before anything starts. The supervisor calls it
   * during config validation, on a worker thread, on a fresh instance that is never deployed (so
   * it must not use {@link #service()}, {@code vertx} or {@code config()}); a {@code ConfigException}
   * from here exits the process with code 2 before any resource opens. Override it to parse the
   * block with the service's options class, e.g. {@code new JanitorOptions(config)}, whose errors
   * then name {@code services[<name>].config.<key>}. The default accepts any block.
   *
   * @param config the service's {@code config} block, with its key path
   */
  protected void validateConfig(ConfigReader config) {
  }

  /**
   * @return this service's context
   * @throws IllegalStateException when the verticle was deployed directly, not by the supervisor
   */
  protected ServiceContext service() {
    if (serviceContext == null) {
      throw new IllegalStateException(getClass().getName()
        + " was deployed without a supervisor; deploy it through tradekit's supervisor (service spec)");
    }
    return serviceContext;
  }
}
