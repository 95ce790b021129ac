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
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Runs the calls of ONE dependency (one PostgreSQL pool, one Redis client) through its own Vert.x
 * circuit breaker, named after the resource, with classified, bounded retries.
 *
 * <p>Retries TRANSIENT failures, AMBIGUOUS ones only when the caller declares the operation
 * idempotent, never PERMANENT ones; exponential backoff with full jitter, max attempts, an overall
 * deadline. The breaker's own {@code maxRetries} is 0 (it would retry everything) and its failure
 * policy counts only TRANSIENT/AMBIGUOUS failures that are not local overload, so a syntax error
 * or a busy local pool never opens it. Owned by the resource; thread-safe.
 */
public final class Resilience {

  private final Vertx vertx;
  private final String name;
  private final ResilienceOptions options;
  private final CircuitBreaker breaker;
  private final LongSupplier clockMs;
  private final MeterRegistry registry = KitMetrics.registry();
  private final Counter retries;
  private final Timer latency;

  public Resilience(Vertx vertx, String name, ResilienceOptions options) {
    this(vertx, name, options, System::currentTimeMillis);
  }

  /** @param clockMs injectable clock for the retry deadline */
  public Resilience(Vertx vertx, String name, ResilienceOptions options, LongSupplier clockMs) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
    this.clockMs = clockMs;
    this.breaker = CircuitBreaker.create(name, vertx, new CircuitBreakerOptions()
      .setMaxFailures(options.getFailureThreshold()).setResetTimeout(options.getResetTimeoutMs())
      .setTimeout(options.getCallTimeoutMs() > 0 ? options.getCallTimeoutMs() : -1)
      .setMaxRetries(0).setNotificationAddress(null));
    breaker.failurePolicy(future -> future.failed() && countsTowardBreaker(future.cause()));
    this.retries = registry.counter("tradekit.client.retries", "client", name);
    this.latency = Timer.builder("tradekit.client.latency").tag("client", name).register(registry);
    KitMetrics.gauge("tradekit.client.breaker.open", () -> breaker.state() == CircuitBreakerState.CLOSED ? 0
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
    Promise<T> result = Promise.promise();
    long startMs = clockMs.getAsLong();
    long startNanos = System.nanoTime();
    attempt(operation, idempotent, action, 1, startMs, result);
    return result.future().onComplete(ar -> latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS));
  }

  private <T> void attempt(String operation, boolean idempotent, Supplier<Future<T>> action, int attempt, long startMs,
                           Promise<T> result) {
    registry.counter("tradekit.client.operations", "client", name, "operation", operation).increment();
    breaker.<T>execute(() -> {
      try {
        return action.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete(ar.result());
        return;
      }
      Throwable cause = ar.cause() instanceof OpenCircuitException ? new BreakerOpenException(name) : ar.cause();
      ErrorClass errorClass = ErrorClassifier.classify(cause);
      registry.counter("tradekit.client.failures", "client", name, "class", errorClass.name().toLowerCase()).increment();
      boolean retryable = !(cause instanceof BreakerOpenException)
        && (errorClass == ErrorClass.TRANSIENT || (errorClass == ErrorClass.AMBIGUOUS && idempotent));
      long delayMs = Math.max(1, ThreadLocalRandom.current().nextLong(
        Math.min(options.getMaxBackoffMs(), options.getInitialBackoffMs() << Math.min(20, attempt - 1)) + 1));
      boolean timeLeft = clockMs.getAsLong() + delayMs - startMs < options.getDeadlineMs();
      if (!retryable || attempt >= options.getMaxAttempts() || !timeLeft) {
        result.fail(new RetryGivenUpException(name, operation, errorClass, attempt, cause));
        return;
      }
      retries.increment();
      vertx.setTimer(delayMs, t -> attempt(operation, idempotent, action, attempt + 1, startMs, result));
    });
  }
}
