package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;

/** Test daemon whose start fails, to exercise the start-up rollback. */
public class FailingStartService extends ServiceVerticle {

  @Override
  public Future<?> start() {
    return Future.failedFuture(new IllegalStateException("cannot start on purpose"));
  }
}
