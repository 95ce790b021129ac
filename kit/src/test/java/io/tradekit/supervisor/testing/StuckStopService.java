package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/** Test daemon whose {@code stop()} never completes, to exercise the stop timeout. */
public class StuckStopService extends ServiceVerticle {

  @Override
  public Future<?> stop() {
    return Promise.promise().future();
  }
}
