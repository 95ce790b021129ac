package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;

/**
 * Test daemon that registers the readiness procedure {@code x} from its {@code start()}. The
 * procedure reports, in its status data, whether it runs on this service's own context
 * ({@code onServiceContext}) and on which thread ({@code thread}); {@code start()} publishes the
 * service's own thread on {@value #ADDRESS} so the test can compare the two.
 */
public class ContextProbeService extends ServiceVerticle {

  public static final String ADDRESS = "test.context-probe";

  @Override
  public Future<?> start() {
    Context own = context;
    service().readinessCheck("x", promise -> promise.complete(Status.OK(new JsonObject()
      .put("onServiceContext", Vertx.currentContext() == own)
      .put("thread", Thread.currentThread().getName()))));
    vertx.eventBus().publish(ADDRESS, new JsonObject().put("service", service().name())
      .put("thread", Thread.currentThread().getName()));
    return Future.succeededFuture();
  }
}
