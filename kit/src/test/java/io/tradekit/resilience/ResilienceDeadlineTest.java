package io.tradekit.resilience;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code retry.deadlineMs} and {@code retry.maxAttempts} of {@link Resilience} on a virtual clock:
 * the action fails with a TRANSIENT error (connection refused) and the test moves the clock.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class ResilienceDeadlineTest {

  private static final long DEADLINE_MS = 1_000;

  private final AtomicLong clockMs = new AtomicLong(1_000_000);
  private final AtomicInteger attempts = new AtomicInteger();

  private Resilience resilience(Vertx vertx, int maxAttempts) {
    ResilienceOptions options = new ResilienceOptions().setMaxAttempts(maxAttempts).setInitialBackoffMs(5)
      .setMaxBackoffMs(20).setDeadlineMs(DEADLINE_MS).setFailureThreshold(1_000);
    return new Resilience(vertx, "deadline-" + System.nanoTime(), options, clockMs::get);
  }

  /** Calls on an event-loop context, as services do. */
  private static <T> Future<T> onContext(Vertx vertx, Supplier<Future<T>> body) {
    Context context = vertx.getOrCreateContext();
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> body.get().onComplete(result));
    return result.future();
  }

  private static Future<Void> refused() {
    return Future.failedFuture(new ConnectException("Connection refused"));
  }

  @Test
  void noAttemptStartsWhenTheClockPassedTheDeadlineDuringTheRetryDelay(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, () -> {
      Resilience resilience = resilience(vertx, 10);
      return resilience.call("query", true, () -> {
        attempts.incrementAndGet();
        Promise<Void> reply = Promise.promise();
        Context context = Vertx.currentContext();
        context.runOnContext(v -> {
          // The breaker hands the failure back through the context's queue, where the retry is
          // scheduled; this task is queued after that hand-off, and its timer needs at least 1 ms:
          // so the clock passes the deadline while the retry waits (a process suspended, say).
          reply.fail(new ConnectException("Connection refused"));
          context.runOnContext(w -> clockMs.addAndGet(DEADLINE_MS + 1));
        });
        return reply.future();
      });
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(RetryGivenUpException.class);
      RetryGivenUpException given = (RetryGivenUpException) err;
      assertThat(attempts).as("no attempt after the deadline").hasValue(1);
      assertThat(given.attempts()).isEqualTo(1);
      assertThat(given.errorClass()).isEqualTo(ErrorClass.TRANSIENT);
      assertThat(given.getCause()).isInstanceOf(ConnectException.class);
      ctx.completeNow();
    })));
  }

  @Test
  void noRetryIsScheduledWhenItsDelayWouldEndPastTheDeadline(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, () -> {
      Resilience resilience = resilience(vertx, 10);
      return resilience.call("query", true, () -> {
        // The third attempt fails at the deadline itself: no retry delay fits any more.
        if (attempts.incrementAndGet() == 3) {
          clockMs.addAndGet(DEADLINE_MS);
        }
        return refused();
      });
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(attempts).hasValue(3);
      assertThat(((RetryGivenUpException) err).attempts()).isEqualTo(3);
      ctx.completeNow();
    })));
  }

  @Test
  void withTheClockStandingStillMaxAttemptsBoundsTheRetries(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, () -> resilience(vertx, 4).call("query", true, () -> {
      attempts.incrementAndGet();
      return refused();
    })).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(attempts).hasValue(4);
      assertThat(((RetryGivenUpException) err).attempts()).isEqualTo(4);
      assertThat(err).hasMessageContaining("4 attempts");
      ctx.completeNow();
    })));
  }
}
