package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/** Test daemon whose {@code start()} never completes, to exercise the start timeout. */
public class NeverStartingService extends ServiceVerticle {

  @Override
  public Future<?> start() {
    return Promise.promise().future();
  }
}
