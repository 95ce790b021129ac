package io.tradekit.supervisor;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Restart backoff of one service: exponential from {@code minMs} doubling per consecutive restart
 * up to {@code maxMs}, reduced by a random fraction of at most {@code jitter} (1.0 = full jitter),
 * and reset to {@code minMs} once the service has run for {@code resetAfterMs} without failing.
 *
 * <p>Config block {@code services[i].backoff}. Immutable; parsed by {@link ServiceSpec}.
 */
public final class BackoffOptions {

  public static final long DEFAULT_MIN_MS = 500;
  public static final long DEFAULT_MAX_MS = 30_000;
  public static final double DEFAULT_JITTER = 0.2;
  public static final long DEFAULT_RESET_AFTER_MS = 60_000;

  private final long minMs;
  private final long maxMs;
  private final double jitter;
  private final long resetAfterMs;

  public BackoffOptions(long minMs, long maxMs, double jitter, long resetAfterMs) {
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.jitter = jitter;
    this.resetAfterMs = resetAfterMs;
  }

  /** Parses and validates a {@code backoff} block; absent keys take the DEFAULT_* values. */
  public static BackoffOptions fromConfig(ConfigReader block) {
    block.rejectUnknownKeys(Set.of("minMs", "maxMs", "jitter", "resetAfterMs"));
    long min = block.millis("minMs", DEFAULT_MIN_MS, 0);
    long max = block.millis("maxMs", Math.max(DEFAULT_MAX_MS, min), 0);
    if (max < min) {
      throw new io.tradekit.config.ConfigException(block.path("maxMs"),
        "expected a value >= minMs (" + min + " ms), got " + max);
    }
    return new BackoffOptions(min, max, block.doubleValue("jitter", DEFAULT_JITTER, 0.0, 1.0),
      block.millis("resetAfterMs", DEFAULT_RESET_AFTER_MS, 0));
  }

  public long minMs() {
    return minMs;
  }

  public long maxMs() {
    return maxMs;
  }

  public double jitter() {
    return jitter;
  }

  public long resetAfterMs() {
    return resetAfterMs;
  }

  /**
   * @param restartNumber 1 for the first restart after a stable run
   * @param random a uniform sample in [0, 1)
   * @return the delay before that restart, in milliseconds
   */
  public long delayMs(int restartNumber, double random) {
    double base = minMs * Math.pow(2, Math.max(0, restartNumber - 1));
    double capped = Math.min(maxMs, base);
    return Math.round(capped * (1.0 - jitter * random));
  }

  public JsonObject toJson() {
    return new JsonObject().put("minMs", minMs).put("maxMs", maxMs).put("jitter", jitter)
      .put("resetAfterMs", resetAfterMs);
  }
}
