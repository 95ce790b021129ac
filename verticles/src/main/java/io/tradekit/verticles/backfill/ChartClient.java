package io.tradekit.verticles.backfill;

import io.tradekit.feed.ExactJson;
import io.tradekit.http.HttpResource;
import io.tradekit.resilience.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.concurrent.ThreadLocalRandom;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Fetches {@code public/get_tradingview_chart_data} over HTTP for the backfill task, with a request
 * rate limit and retries: 429, 5xx, timeouts and connection errors are retried with exponential
 * backoff and full jitter up to {@code maxAttempts}; any other 4xx fails at once with the server's
 * message (retrying a bad request cannot succeed). Numbers are decoded exactly.
 */
final class ChartClient {

  /** A non-retryable HTTP failure. */
  static final class RequestRejected extends RuntimeException {
    RequestRejected(String message) {
      super(message);
    }
  }

  private final Vertx vertx;
  private final HttpResource http;
  private final BackfillOptions options;
  private final long spacingNanos;
  /** Each chunk's attempts are counted by the fetch itself, so only the pure delay rule is used. */
  private final Backoff retryBackoff;
  private long nextSlotNanos;
  final AtomicLong requests = new AtomicLong();
  final AtomicLong retries = new AtomicLong();

  ChartClient(Vertx vertx, HttpResource http, BackfillOptions options) {
    this.retryBackoff = Backoff.fullJitter(options.retryInitialMs, options.retryMaxMs, 0);
    this.vertx = vertx;
    this.http = http;
    this.options = options;
    this.spacingNanos = (long) (1_000_000_000L / options.requestsPerSecond);
  }

  Future<JsonObject> fetch(String instrument, long startMs, long endMs) {
    return attempt(instrument, startMs, endMs, 1);
  }

  private Future<JsonObject> attempt(String instrument, long startMs, long endMs, int attempt) {
    return rateLimit().compose(v -> {
      requests.incrementAndGet();
      return http.client().getAbs(http.baseUrl() + "/api/v2/public/get_tradingview_chart_data")
        .addQueryParam("instrument_name", instrument)
        .addQueryParam("start_timestamp", Long.toString(startMs))
        .addQueryParam("end_timestamp", Long.toString(endMs))
        .addQueryParam("resolution", options.resolution)
        .timeout(options.requestTimeoutMs)
        .send();
    }).transform(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 200) {
        return parse(ar.result());
      }
      boolean retryable = ar.failed() || ar.result().statusCode() == 429 || ar.result().statusCode() >= 500;
      String problem = ar.failed() ? ar.cause().toString()
        : "HTTP " + ar.result().statusCode() + ": " + ar.result().bodyAsString();
      if (!retryable) {
        return Future.failedFuture(new RequestRejected(instrument + " [" + startMs + ", " + endMs + "]: " + problem));
      }
      if (attempt >= options.maxAttempts) {
        return Future.failedFuture(new IllegalStateException(instrument + ": gave up after " + attempt + " attempts: " + problem));
      }
      retries.incrementAndGet();
      Promise<JsonObject> retried = Promise.promise();
      vertx.setTimer(retryBackoff.delayMs(attempt, ThreadLocalRandom.current().nextDouble()),
        t -> attempt(instrument, startMs, endMs, attempt + 1).onComplete(retried));
      return retried.future();
    });
  }

  /** Spaces requests {@code 1/requestsPerSecond} apart, across all concurrent fetches. */
  private Future<Void> rateLimit() {
    long now = System.nanoTime();
    long slot = Math.max(now, nextSlotNanos);
    nextSlotNanos = slot + spacingNanos;
    long waitMs = (slot - now) / 1_000_000;
    if (waitMs <= 0) {
      return Future.succeededFuture();
    }
    Promise<Void> ready = Promise.promise();
    vertx.setTimer(waitMs, t -> ready.complete());
    return ready.future();
  }

  private static Future<JsonObject> parse(HttpResponse<Buffer> response) {
    try {
      Object body = ExactJson.decode(response.bodyAsString());
      if (body instanceof JsonObject json && json.getValue("result") instanceof JsonObject result) {
        return Future.succeededFuture(result);
      }
      return Future.failedFuture(new RequestRejected("unexpected response shape: no result object"));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new RequestRejected("response is not JSON: " + e.getMessage()));
    }
  }
}
