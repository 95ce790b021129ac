package io.tradekit.resource;

import io.tradekit.resilience.Backoff;
import io.tradekit.resilience.ErrorClass;
import io.tradekit.resilience.ErrorClassifier;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The supervisor's set of shared resources, opened in config order and closed in reverse.
 *
 * <p>Owned and called by the supervisor on its own context: {@link #openAll} before the first
 * service deploys, {@link #closeAll} after the last service stopped, {@link #cancelOpening} when a
 * stop lands during start-up. Opening waits for an unavailable resource with backoff up to a
 * deadline and then fails with a {@link ResourceUnavailableException} naming it and its address;
 * a permanent refusal fails at once. Closing attempts EVERY opened
 * resource even when one fails or overruns its timeout, so a broken pool never leaks the others.
 */
public final class ResourceRegistry {

  /** Receives open/close transitions, e.g. to log lifecycle events. Called on the registry's context. */
  public interface Listener {
    void opening(Resource resource);

    void opened(Resource resource, long tookMs);

    void closed(Resource resource, Throwable failureOrNull);
  }

  private final Vertx vertx;
  private final io.vertx.core.Context context;
  private final Listener listener;
  private final Map<String, Resource> resources = new LinkedHashMap<>();
  private final List<Resource> opened = new ArrayList<>();
  private boolean cancelled;
  private Opening opening;

  /** Must be created on the context that will call it (the supervisor's). */
  public ResourceRegistry(Vertx vertx, Listener listener) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.listener = listener;
  }

  /** Adds a created (not yet open) resource; order of addition is the open order. */
  public void add(Resource resource) {
    if (resources.putIfAbsent(resource.name(), resource) != null) {
      throw new IllegalArgumentException("duplicate resource name '" + resource.name() + "'");
    }
  }

  /** @return the resource named {@code name}, or null */
  public Resource get(String name) {
    return resources.get(name);
  }

  /** @return all added resources in open order */
  public List<Resource> all() {
    return Collections.unmodifiableList(new ArrayList<>(resources.values()));
  }

  /**
   * Opens every added resource in order, one at a time. Each waits for its dependency with a
   * {@link Backoff} (exponential from {@code retryMinMs} to {@code retryMaxMs}, full jitter) while
   * its failures are TRANSIENT or AMBIGUOUS per {@link ErrorClassifier}, up to {@code waitMs}; a
   * PERMANENT failure (bad password, unknown database, a Redis error reply) fails at once with a
   * {@link ResourceRejectedException}. Must be called on the registry's context.
   *
   * @param waitMs how long to keep retrying one unavailable resource; 0 means one attempt
   * @param retryMinMs the cap of the first retry delay; caps double per attempt up to {@code retryMaxMs}
   * @param retryMaxMs the largest retry delay
   * @return fails with {@link ResourceUnavailableException} (waited too long),
   *     {@link ResourceRejectedException} (permanent failure) or {@link OpenCancelledException}
   *     ({@link #cancelOpening()} was called)
   */
  public Future<Void> openAll(long waitMs, long retryMinMs, long retryMaxMs) {
    Backoff policy = Backoff.fullJitter(retryMinMs, Math.max(retryMinMs, retryMaxMs), 0);
    Future<Void> chain = Future.succeededFuture();
    for (Resource resource : resources.values()) {
      chain = chain.compose(v -> cancelled ? Future.failedFuture(new OpenCancelledException(resource.name()))
        : openWithRetry(resource, waitMs, policy.newSequence()));
    }
    return chain;
  }

  /**
   * For a stop that lands during start-up. After this call no new open attempt starts and a pending
   * retry timer is cancelled. The {@link #openAll} future fails with an {@link OpenCancelledException}
   * once the attempt in flight, if any, has settled; if that attempt succeeded the resource is
   * recorded as opened, so {@link #closeAll} closes it. Idempotent. Called on the registry's
   * context (from another thread it hops there first).
   */
  public void cancelOpening() {
    if (Vertx.currentContext() != context) {
      context.runOnContext(v -> cancelOpening());
      return;
    }
    cancelled = true;
    Opening current = opening;
    if (current != null && current.retryTimer >= 0) {
      vertx.cancelTimer(current.retryTimer);
      current.retryTimer = -1;
      current.done.tryFail(new OpenCancelledException(current.resource.name()));
    }
  }

  /** One resource's open in progress; confined to the registry's context. */
  private static final class Opening {
    final Resource resource;
    final long waitMs;
    final Backoff.Sequence delays;
    final long startNanos = System.nanoTime();
    final Promise<Void> done = Promise.promise();
    long retryTimer = -1;

    Opening(Resource resource, long waitMs, Backoff.Sequence delays) {
      this.resource = resource;
      this.waitMs = waitMs;
      this.delays = delays;
    }

    long waitedMs() {
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
  }

  private Future<Void> openWithRetry(Resource resource, long waitMs, Backoff.Sequence delays) {
    listener.opening(resource);
    Opening current = new Opening(resource, waitMs, delays);
    opening = current;
    attempt(current);
    return current.done.future().andThen(ar -> opening = null);
  }

  private void attempt(Opening current) {
    current.retryTimer = -1;
    Resource resource = current.resource;
    Future<Void> open;
    try {
      open = resource.open();
    } catch (RuntimeException e) {
      open = Future.failedFuture(e);
    }
    backOnContext(boundedByDeadline(resource, open, current.startNanos, current.waitMs)).onComplete(ar -> {
      if (ar.succeeded()) {
        // Recorded even when a stop came meanwhile: closeAll must close what did open.
        opened.add(resource);
        listener.opened(resource, current.waitedMs());
        if (cancelled) {
          current.done.tryFail(new OpenCancelledException(resource.name()));
        } else {
          current.done.tryComplete();
        }
        return;
      }
      Throwable cause = ar.cause();
      if (cancelled) {
        current.done.tryFail(new OpenCancelledException(resource.name()));
        return;
      }
      if (ErrorClassifier.classify(cause) == ErrorClass.PERMANENT) {
        current.done.tryFail(new ResourceRejectedException(resource.name(), resource.address(), cause));
        return;
      }
      long waitedMs = current.waitedMs();
      if (waitedMs >= current.waitMs) {
        current.done.tryFail(new ResourceUnavailableException(resource.name(), resource.address(), waitedMs, cause));
        return;
      }
      // A jittered delay past the deadline is cut to it: the last attempt comes at the end of the
      // wait instead of giving up early, so the resource gets the whole resourceWaitMs.
      long delayMs = Math.max(1, Math.min(current.delays.nextDelayMs(), current.waitMs - waitedMs));
      current.retryTimer = vertx.setTimer(delayMs, t -> {
        current.retryTimer = -1;
        if (!cancelled) {
          attempt(current);
        }
      });
    });
  }

  /**
   * An open that never answers (a black-holed host: no refusal, no reply) must not outlive the
   * wait, or start-up hangs past its deadline. If it answers after the registry gave up, the
   * resource is closed again, since the registry will never close what it did not record as open.
   */
  private static Future<Void> boundedByDeadline(Resource resource, Future<Void> open, long startNanos, long waitMs) {
    if (waitMs <= 0) {
      return open; // one attempt, bounded only by the client's own connect timeout
    }
    long remainingMs = Math.max(1, waitMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    return open.timeout(remainingMs, TimeUnit.MILLISECONDS).recover(err -> {
      if (open.failed()) {
        return Future.failedFuture(open.cause());
      }
      open.onSuccess(v -> {
        try {
          resource.close();
        } catch (RuntimeException ignored) {
          // nothing more to do for a resource nobody uses
        }
      });
      // A TimeoutException: the dependency did not answer, which is not a permanent refusal.
      return Future.failedFuture(new TimeoutException("open did not complete within " + remainingMs + " ms"));
    });
  }

  /**
   * Closes every opened resource in reverse open order; each close gets {@code timeoutMs}.
   *
   * @return succeeds when all closed cleanly; otherwise fails with a message naming each
   *     resource that failed or overran, after ALL were attempted
   */
  public Future<Void> closeAll(long timeoutMs) {
    List<Resource> toClose = new ArrayList<>(opened);
    Collections.reverse(toClose);
    opened.clear();
    List<String> problems = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Resource resource : toClose) {
      chain = chain.transform(ignored -> closeOne(resource, timeoutMs).transform(ar -> {
        if (ar.failed()) {
          problems.add(resource.name() + ": " + ar.cause().getMessage());
        }
        listener.closed(resource, ar.failed() ? ar.cause() : null);
        return Future.<Void>succeededFuture();
      }));
    }
    return chain.compose(v -> problems.isEmpty() ? Future.<Void>succeededFuture()
      : Future.failedFuture(new IllegalStateException("resources failed to close: " + String.join("; ", problems))));
  }

  private Future<Void> closeOne(Resource resource, long timeoutMs) {
    return backOnContext(closeWithTimeout(resource, timeoutMs));
  }

  /** Some clients complete close() on an internal thread; continue on the owner's context. */
  private <T> Future<T> backOnContext(Future<T> future) {
    Promise<T> promise = Promise.promise();
    future.onComplete(ar -> context.runOnContext(v -> promise.handle(ar)));
    return promise.future();
  }

  private static Future<Void> closeWithTimeout(Resource resource, long timeoutMs) {
    try {
      return resource.close().timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(e instanceof java.util.concurrent.TimeoutException
          ? new IllegalStateException("close did not complete within " + timeoutMs + " ms") : e));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
