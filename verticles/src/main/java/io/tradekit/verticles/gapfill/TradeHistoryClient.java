package io.tradekit.verticles.gapfill;

import io.tradekit.feed.ExactJson;
import io.tradekit.feed.Trade;
import io.tradekit.http.HttpResource;
import io.tradekit.resilience.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fetches pages of {@code public/get_last_trades_by_instrument} ({@code start_seq}/{@code end_seq},
 * {@code sorting=asc}) over the {@code http} resource for the gapfill service.
 *
 * <p>Requests are spaced {@code 1/requestsPerSecond} apart. Retried, with the shared {@link Backoff}
 * and at most {@code maxAttempts} per page: HTTP 429 (waiting at least its {@code Retry-After}),
 * 5xx, timeouts, connection errors, and replies whose body carries one of Deribit's retryable error
 * codes ({@link #RETRYABLE_CODES}, e.g. 10028 too_many_requests, whatever the HTTP status). Any
 * other error reply is a {@link Rejected} (retrying cannot help). Numbers are decoded exactly.
 * Used on the service's context only; {@link #close()} ends a pending wait at once.
 */
final class TradeHistoryClient {

  /** One page: the trades returned (in the order sent) and whether the exchange has more of the range. */
  record Page(List<Trade> trades, boolean hasMore) {
  }

  /** The exchange refused the request for good (bad parameters, unknown instrument, malformed reply). */
  static final class Rejected extends RuntimeException {
    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  /** Retries used up, or the client was closed while waiting: the gap stays open and is tried again later. */
  static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  /** Deribit's error codes that mean "not now, try later" (protocol notes: Errors worth classifying). */
  static final Set<Integer> RETRYABLE_CODES = Set.of(10028, 10040, 10041, 10047, 10066, 11051, 11094, 13028, 13888);
  static final String PATH = "/api/v2/public/get_last_trades_by_instrument";

  private static final Logger LOG = LoggerFactory.getLogger(TradeHistoryClient.class);

  private final Vertx vertx;
  private final HttpResource http;
  private final GapFillOptions options;
  private final Backoff retryBackoff;
  private final long spacingNanos;
  private long nextSlotNanos;
  private final Set<Long> timers = new HashSet<>();
  private final List<Promise<Void>> waits = new ArrayList<>();
  private boolean closed;
  final AtomicLong requests = new AtomicLong();
  final AtomicLong retries = new AtomicLong();

  TradeHistoryClient(Vertx vertx, HttpResource http, GapFillOptions options) {
    this.vertx = vertx;
    this.http = http;
    this.options = options;
    this.retryBackoff = Backoff.fullJitter(options.retryInitialMs, options.retryMaxMs, 0);
    this.spacingNanos = (long) (1_000_000_000L / options.requestsPerSecond);
  }

  /** @return trades of {@code instrument} from {@code startSeq} on (at most {@code pageSize}, up to {@code endSeq}) */
  Future<Page> page(String instrument, long startSeq, long endSeq) {
    return attempt(instrument, startSeq, endSeq, retryBackoff.newSequence());
  }

  /** Ends every pending wait (rate limit, retry delay) with {@link Unavailable}; later calls fail at once. */
  void close() {
    closed = true;
    timers.forEach(vertx::cancelTimer);
    timers.clear();
    new ArrayList<>(waits).forEach(w -> w.tryFail(new Unavailable("gapfill is stopping")));
    waits.clear();
  }

  private Future<Page> attempt(String instrument, long startSeq, long endSeq, Backoff.Sequence delays) {
    return rateLimit().compose(v -> {
      requests.incrementAndGet();
      return http.client().getAbs(http.baseUrl() + PATH)
        .addQueryParam("instrument_name", instrument)
        .addQueryParam("start_seq", Long.toString(startSeq))
        .addQueryParam("end_seq", Long.toString(endSeq))
        .addQueryParam("count", Integer.toString(options.pageSize))
        .addQueryParam("sorting", "asc")
        .timeout(options.requestTimeoutMs)
        .send()
        .transform(ar -> outcome(ar.succeeded() ? ar.result() : null, ar.cause(), instrument, startSeq, endSeq, delays));
    });
  }

  private Future<Page> outcome(HttpResponse<Buffer> response, Throwable failure, String instrument, long startSeq,
                               long endSeq, Backoff.Sequence delays) {
    String what = instrument + " seq [" + startSeq + ", " + endSeq + "]";
    long retryAfterMs = 0;
    String problem;
    if (failure != null) {
      if (failure instanceof Unavailable) {
        return Future.failedFuture(failure);
      }
      problem = failure.toString();
    } else {
      JsonObject body = decode(response);
      Object error = body == null ? null : body.getValue("error");
      int code = error instanceof JsonObject e && e.getValue("code") instanceof Number n ? n.intValue() : 0;
      int status = response.statusCode();
      if (status == 200 && error == null && body != null) {
        return parse(body, what);
      }
      problem = "HTTP " + status + (error != null ? " error " + error : "");
      boolean retryable = status == 429 || status >= 500 || RETRYABLE_CODES.contains(code);
      if (!retryable) {
        String detail = error != null ? String.valueOf(error) : abbreviate(response.bodyAsString());
        return Future.failedFuture(new Rejected(what + ": HTTP " + status + ": " + detail));
      }
      retryAfterMs = retryAfterMs(response.getHeader("Retry-After"));
    }
    if (closed) {
      return Future.failedFuture(new Unavailable(what + ": gapfill is stopping (last: " + problem + ")"));
    }
    if (delays.attempt() + 1 >= options.maxAttempts) {
      return Future.failedFuture(new Unavailable(what + ": gave up after " + options.maxAttempts + " attempts: " + problem));
    }
    retries.incrementAndGet();
    long delayMs = Math.max(delays.nextDelayMs(), retryAfterMs);
    if (retryAfterMs > 0) {
      // Every request waits, not only this one: the exchange asked the whole client to slow down.
      nextSlotNanos = Math.max(nextSlotNanos, System.nanoTime() + retryAfterMs * 1_000_000);
    }
    LOG.info("event=gapfill.request.retry what=\"{}\" problem=\"{}\" delayMs={} attempt={}", what, problem, delayMs,
      delays.attempt() + 1);
    return sleep(delayMs).compose(v -> attempt(instrument, startSeq, endSeq, delays));
  }

  private static JsonObject decode(HttpResponse<Buffer> response) {
    try {
      return ExactJson.decode(response.bodyAsString()) instanceof JsonObject json ? json : null;
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  private static Future<Page> parse(JsonObject body, String what) {
    if (!(body.getValue("result") instanceof JsonObject result) || !(result.getValue("trades") instanceof JsonArray array)) {
      return Future.failedFuture(new Rejected(what + ": unexpected reply shape, expected result.trades"));
    }
    List<Trade> trades = new ArrayList<>(array.size());
    try {
      for (Object item : array) {
        if (!(item instanceof JsonObject json)) {
          throw new IllegalArgumentException("trade: expected an object, got " + item);
        }
        trades.add(Trade.fromJson(json));
      }
    } catch (IllegalArgumentException malformed) {
      return Future.failedFuture(new Rejected(what + ": malformed trade in reply: " + malformed.getMessage()));
    }
    return Future.succeededFuture(new Page(trades, Boolean.TRUE.equals(result.getValue("has_more"))));
  }

  /** @return {@code Retry-After} in ms (whole seconds; an HTTP-date or junk counts as absent) */
  static long retryAfterMs(String header) {
    if (header == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(header.trim())) * 1000;
    } catch (NumberFormatException notSeconds) {
      return 0;
    }
  }

  private static String abbreviate(String text) {
    String t = String.valueOf(text);
    return t.length() > 300 ? t.substring(0, 300) + "..." : t;
  }

  /** Spaces requests {@code 1/requestsPerSecond} apart. */
  private Future<Void> rateLimit() {
    long now = System.nanoTime();
    long slot = Math.max(now, nextSlotNanos);
    nextSlotNanos = slot + spacingNanos;
    return sleep((slot - now) / 1_000_000);
  }

  private Future<Void> sleep(long ms) {
    if (closed) {
      return Future.failedFuture(new Unavailable("gapfill is stopping"));
    }
    if (ms <= 0) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    waits.add(done);
    // The timer cannot fire before it is recorded: both run on this context.
    timers.add(vertx.setTimer(ms, t -> {
      timers.remove(t);
      waits.remove(done);
      done.tryComplete();
    }));
    return done.future();
  }
}
