package io.tradekit.resilience;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Retry and circuit-breaker settings of one client, from the resource blocks {@code retry} and
 * {@code breaker}:
 * {@code retry.maxAttempts} (4, including the first), {@code retry.initialBackoffMs} (50),
 * {@code retry.maxBackoffMs} (2000; delays are exponential with full jitter),
 * {@code retry.deadlineMs} (10000: no new attempt starts after this since the call began);
 * {@code breaker.failureThreshold} (5 consecutive transient/ambiguous failures open it),
 * {@code breaker.resetTimeoutMs} (5000 until a half-open probe), {@code breaker.callTimeoutMs}
 * (10000 per attempt; 0 disables).
 */
public final class ResilienceOptions {

  public static final int DEFAULT_MAX_ATTEMPTS = 4;
  public static final long DEFAULT_INITIAL_BACKOFF_MS = 50;
  public static final long DEFAULT_MAX_BACKOFF_MS = 2_000;
  public static final long DEFAULT_DEADLINE_MS = 10_000;
  public static final int DEFAULT_FAILURE_THRESHOLD = 5;
  public static final long DEFAULT_RESET_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_CALL_TIMEOUT_MS = 10_000;

  private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
  private long initialBackoffMs = DEFAULT_INITIAL_BACKOFF_MS;
  private long maxBackoffMs = DEFAULT_MAX_BACKOFF_MS;
  private long deadlineMs = DEFAULT_DEADLINE_MS;
  private int failureThreshold = DEFAULT_FAILURE_THRESHOLD;
  private long resetTimeoutMs = DEFAULT_RESET_TIMEOUT_MS;
  private long callTimeoutMs = DEFAULT_CALL_TIMEOUT_MS;

  public ResilienceOptions() {
  }

  /** Reads {@code retry} and {@code breaker} of a resource block; errors name the key path. */
  public ResilienceOptions(ConfigReader resourceBlock) {
    ConfigReader retry = resourceBlock.object("retry").rejectUnknownKeys(Set.of("maxAttempts", "initialBackoffMs",
      "maxBackoffMs", "deadlineMs"));
    maxAttempts = retry.intValue("maxAttempts", DEFAULT_MAX_ATTEMPTS, 1, 100);
    initialBackoffMs = retry.millis("initialBackoffMs", DEFAULT_INITIAL_BACKOFF_MS, 1);
    maxBackoffMs = retry.millis("maxBackoffMs", Math.max(DEFAULT_MAX_BACKOFF_MS, initialBackoffMs), initialBackoffMs);
    deadlineMs = retry.millis("deadlineMs", DEFAULT_DEADLINE_MS, 1);
    ConfigReader breaker = resourceBlock.object("breaker").rejectUnknownKeys(Set.of("failureThreshold", "resetTimeoutMs",
      "callTimeoutMs"));
    failureThreshold = breaker.intValue("failureThreshold", DEFAULT_FAILURE_THRESHOLD, 1, 10_000);
    resetTimeoutMs = breaker.millis("resetTimeoutMs", DEFAULT_RESET_TIMEOUT_MS, 1);
    callTimeoutMs = breaker.millis("callTimeoutMs", DEFAULT_CALL_TIMEOUT_MS, 0);
  }

  public JsonObject toJson() {
    return new JsonObject()
      .put("retry", new JsonObject().put("maxAttempts", maxAttempts).put("initialBackoffMs", initialBackoffMs)
        .put("maxBackoffMs", maxBackoffMs).put("deadlineMs", deadlineMs))
      .put("breaker", new JsonObject().put("failureThreshold", failureThreshold).put("resetTimeoutMs", resetTimeoutMs)
        .put("callTimeoutMs", callTimeoutMs));
  }

  public int getMaxAttempts() { return maxAttempts; }
  public ResilienceOptions setMaxAttempts(int n) { this.maxAttempts = n; return this; }
  public long getInitialBackoffMs() { return initialBackoffMs; }
  public ResilienceOptions setInitialBackoffMs(long ms) { this.initialBackoffMs = ms; return this; }
  public long getMaxBackoffMs() { return maxBackoffMs; }
  public ResilienceOptions setMaxBackoffMs(long ms) { this.maxBackoffMs = ms; return this; }
  public long getDeadlineMs() { return deadlineMs; }
  public ResilienceOptions setDeadlineMs(long ms) { this.deadlineMs = ms; return this; }
  public int getFailureThreshold() { return failureThreshold; }
  public ResilienceOptions setFailureThreshold(int n) { this.failureThreshold = n; return this; }
  public long getResetTimeoutMs() { return resetTimeoutMs; }
  public ResilienceOptions setResetTimeoutMs(long ms) { this.resetTimeoutMs = ms; return this; }
  public long getCallTimeoutMs() { return callTimeoutMs; }
  public ResilienceOptions setCallTimeoutMs(long ms) { this.callTimeoutMs = ms; return this; }
}
