package io.tradekit.resilience;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tradekit.health.KitMetrics;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs the calls of ONE dependency (one PostgreSQL pool, one Redis client) through its own Vert.x
 * circuit breaker, named after the resource, with classified, bounded retries.
 *
 * <p>Retries TRANSIENT failures, AMBIGUOUS ones only when the caller declares the operation
 * idempotent, never PERMANENT ones; delays are a {@link Backoff} (exponential from
 * {@code retry.initialBackoffMs} to {@code retry.maxBackoffMs}, full jitter), bounded by
 * {@code retry.maxAttempts} and by {@code retry.deadlineMs} since the call began: no attempt starts
 * at or after the deadline, checked both when a retry is scheduled and when its delay is over. The breaker's own {@code maxRetries} is 0 (it would retry everything) and its failure
 * policy counts only TRANSIENT/AMBIGUOUS failures that are not local overload, so a syntax error
 * or a busy local pool never opens it. Owned by the resource; thread-safe; a call's retries run on
 * the context that made the call.
 */
public final class Resilience {

  private final Vertx vertx;
  private final String name;
  private final ResilienceOptions options;
  private final CircuitBreaker breaker;
  private final LongSupplier clockMs;
  private final Backoff backoff;
  private final DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
  private final MeterRegistry registry;
  private final Counter retries;
  private final Timer latency;

  public Resilience(Vertx vertx, String name, ResilienceOptions options) {
    this(vertx, name, options, Backoff::monotonicMs);
  }

  /**
   * @param clockMs injectable monotonic clock for the retry deadline and the backoff (tests pass a
   *     virtual one); the delays themselves are real timers
   */
  public Resilience(Vertx vertx, String name, ResilienceOptions options, LongSupplier clockMs) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
    this.clockMs = clockMs;
    // Exponential from initialBackoffMs to maxBackoffMs with full jitter; each call starts over.
    this.backoff = Backoff.fullJitter(options.getInitialBackoffMs(), options.getMaxBackoffMs(), 0);
    this.breaker = CircuitBreaker.create(name, vertx, new CircuitBreakerOptions()
      .setMaxFailures(options.getFailureThreshold()).setResetTimeout(options.getResetTimeoutMs())
      .setTimeout(options.getCallTimeoutMs() > 0 ? options.getCallTimeoutMs() : -1)
      .setMaxRetries(0).setNotificationAddress(null));
    breaker.failurePolicy(future -> future.failed() && countsTowardBreaker(future.cause()));
    KitMetrics metrics = KitMetrics.of(vertx);
    this.registry = metrics.registry();
    this.retries = registry.counter("tradekit.client.retries", "client", name);
    this.latency = Timer.builder("tradekit.client.latency").tag("client", name).register(registry);
    metrics.gauge("tradekit.client.breaker.open", () -> breaker.state() == CircuitBreakerState.CLOSED ? 0
      : breaker.state() == CircuitBreakerState.HALF_OPEN ? 0.5 : 1, "client", name);
  }

  static boolean countsTowardBreaker(Throwable failure) {
    ErrorClass c = ErrorClassifier.classify(failure);
    return c != ErrorClass.PERMANENT && !ErrorClassifier.isLocalOverload(failure);
  }

  /** @return the breaker's state: CLOSED, OPEN or HALF_OPEN */
  public CircuitBreakerState breakerState() {
    return breaker.state();
  }

  public String name() {
    return name;
  }

  /**
   * Runs {@code action} with retries per the rules above.
   *
   * @param operation a short label for errors and metrics, e.g. {@code query}
   * @param idempotent whether running it twice is harmless (AMBIGUOUS failures may then be retried)
   * @return the result, or a failed {@link RetryGivenUpException} carrying the class, the attempt
   *     count and the last cause (a {@link BreakerOpenException} when the breaker refused the call)
   */
  public <T> Future<T> call(String operation, boolean idempotent, Supplier<Future<T>> action) {
    Call<T> call = new Call<>(operation, idempotent, action, clockMs.getAsLong(), backoff.newSequence(clockMs, random));
    long startNanos = System.nanoTime();
    attempt(call);
    return call.result.future().onComplete(ar -> latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS));
  }

  /** One call's retry state; confined to the caller's context. */
  private static final class Call<T> {
    final String operation;
    final boolean idempotent;
    final Supplier<Future<T>> action;
    final long startMs;
    final Backoff.Sequence delays;
    final Promise<T> result = Promise.promise();
    int attempts;

    Call(String operation, boolean idempotent, Supplier<Future<T>> action, long startMs, Backoff.Sequence delays) {
      this.operation = operation;
      this.idempotent = idempotent;
      this.action = action;
      this.startMs = startMs;
      this.delays = delays;
    }
  }

  private <T> void attempt(Call<T> call) {
    call.attempts++;
    registry.counter("tradekit.client.operations", "client", name, "operation", call.operation).increment();
    breaker.<T>execute(() -> {
      try {
        return call.action.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        call.result.complete(ar.result());
        return;
      }
      Throwable cause = ar.cause() instanceof OpenCircuitException ? new BreakerOpenException(name) : ar.cause();
      ErrorClass errorClass = ErrorClassifier.classify(cause);
      registry.counter("tradekit.client.failures", "client", name, "class", errorClass.name().toLowerCase()).increment();
      boolean retryable = !(cause instanceof BreakerOpenException)
        && (errorClass == ErrorClass.TRANSIENT || (errorClass == ErrorClass.AMBIGUOUS && call.idempotent));
      if (!retryable || call.attempts >= options.getMaxAttempts()) {
        giveUp(call, errorClass, cause);
        return;
      }
      long delayMs = call.delays.nextDelayMs();
      if (clockMs.getAsLong() + delayMs - call.startMs >= options.getDeadlineMs()) {
        giveUp(call, errorClass, cause); // the retry would start past the deadline
        return;
      }
      retries.increment();
      vertx.setTimer(delayMs, t -> {
        // Checked again when the delay is over: the clock may have moved more than the timer (a
        // stalled loop, a suspended process), and no attempt starts after the deadline.
        if (clockMs.getAsLong() - call.startMs >= options.getDeadlineMs()) {
          giveUp(call, errorClass, cause);
        } else {
          attempt(call);
        }
      });
    });
  }

  private <T> void giveUp(Call<T> call, ErrorClass errorClass, Throwable cause) {
    call.result.fail(new RetryGivenUpException(name, call.operation, errorClass, call.attempts, cause));
  }
}
