package io.tradekit.resource;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor's set of shared resources, opened in config order and closed in reverse.
 *
 * <p>Owned and called by the supervisor on its own context: {@link #openAll} before the first
 * service deploys, {@link #closeAll} after the last service stopped. Opening waits for an
 * unavailable resource with exponential backoff up to a deadline and then fails with a
 * {@link ResourceUnavailableException} naming it and its address. Closing attempts EVERY opened
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
  private boolean openingCancelled;

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
   * Opens every added resource in order, one at a time.
   *
   * @param waitMs how long to keep retrying one unavailable resource; 0 means one attempt
   * @param retryMinMs first retry delay; doubles per attempt up to {@code retryMaxMs}
   */
  public Future<Void> openAll(long waitMs, long retryMinMs, long retryMaxMs) {
    Future<Void> chain = Future.succeededFuture();
    for (Resource resource : resources.values()) {
      chain = chain.compose(v -> openWithRetry(resource, waitMs, retryMinMs, retryMaxMs));
    }
    return chain;
  }

  private Future<Void> openWithRetry(Resource resource, long waitMs, long retryMinMs, long retryMaxMs) {
    if (openingCancelled) {
      return Future.failedFuture(new OpenCancelledException(resource.name()));
    }
    listener.opening(resource);
    long startNanos = System.nanoTime();
    Promise<Void> done = Promise.promise();
    attempt(resource, startNanos, waitMs, retryMinMs, retryMaxMs, retryMinMs, done);
    return done.future().onSuccess(v -> {
      opened.add(resource);
      listener.opened(resource, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    });
  }

  private void attempt(Resource resource, long startNanos, long waitMs, long minMs, long maxMs, long nextDelayMs,
                       Promise<Void> done) {
    if (openingCancelled) {
      done.fail(new OpenCancelledException(resource.name()));
      return;
    }
    Future<Void> open;
    try {
      open = resource.open();
    } catch (RuntimeException e) {
      open = Future.failedFuture(e);
    }
    backOnContext(boundedByDeadline(resource, open, startNanos, waitMs)).onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete();
        return;
      }
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
      // Full jitter keeps several processes that restart together from retrying in lock step.
      long delayMs = Math.max(1, ThreadLocalRandom.current().nextLong(minMs, nextDelayMs + 1));
      if (waitedMs + delayMs > waitMs) {
        done.fail(new ResourceUnavailableException(resource.name(), resource.address(), waitedMs, ar.cause()));
        return;
      }
      vertx.setTimer(delayMs, t -> attempt(resource, startNanos, waitMs, minMs, maxMs,
        Math.min(maxMs, nextDelayMs * 2), done));
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
      return Future.failedFuture(new IllegalStateException("open did not complete within " + remainingMs + " ms"));
    });
  }

  /**
   * Stops opening: no new open attempt starts after this (a retry due later is not made), so a
   * stop during start-up opens nothing more. An attempt in flight still completes and, if it
   * succeeds, is recorded so {@link #closeAll} closes it. Called by the supervisor on its context.
   */
  public void cancelOpening() {
    openingCancelled = true;
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
