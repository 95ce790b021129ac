package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.resilience.Backoff;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Restart backoff of one service, config block {@code services[i].backoff}: {@code minMs} (500),
 * {@code maxMs} (30000), {@code multiplier} (2.0), {@code jitter} (0.2: up to 20 % taken off each
 * delay; 1.0 is full jitter, 0 none) and {@code resetAfterMs} (60000: a service that ran at least
 * this long before failing restarts from {@code minMs} again). The delays follow the kit's one
 * {@link Backoff} rule. Immutable; parsed by {@link ServiceSpec}.
 */
public final class BackoffOptions {

  public static final long DEFAULT_MIN_MS = 500;
  public static final long DEFAULT_MAX_MS = 30_000;
  public static final double DEFAULT_MULTIPLIER = Backoff.DEFAULT_MULTIPLIER;
  public static final double DEFAULT_JITTER = 0.2;
  public static final long DEFAULT_RESET_AFTER_MS = 60_000;

  private final Backoff backoff;

  private BackoffOptions(Backoff backoff) {
    this.backoff = backoff;
  }

  /** Parses and validates a {@code backoff} block; absent keys take the DEFAULT_* values. */
  public static BackoffOptions fromConfig(ConfigReader block) {
    block.rejectUnknownKeys(Set.of("minMs", "maxMs", "multiplier", "jitter", "resetAfterMs"));
    long min = block.millis("minMs", DEFAULT_MIN_MS, 1);
    long max = block.millis("maxMs", Math.max(DEFAULT_MAX_MS, min), 1);
    if (max < min) {
      throw new ConfigException(block.path("maxMs"), "expected a value >= minMs (" + min + " ms), got " + max);
    }
    return new BackoffOptions(new Backoff(min, max, block.doubleValue("multiplier", DEFAULT_MULTIPLIER, 1.0, 100.0),
      block.doubleValue("jitter", DEFAULT_JITTER, 0.0, 1.0), block.millis("resetAfterMs", DEFAULT_RESET_AFTER_MS, 0)));
  }

  /** @return the policy the service's runner draws its restart delays from */
  public Backoff backoff() {
    return backoff;
  }

  public long minMs() {
    return backoff.initialMs();
  }

  public long maxMs() {
    return backoff.maxMs();
  }

  public double jitter() {
    return backoff.jitter();
  }

  public long resetAfterMs() {
    return backoff.resetAfterMs();
  }

  public JsonObject toJson() {
    return new JsonObject().put("minMs", backoff.initialMs()).put("maxMs", backoff.maxMs())
      .put("multiplier", backoff.multiplier()).put("jitter", backoff.jitter()).put("resetAfterMs", backoff.resetAfterMs());
  }
}
