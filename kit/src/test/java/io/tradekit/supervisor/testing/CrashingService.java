package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;

/**
 * Test daemon that starts, then fails after {@code config.failAfterMs} (default 10) — through
 * {@code service().fail()} or, with {@code config.uncaught: true}, by throwing from a timer handler
 * so the context's exception handler reports it.
 */
public class CrashingService extends ServiceVerticle {

  @Override
  public Future<?> start() {
    long delayMs = config().getLong("failAfterMs", 10L);
    boolean uncaught = config().getBoolean("uncaught", false);
    vertx.setTimer(delayMs, t -> {
      if (uncaught) {
        throw new IllegalStateException("crash from a handler");
      }
      service().fail(new IllegalStateException("crash reported through the context"));
    });
    return Future.succeededFuture();
  }
}
