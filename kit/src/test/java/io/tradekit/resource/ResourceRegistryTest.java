package io.tradekit.resource;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Open order, reverse close order, every resource attempted, deadlines. Uses small in-test
 * {@link Resource} implementations whose open/close succeed, fail or never complete.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ResourceRegistryTest {

  /** Shared log of what the fakes and the listener saw, in order. */
  private final List<String> log = new CopyOnWriteArrayList<>();

  private final ResourceRegistry.Listener listener = new ResourceRegistry.Listener() {
    @Override
    public void opening(Resource resource) {
      log.add("opening:" + resource.name());
    }

    @Override
    public void opened(Resource resource, long tookMs) {
      log.add("opened:" + resource.name());
    }

    @Override
    public void closed(Resource resource, Throwable failureOrNull) {
      log.add("closed:" + resource.name() + (failureOrNull == null ? "" : ":failed"));
    }
  };

  /** A test double of the kit's Resource contract with scripted open/close outcomes. */
  private final class Fake implements Resource {
    private final String name;
    private final Supplier<Future<Void>> open;
    private final Supplier<Future<Void>> close;
    final AtomicInteger openAttempts = new AtomicInteger();
    final AtomicInteger closeAttempts = new AtomicInteger();
    private volatile boolean isOpen;

    Fake(String name, Supplier<Future<Void>> open, Supplier<Future<Void>> close) {
      this.name = name;
      this.open = open;
      this.close = close;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String type() {
      return "fake";
    }

    @Override
    public String address() {
      return "fake://" + name + ":4242";
    }

    @Override
    public Future<Void> open() {
      openAttempts.incrementAndGet();
      return open.get().onSuccess(v -> isOpen = true);
    }

    @Override
    public Future<Void> close() {
      closeAttempts.incrementAndGet();
      log.add("close:" + name);
      isOpen = false;
      return close.get();
    }

    @Override
    public boolean isOpen() {
      return isOpen;
    }

    @Override
    public Future<Void> check() {
      return isOpen ? Future.succeededFuture() : Future.failedFuture(new ResourceClosedException(name));
    }
  }

  private static Supplier<Future<Void>> ok() {
    return Future::succeededFuture;
  }

  private static Supplier<Future<Void>> fails(String message) {
    return () -> Future.failedFuture(new IllegalStateException(message));
  }

  /** What a client reports when nothing listens yet: TRANSIENT, so the registry keeps waiting. */
  private static Supplier<Future<Void>> refused() {
    return () -> Future.failedFuture(new ConnectException("Connection refused: 127.0.0.1/127.0.0.1:5999"));
  }

  private static Supplier<Future<Void>> never() {
    return () -> Promise.<Void>promise().future();
  }

  /** Runs {@code body} on one event-loop context, as the supervisor does. */
  private static <T> Future<T> onContext(Vertx vertx, Supplier<Future<T>> body) {
    Context context = vertx.getOrCreateContext();
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> body.get().onComplete(result));
    return result.future();
  }

  @Test
  void opensInOrderAndClosesInReverseOrder(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(new Fake("a", ok(), ok()));
      registry.add(new Fake("b", ok(), ok()));
      registry.add(new Fake("c", ok(), ok()));
      return registry.openAll(1_000, 10, 100).compose(v -> registry.closeAll(1_000));
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(log).containsExactly(
        "opening:a", "opened:a", "opening:b", "opened:b", "opening:c", "opened:c",
        "close:c", "closed:c", "close:b", "closed:b", "close:a", "closed:a");
      ctx.completeNow();
    })));
  }

  @Test
  void closeAttemptsEveryResourceWhenOneFailsAndOneHangs(Vertx vertx, VertxTestContext ctx) {
    Fake a = new Fake("a", ok(), ok());
    Fake hangs = new Fake("hangs", ok(), never());
    Fake broken = new Fake("broken", ok(), fails("socket already gone"));
    Fake d = new Fake("d", ok(), ok());
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      List.of(a, hangs, broken, d).forEach(registry::add);
      return registry.openAll(1_000, 10, 100).compose(v -> registry.closeAll(150));
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err.getMessage())
        .contains("hangs: close did not complete within 150 ms")
        .contains("broken: socket already gone")
        .doesNotContain("a:").doesNotContain("d:");
      assertThat(log.stream().filter(line -> line.startsWith("close")).toList()).containsExactly(
        "close:d", "closed:d", "close:broken", "closed:broken:failed", "close:hangs", "closed:hangs:failed",
        "close:a", "closed:a");
      assertThat(List.of(a, hangs, broken, d)).allSatisfy(r -> assertThat(((Fake) r).closeAttempts).hasValue(1));
      ctx.completeNow();
    })));
  }

  @Test
  void closeAllIsIdempotentAndClosesOnlyWhatOpened(Vertx vertx, VertxTestContext ctx) {
    Fake a = new Fake("a", ok(), ok());
    Fake down = new Fake("down", refused(), ok());
    Fake never = new Fake("never", ok(), ok());
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      List.of(a, down, never).forEach(registry::add);
      return registry.openAll(0, 10, 100)
        .transform(opened -> registry.closeAll(1_000))
        .compose(v -> registry.closeAll(1_000));
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(a.closeAttempts).as("closed once even though closeAll ran twice").hasValue(1);
      assertThat(down.closeAttempts).as("never opened").hasValue(0);
      assertThat(never.openAttempts).as("not opened after an earlier resource failed").hasValue(0);
      assertThat(never.closeAttempts).hasValue(0);
      ctx.completeNow();
    })));
  }

  @Test
  void openRetriesUntilTheResourceAnswers(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger calls = new AtomicInteger();
    Fake flaky = new Fake("flaky", () -> calls.incrementAndGet() < 3
      ? refused().get() : Future.succeededFuture(), ok());
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(flaky);
      return registry.openAll(10_000, 5, 20);
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(flaky.openAttempts).hasValue(3);
      assertThat(log).containsExactly("opening:flaky", "opened:flaky");
      ctx.completeNow();
    })));
  }

  @Test
  void openFailsNamingResourceAndAddressAfterTheWait(Vertx vertx, VertxTestContext ctx) {
    Fake down = new Fake("postgres", refused(), ok());
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(down);
      return registry.openAll(300, 10, 50);
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ResourceUnavailableException.class)
        .hasMessageContaining("resource 'postgres' unavailable at fake://postgres:4242")
        .hasMessageContaining("Connection refused");
      assertThat(((ResourceUnavailableException) err).resourceName()).isEqualTo("postgres");
      assertThat(down.openAttempts.get()).as("it retried before giving up").isGreaterThan(1);
      assertThat(log).doesNotContain("opened:postgres");
      ctx.completeNow();
    })));
  }

  @Test
  void openThatNeverAnswersFailsAfterTheWait(Vertx vertx, VertxTestContext ctx) {
    // e.g. a black-holed host: the TCP connect neither succeeds nor is refused.
    Fake blackHole = new Fake("redis", never(), ok());
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(blackHole);
      return registry.openAll(300, 10, 50);
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ResourceUnavailableException.class)
        .hasMessageContaining("resource 'redis' unavailable at fake://redis:4242");
      ctx.completeNow();
    })));
  }

  @Test
  void openThatAnswersAfterTheDeadlineIsClosedAgain(Vertx vertx, VertxTestContext ctx) {
    Promise<Void> late = Promise.promise();
    Promise<Void> closedAgain = Promise.promise();
    Fake slow = new Fake("slow", late::future, () -> {
      closedAgain.tryComplete();
      return Future.succeededFuture();
    });
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(slow);
      return registry.openAll(100, 10, 50);
    }).transform(ar -> {
      ctx.verify(() -> {
        assertThat(ar.failed()).as("open gave up at the deadline").isTrue();
        assertThat(ar.cause()).isInstanceOf(ResourceUnavailableException.class).hasMessageContaining("'slow'");
      });
      // The open completes after the registry gave up: nobody else would ever close it.
      vertx.runOnContext(v -> late.complete());
      return closedAgain.future();
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(slow.isOpen()).isFalse();
      assertThat(slow.closeAttempts).hasValue(1);
      ctx.completeNow();
    })));
  }

  @Test
  void aPermanentOpenFailureFailsAtOnceNamingResourceAddressAndServerMessage(Vertx vertx, VertxTestContext ctx) {
    // What the PostgreSQL client reports for a wrong password: SQLSTATE 28P01, PERMANENT.
    Fake rejected = new Fake("postgres", () -> Future.failedFuture(new PgException(
      "password authentication failed for user \"trader\"", "FATAL", "28P01", null)), ok());
    Fake next = new Fake("redis", ok(), ok());
    long start = System.nanoTime();
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(rejected);
      registry.add(next);
      return registry.openAll(30_000, 10, 50);
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ResourceRejectedException.class)
        .hasMessageContaining("resource 'postgres' at fake://postgres:4242")
        .hasMessageContaining("password authentication failed for user \"trader\"");
      assertThat(((ResourceUnavailableException) err).resourceName()).isEqualTo("postgres");
      assertThat(rejected.openAttempts).as("not retried").hasValue(1);
      assertThat(next.openAttempts).hasValue(0);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("did not wait resourceWaitMs").isLessThan(2_000);
      ctx.completeNow();
    })));
  }

  @Test
  void cancelDuringARetryDelayCancelsTheTimerAndFailsTheOpenAtOnce(Vertx vertx, VertxTestContext ctx) {
    Fake down = new Fake("postgres", refused(), ok());
    Fake next = new Fake("redis", ok(), ok());
    long start = System.nanoTime();
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(down);
      registry.add(next);
      // Retry delays of 20 s: the first failure leaves a long retry timer pending.
      Future<Void> open = registry.openAll(60_000, 20_000, 20_000);
      return vertx.timer(100).compose(v -> {
        ctx.verify(() -> assertThat(down.openAttempts).hasValue(1));
        registry.cancelOpening();
        return open;
      });
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(OpenCancelledException.class).hasMessageContaining("stop requested during start-up")
        .hasMessageContaining("'postgres'");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("the retry timer was cancelled").isLessThan(5_000);
      assertThat(down.openAttempts).as("no attempt after the cancel").hasValue(1);
      assertThat(next.openAttempts).hasValue(0);
      ctx.completeNow();
    })));
  }

  @Test
  void cancelDuringAnOpenInFlightWaitsForItAndAnOpenThatSucceedsIsClosedByCloseAll(Vertx vertx, VertxTestContext ctx) {
    Promise<Void> inFlight = Promise.promise();
    Fake slow = new Fake("postgres", inFlight::future, ok());
    Fake next = new Fake("redis", ok(), ok());
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(slow);
      registry.add(next);
      Future<Void> open = registry.openAll(30_000, 10, 50);
      registry.cancelOpening();
      ctx.verify(() -> assertThat(open.isComplete()).as("waits for the attempt in flight").isFalse());
      inFlight.complete();
      return open.transform(ar -> {
        ctx.verify(() -> {
          assertThat(ar.cause()).isInstanceOf(OpenCancelledException.class);
          assertThat(log).containsExactly("opening:postgres", "opened:postgres");
        });
        return registry.closeAll(1_000);
      });
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(slow.closeAttempts).as("what opened during the stop is closed").hasValue(1);
      assertThat(next.openAttempts).as("nothing new opened after the cancel").hasValue(0);
      assertThat(log).endsWith("close:postgres", "closed:postgres");
      ctx.completeNow();
    })));
  }

  @Test
  void cancelDuringAnOpenInFlightThatFailsStartsNoRetry(Vertx vertx, VertxTestContext ctx) {
    Promise<Void> inFlight = Promise.promise();
    Fake down = new Fake("postgres", inFlight::future, ok());
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(down);
      Future<Void> open = registry.openAll(30_000, 1, 1);
      registry.cancelOpening();
      inFlight.fail(new ConnectException("Connection refused"));
      return open;
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(OpenCancelledException.class);
      assertThat(down.openAttempts).hasValue(1);
      assertThat(log).doesNotContain("opened:postgres");
      ctx.completeNow();
    })));
  }

  @Test
  void cancelBeforeOpenAllOpensNothing(Vertx vertx, VertxTestContext ctx) {
    Fake a = new Fake("a", ok(), ok());
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(a);
      registry.cancelOpening();
      return registry.openAll(1_000, 10, 50);
    }).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(OpenCancelledException.class).hasMessageContaining("'a'");
      assertThat(a.openAttempts).hasValue(0);
      ctx.completeNow();
    })));
  }

  @Test
  void rejectsDuplicateNames(Vertx vertx, VertxTestContext ctx) {
    onContext(vertx, () -> {
      ResourceRegistry registry = new ResourceRegistry(vertx, listener);
      registry.add(new Fake("db", ok(), ok()));
      ctx.verify(() -> {
        assertThatThrownBy(() -> registry.add(new Fake("db", ok(), ok())))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'db'");
        assertThat(registry.all()).extracting(Resource::name).containsExactly("db");
        assertThat(registry.get("db")).isNotNull();
        assertThat(registry.get("nope")).isNull();
      });
      return Future.succeededFuture();
    }).onComplete(ctx.succeedingThenComplete());
  }
}
