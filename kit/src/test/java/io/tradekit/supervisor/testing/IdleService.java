package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;

/** Test daemon that does nothing; its start and stop are visible as lifecycle events. */
public class IdleService extends ServiceVerticle {

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }
}
