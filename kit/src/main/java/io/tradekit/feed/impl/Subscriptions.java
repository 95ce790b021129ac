package io.tradekit.feed.impl;

import io.tradekit.feed.FeedMessage;
import io.tradekit.feed.FeedOptions;
import io.tradekit.feed.JsonRpcTransport;
import io.tradekit.feed.OrderBook;
import io.tradekit.feed.TradeBatch;
import io.tradekit.resilience.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The feed's subscriptions and order books.
 *
 * <p>After each connect, ONE {@code public/subscribe} with every channel; the result is diffed
 * against the request and rejected channels are reported (log, metric, status), not retried.
 * Notifications are routed: book channels go through their {@link OrderBook} (snapshot, then
 * changes continuing the last change id); a gap or a malformed book message invalidates the book,
 * whose changes are then DROPPED (not delivered, not counted as channel data) until a fresh
 * snapshot. Everything else is handed to {@code deliver}.
 *
 * <p>Resubscribes ({@code unsubscribe} then {@code subscribe} of one channel) are asked for by a
 * gap or by staleness. For a book, the resubscribe is retried with the shared {@link Backoff} until
 * a fresh snapshot makes the book valid: after a failed attempt (error, timeout, channel not
 * accepted) the next one waits {@code nextDelayMs()}; after an accepted one the snapshot has
 * {@code max(requestTimeoutMs, nextDelayMs())} to arrive before the next attempt. A non-book
 * channel gets one attempt per request (staleness asks again). A book is "invalid" (status and the
 * {@code tradekit.feed.books.invalid} gauge) from its gap, or from its channel's acceptance, until
 * its snapshot.
 *
 * <p>Confined to the feed's context; the connection's loss ends every retry and clears the books
 * (a new connection never continues an old book).
 */
public final class Subscriptions {

  private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);
  private static final String TRADES = "trades";
  private static final String TRADES_PREFIX = "trades.";

  /** One book's resubscribe loop. */
  private static final class Retry {
    final Backoff.Sequence backoff;
    long timer = -1;

    Retry(Backoff.Sequence backoff) {
      this.backoff = backoff;
    }
  }

  private final Vertx vertx;
  private final FeedOptions options;
  private final FeedMetrics metrics;
  private final JsonRpcTransport transport;
  private final Backoff resubscribePolicy;
  private final Consumer<FeedMessage> deliver;
  private final ChannelData channelData;
  private final Map<String, OrderBook> books = new HashMap<>();
  private final Set<String> acceptedBooks = new LinkedHashSet<>();
  private final Set<String> rejected = new TreeSet<>();
  private final Map<String, Retry> retries = new HashMap<>();
  private volatile int invalidBooks;

  /** Told about every message that reached the consumer (what liveness counts as channel data). */
  @FunctionalInterface
  public interface ChannelData {
    void received(String channel, long receivedNanos);
  }

  public Subscriptions(Vertx vertx, FeedOptions options, FeedMetrics metrics, JsonRpcTransport transport, Backoff resubscribePolicy,
      Consumer<FeedMessage> deliver, ChannelData channelData) {
    this.vertx = vertx;
    this.options = options;
    this.metrics = metrics;
    this.transport = transport;
    this.resubscribePolicy = resubscribePolicy;
    this.deliver = deliver;
    this.channelData = channelData;
  }

  /** @return the channels the exchange accepted, after ONE subscribe of every configured channel */
  public Future<List<String>> subscribeAll() {
    return transport.request("public/subscribe", new JsonObject().put("channels", new JsonArray(options.getChannels())))
      .map(result -> onSubscribed(result instanceof JsonArray accepted ? accepted : new JsonArray()));
  }

  private List<String> onSubscribed(JsonArray accepted) {
    Set<String> now = new TreeSet<>();
    List<String> ok = new ArrayList<>();
    for (String channel : options.getChannels()) {
      if (accepted.contains(channel)) {
        ok.add(channel);
        if (isBook(channel)) {
          acceptedBooks.add(channel);
        }
      } else {
        now.add(channel);
      }
    }
    if (!now.equals(rejected) && !now.isEmpty()) {
      LOG.warn("event=feed.rejected feed={} channels={}", options.getName(), now);
    }
    metrics.rejected.increment(now.size() - Math.min(now.size(), rejected.size()));
    rejected.clear();
    rejected.addAll(now);
    recountInvalid();
    return ok;
  }

  /**
   * A {@code subscription} notification. A trades channel's data reaches the consumer as a
   * {@link TradeBatch} whichever decoder produced it (the streaming decoder passes one; the generic
   * path's JSON array is converted here).
   */
  public void notification(String channel, Object data, long receivedNanos) {
    String kind;
    if (channel.startsWith(TRADES_PREFIX)) {
      kind = TRADES;
      if (data instanceof JsonArray array) {
        data = TradeBatch.fromJson(array);
      } else if (!(data instanceof TradeBatch)) {
        data = new TradeBatch(List.of(), 1, "data: expected an array of trades");
      }
    } else {
      kind = channel.substring(0, Math.max(0, channel.indexOf('.')));
      if (kind.equals("book") && !bookContinuous(channel, data)) {
        return;
      }
    }
    channelData.received(channel, receivedNanos);
    metrics.message(channel);
    deliver.accept(new FeedMessage(channel, kind, data, receivedNanos));
  }

  /** Applies the message to the channel's book; on a gap, drops the book's messages until a fresh snapshot. */
  private boolean bookContinuous(String channel, Object data) {
    if (!(data instanceof JsonObject message)) {
      metrics.malformed.increment();
      return false;
    }
    try {
      if ("snapshot".equals(message.getValue("type"))) {
        books.computeIfAbsent(channel, OrderBook::new).applySnapshot(message);
        snapshotArrived(channel);
        return true;
      }
      OrderBook book = books.get(channel);
      if (book == null || !book.isValid()) {
        return false; // still waiting for the snapshot after a gap or a reconnect
      }
      long last = book.changeId();
      if (!book.applyChange(message)) {
        metrics.gaps.increment();
        LOG.warn("event=feed.book_gap feed={} channel={} expected={} got={}", options.getName(), channel, last,
          message.getValue("prev_change_id"));
        recountInvalid();
        resubscribe(channel);
        return false;
      }
      return true;
    } catch (RuntimeException unexpectedShape) {
      metrics.malformed.increment();
      OrderBook book = books.get(channel);
      if (book != null) {
        book.invalidate();
        recountInvalid();
        resubscribe(channel);
      }
      return false;
    }
  }

  private void snapshotArrived(String channel) {
    Retry retry = retries.remove(channel);
    if (retry != null) {
      if (retry.timer >= 0) {
        vertx.cancelTimer(retry.timer);
      }
      LOG.info("event=feed.book_valid feed={} channel={} attempts={}", options.getName(), channel, retry.backoff.attempt());
    }
    recountInvalid();
  }

  /**
   * Resubscribes {@code channel} for fresh data (a snapshot, for a book). A book already in its
   * retry loop is left to it.
   */
  public void resubscribe(String channel) {
    if (!transport.isOpen()) {
      return;
    }
    if (!isBook(channel)) {
      attempt(channel).onFailure(err -> LOG.warn("event=feed.resubscribe_failed feed={} channel={} error=\"{}\"", options.getName(),
        channel, err.getMessage()));
      return;
    }
    if (retries.containsKey(channel)) {
      return;
    }
    Retry retry = new Retry(resubscribePolicy.newSequence());
    retries.put(channel, retry);
    attemptBook(channel, retry);
  }

  private void attemptBook(String channel, Retry retry) {
    retry.timer = -1;
    metrics.resubscribes.increment();
    attempt(channel).onComplete(ar -> {
      if (retries.get(channel) != retry) {
        return; // the snapshot came, or the connection closed
      }
      long delayMs = retry.backoff.nextDelayMs();
      if (ar.succeeded()) {
        // Accepted: the snapshot follows the reply; give it at least a request timeout to arrive.
        delayMs = Math.max(delayMs, options.getRequestTimeoutMs());
      } else {
        metrics.resubscribeFailures.increment();
      }
      LOG.warn("event=feed.book_resubscribe feed={} channel={} attempt={} delayMs={} outcome=\"{}\"", options.getName(), channel,
        retry.backoff.attempt(), delayMs, ar.succeeded() ? "accepted, awaiting snapshot" : ar.cause().getMessage());
      retry.timer = vertx.setTimer(delayMs, t -> {
        if (retries.get(channel) == retry) {
          attemptBook(channel, retry);
        }
      });
    });
  }

  /** @return succeeds when the exchange accepted the channel again */
  private Future<Void> attempt(String channel) {
    JsonObject params = new JsonObject().put("channels", new JsonArray().add(channel));
    return transport.request("public/unsubscribe", params).compose(v -> transport.request("public/subscribe", params))
      .compose(result -> result instanceof JsonArray accepted && accepted.contains(channel) ? Future.succeededFuture()
        : Future.failedFuture("channel not accepted on resubscribe"));
  }

  /** The connection is gone: every retry ends and every book is dropped (the next connection starts from snapshots). */
  public void closed() {
    retries.values().forEach(r -> {
      if (r.timer >= 0) {
        vertx.cancelTimer(r.timer);
      }
    });
    retries.clear();
    books.clear();
    acceptedBooks.clear();
    recountInvalid();
  }

  private static boolean isBook(String channel) {
    return channel.startsWith("book.");
  }

  private void recountInvalid() {
    int n = 0;
    for (String channel : acceptedBooks) {
      OrderBook book = books.get(channel);
      if (book == null || !book.isValid()) {
        n++;
      }
    }
    invalidBooks = n;
  }

  /** @return accepted book channels whose book is not usable (waiting for a snapshot), sorted */
  public List<String> invalidBooks() {
    return acceptedBooks.stream().filter(c -> books.get(c) == null || !books.get(c).isValid()).sorted().toList();
  }

  /** @return how many books are invalid; readable from any thread (the metrics gauge) */
  public int invalidBookCount() {
    return invalidBooks;
  }

  public Optional<OrderBook> book(String channel) {
    return Optional.ofNullable(books.get(channel));
  }

  /** @return channels the exchange did not accept on the last subscribe */
  public Set<String> rejected() {
    return Set.copyOf(rejected);
  }
}
