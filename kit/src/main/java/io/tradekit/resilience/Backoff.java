package io.tradekit.resilience;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The kit's one backoff policy, used by every retry and reconnect loop (service restarts, feed
 * reconnects, resource opens, client retries, consumer-group retries, book resubscribes).
 *
 * <p>The n-th consecutive delay (n from 1) is {@code min(maxMs, initialMs * multiplier^(n-1))},
 * reduced by a random fraction of at most {@code jitter}: {@code delay = cap * (1 - jitter * r)}
 * with {@code r} uniform in [0, 1). {@code jitter} 0 means no jitter (exact delays), 1.0 is full
 * jitter (uniform in (0, cap]); every delay is at least 1 ms. Full jitter keeps many clients that
 * failed together from retrying in lock step.
 *
 * <p>Reset: a loop calls {@link Sequence#succeeded()} when its operation succeeds (a connection is
 * up, a service started). When the next failure comes at least {@code resetAfterMs} after that
 * success, the sequence starts again from {@code initialMs}; a failure sooner continues the growth.
 * The success timestamp is consumed by that failure, so a run of failures after one long-ago
 * success keeps growing (the stale-timestamp bug this type replaces: every attempt was treated as
 * the first because the last success was long ago). {@code resetAfterMs} 0 resets after every
 * success.
 *
 * <p>Immutable and thread-safe. A {@link Sequence} is not: each loop owns one and uses it on its
 * own context.
 */
public final class Backoff {

  public static final double DEFAULT_MULTIPLIER = 2.0;

  private final long initialMs;
  private final long maxMs;
  private final double multiplier;
  private final double jitter;
  private final long resetAfterMs;

  /**
   * @param initialMs the first delay, >= 1
   * @param maxMs the cap of any delay, >= initialMs
   * @param multiplier growth per consecutive failure, >= 1.0
   * @param jitter the largest random fraction taken off a delay, in [0, 1]
   * @param resetAfterMs how long a success must last before the next failure starts over, >= 0
   * @throws IllegalArgumentException naming the parameter and its unit
   */
  public Backoff(long initialMs, long maxMs, double multiplier, double jitter, long resetAfterMs) {
    if (initialMs < 1) {
      throw new IllegalArgumentException("initialMs: expected >= 1 ms, got " + initialMs);
    }
    if (maxMs < initialMs) {
      throw new IllegalArgumentException("maxMs: expected >= initialMs (" + initialMs + " ms), got " + maxMs);
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier: expected a finite factor >= 1.0, got " + multiplier);
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter: expected a fraction in [0, 1], got " + jitter);
    }
    if (resetAfterMs < 0) {
      throw new IllegalArgumentException("resetAfterMs: expected >= 0 ms, got " + resetAfterMs);
    }
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.resetAfterMs = resetAfterMs;
  }

  /** Exponential doubling with full jitter: the rule of client retries and reconnects. */
  public static Backoff fullJitter(long initialMs, long maxMs, long resetAfterMs) {
    return new Backoff(initialMs, maxMs, DEFAULT_MULTIPLIER, 1.0, resetAfterMs);
  }

  /** A fixed delay with no growth and no jitter. */
  public static Backoff fixed(long delayMs) {
    return new Backoff(delayMs, delayMs, 1.0, 0.0, 0);
  }

  public long initialMs() {
    return initialMs;
  }

  public long maxMs() {
    return maxMs;
  }

  public double multiplier() {
    return multiplier;
  }

  public double jitter() {
    return jitter;
  }

  public long resetAfterMs() {
    return resetAfterMs;
  }

  /**
   * The pure delay rule.
   *
   * @param attempt 1 for the first delay after a success (or ever)
   * @param random a sample in [0, 1)
   * @return the delay in milliseconds, in [1, maxMs]
   */
  public long delayMs(int attempt, double random) {
    double cap = Math.min(maxMs, initialMs * Math.pow(multiplier, Math.max(0, attempt - 1)));
    return Math.max(1, Math.round(cap * (1.0 - jitter * random)));
  }

  /** @return a new sequence on the system's monotonic clock and a thread-local random */
  public Sequence newSequence() {
    return newSequence(Backoff::monotonicMs, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * @param clockMs a monotonic clock in milliseconds (tests pass a virtual one)
   * @param random samples in [0, 1) for the jitter
   */
  public Sequence newSequence(LongSupplier clockMs, DoubleSupplier random) {
    return new Sequence(this, Objects.requireNonNull(clockMs, "clockMs"), Objects.requireNonNull(random, "random"));
  }

  /** {@code System.nanoTime()} in milliseconds: never jumps with wall-clock changes. */
  public static long monotonicMs() {
    return System.nanoTime() / 1_000_000L;
  }

  @Override
  public String toString() {
    return "Backoff{initialMs=" + initialMs + ", maxMs=" + maxMs + ", multiplier=" + multiplier + ", jitter=" + jitter
      + ", resetAfterMs=" + resetAfterMs + "}";
  }

  /**
   * The state of one retry loop: how many consecutive failures, and when it last succeeded.
   * Confined to the loop's context; not thread-safe.
   */
  public static final class Sequence {

    private static final long NEVER = Long.MIN_VALUE;

    private final Backoff policy;
    private final LongSupplier clockMs;
    private final DoubleSupplier random;
    private int attempt;
    private long succeededAtMs = NEVER;

    private Sequence(Backoff policy, LongSupplier clockMs, DoubleSupplier random) {
      this.policy = policy;
      this.clockMs = clockMs;
      this.random = random;
    }

    /**
     * Records a failure and returns the delay before the next attempt. Starts over from the initial
     * delay when the last success lasted at least {@code resetAfterMs}.
     */
    public long nextDelayMs() {
      if (succeededAtMs != NEVER) {
        if (clockMs.getAsLong() - succeededAtMs >= policy.resetAfterMs) {
          attempt = 0;
        }
        succeededAtMs = NEVER; // consumed: later failures without a new success keep growing
      }
      if (attempt < Integer.MAX_VALUE) {
        attempt++;
      }
      return policy.delayMs(attempt, random.getAsDouble());
    }

    /** Records a success now; the stable period is measured from here to the next failure. */
    public void succeeded() {
      succeededAtMs = clockMs.getAsLong();
    }

    /** Forgets every failure: the next delay is the initial one. */
    public void reset() {
      attempt = 0;
      succeededAtMs = NEVER;
    }

    /** @return the number of consecutive failures counted (1 after the first {@link #nextDelayMs()}) */
    public int attempt() {
      return attempt;
    }

    /** @return the elapsed time on this sequence's clock since {@code sinceMs} */
    public long elapsedMs(long sinceMs) {
      return clockMs.getAsLong() - sinceMs;
    }

    /** @return this sequence's clock, in milliseconds */
    public long nowMs() {
      return clockMs.getAsLong();
    }

    public Backoff policy() {
      return policy;
    }
  }
}
