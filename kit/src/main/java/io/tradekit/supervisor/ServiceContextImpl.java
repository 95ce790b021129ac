package io.tradekit.supervisor;

import io.tradekit.resource.Resource;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;

/**
 * The {@link ServiceContext} of one generation of a service (a generation is one deployment; a
 * restart creates the next). Reports from an old generation are ignored by the runner, so a late
 * failure of a replaced deployment cannot restart the new one.
 */
final class ServiceContextImpl implements ServiceContext {

  private final ServiceRunner runner;
  private final int generation;

  ServiceContextImpl(ServiceRunner runner, int generation) {
    this.runner = runner;
    this.generation = generation;
  }

  @Override
  public String name() {
    return runner.spec().name();
  }

  @Override
  public JsonObject config() {
    return runner.spec().config();
  }

  @Override
  public ServiceKind kind() {
    return runner.spec().kind();
  }

  @Override
  public <R extends Resource> R resource(String name, Class<R> type) {
    if (!runner.spec().uses().contains(name)) {
      throw new IllegalArgumentException("service '" + name() + "' did not declare resource '" + name
        + "' in uses " + runner.spec().uses());
    }
    Resource resource = runner.resource(name);
    if (!type.isInstance(resource)) {
      throw new IllegalArgumentException("resource '" + name + "' used by service '" + name() + "' is of type "
        + resource.type() + " (" + resource.getClass().getSimpleName() + "), not " + type.getSimpleName());
    }
    return type.cast(resource);
  }

  /**
   * The procedure runs on the context that registered it (the service's own event loop), never on
   * the admin server's: it may read the service's state, which is confined to that context.
   */
  @Override
  public void readinessCheck(String name, Handler<Promise<Status>> procedure) {
    Context registeredOn = Vertx.currentContext();
    if (registeredOn == null) {
      throw new IllegalStateException("service '" + name() + "': readinessCheck(\"" + name
        + "\") must be called on the service's context (e.g. from start())");
    }
    runner.readinessCheck(name, promise -> registeredOn.runOnContext(v -> procedure.handle(promise)));
  }

  @Override
  public void fail(Throwable cause) {
    runner.report(generation, cause == null ? new IllegalStateException("failed without a cause") : cause);
  }

  @Override
  public void complete() {
    runner.report(generation, null);
  }
}
