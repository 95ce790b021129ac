package io.tradekit.supervisor.testing;

import io.tradekit.config.ConfigReader;
import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;

/**
 * Test daemon with its own config key {@code config.count} (a whole number, default 1).
 *
 * <p>{@link #validateConfig(ConfigReader)} has the signature of the up-front validation hook the
 * supervisor calls on {@code ServiceVerticle} before anything opens; it is deliberately not marked
 * {@code @Override} so this class compiles whether or not the kit has the hook yet (with the hook,
 * it overrides it; without, it is never called and {@code start()} fails late instead).
 */
public class CountedService extends ServiceVerticle {

  protected void validateConfig(ConfigReader config) {
    config.intValue("count", 1, 0, 1_000_000);
  }

  @Override
  public Future<?> start() {
    // Without up-front validation this is where a bad value shows: late, after resources opened.
    int count = config().getInteger("count", 1);
    return count >= 0 ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException("negative count"));
  }
}
