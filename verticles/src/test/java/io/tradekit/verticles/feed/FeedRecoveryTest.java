package io.tradekit.verticles.feed;

import io.tradekit.feed.FeedMessage;
import io.tradekit.feed.OrderBook;
import io.tradekit.verticles.exchange.Fault;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tradekit.verticles.feed.FeedHarness.BOOK;
import static io.tradekit.verticles.feed.FeedHarness.TRADES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the feed recovers when recovery keeps failing: the reconnect backoff after a long stable
 * connection, and a book whose resubscribe fails. Against the real simulated exchange; attempts
 * are observed through the feed's own log lines ({@code event=feed.reconnecting},
 * {@code event=feed.book_resubscribe}), its metrics and {@code status()}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class FeedRecoveryTest {

  private static final Pattern ATTEMPT = Pattern.compile("attempt=(\\d+) delayMs=(\\d+)");

  /** One logged attempt: its number and the delay before the next try. */
  private record Attempt(int number, long delayMs) {
  }

  private static List<Attempt> attempts(List<String> lines) {
    List<Attempt> attempts = new ArrayList<>();
    for (String line : lines) {
      Matcher m = ATTEMPT.matcher(line);
      if (m.find()) {
        attempts.add(new Attempt(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2))));
      }
    }
    return attempts;
  }

  /** The full-jitter cap of attempt {@code n}: min(max, min × 2^(n-1)). */
  private static long cap(long minMs, long maxMs, int n) {
    return Math.min(maxMs, minMs << Math.min(20, n - 1));
  }

  private static void assertGrowingAttempts(List<Attempt> attempts, int count, long minMs, long maxMs) {
    assertThat(attempts).as("logged attempts").hasSizeGreaterThanOrEqualTo(count);
    for (int i = 0; i < count; i++) {
      Attempt a = attempts.get(i);
      assertThat(a.number()).as("attempt number of try %d (all: %s)", i + 1, attempts).isEqualTo(i + 1);
      assertThat(a.delayMs()).as("delay of attempt %d", a.number()).isBetween(1L, cap(minMs, maxMs, a.number()));
    }
  }

  @Test
  void reconnectBackoffGrowsWhenTheExchangeGoesAwayAfterAConnectionLongerThanTheResetPeriod(Vertx vertx, VertxTestContext ctx) {
    long minMs = 50;
    long maxMs = 1_600;
    long resetAfterMs = 500;
    LogCapture log = LogCapture.on("io.tradekit.feed");
    FeedHarness.start(vertx, FeedHarness.exchangeOptions(),
      o -> o.setReconnectMinMs(minMs).setReconnectMaxMs(maxMs).setReconnectResetAfterMs(resetAfterMs)).compose(h -> {
        List<String> reconnects = log.containing("event=feed.reconnecting", "feed=" + h.name + " ");
        // Three answered test_requests at a 300 ms heartbeat: connected for at least 900 ms > resetAfterMs.
        return h.until(10_000, "a connection longer than reconnectResetAfterMs",
            () -> h.feed.isConnected() && h.exchange.stats().testRequestsAnswered() >= 3)
          .compose(v -> {
            ctx.verify(() -> {
              assertThat(h.connects()).as("one stable connection").isEqualTo(1);
              assertThat(reconnects).as("no reconnect while stable").isEmpty();
            });
            return h.exchange.stop();
          })
          .compose(v -> h.until(10_000, "five reconnect attempts with the exchange gone",
            () -> log.containing("event=feed.reconnecting", "feed=" + h.name + " ").size() >= 5))
          .map(v -> {
            List<Attempt> attempts = attempts(log.containing("event=feed.reconnecting", "feed=" + h.name + " "));
            // The first failure after the long connection starts over (attempt 1, cap = min); the
            // later ones keep growing because no connection succeeded since.
            ctx.verify(() -> assertGrowingAttempts(attempts, 5, minMs, maxMs));
            return (Void) null;
          })
          .eventually(h::stop);
      }).eventually(() -> {
        log.close();
        return Future.succeededFuture();
      }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void failedBookResubscribeIsRetriedWithBackoffShownInvalidAndGoesStaleUntilASnapshotRestoresIt(Vertx vertx,
      VertxTestContext ctx) {
    long staleMs = 600;
    long faultMs = 4_000;
    LogCapture log = LogCapture.on("io.tradekit.feed");
    FeedHarness.start(vertx, FeedHarness.exchangeOptions(), o -> o.setChannelStaleMs(staleMs).setStaleResubscribeLimit(50))
      .compose(h -> h.until(10_000, "book snapshot and trades", () -> snapshots(h) >= 1 && h.messagesOn(TRADES) > 5)
        .compose(v -> {
          double staleBefore = h.count("tradekit.feed.stalls.channel");
          // Subscribe and unsubscribe fail for a while (the book channel keeps streaming changes),
          // then a gap invalidates the book: its resubscribe cannot succeed until the fault ends.
          return h.exchange.injectFault(Fault.of(Fault.Type.SUBSCRIBE_ERROR, faultMs))
            .compose(x -> h.exchange.injectFault(Fault.of(Fault.Type.GAP, 200)))
            .compose(x -> h.until(faultMs - 1_000, "gap, three failed resubscribes and the book channel gone stale",
              () -> h.count("tradekit.feed.book.gaps") >= 1
                && log.containing("event=feed.book_resubscribe", "feed=" + h.name + " ").size() >= 3
                && h.count("tradekit.feed.stalls.channel") > staleBefore))
            .compose(x -> h.onFeed(() -> new Object[] {h.feed.status(), h.feed.book(BOOK).map(OrderBook::isValid).orElse(false)}))
            .map(read -> {
              JsonObject status = (JsonObject) read[0];
              List<Attempt> attempts = attempts(log.containing("event=feed.book_resubscribe", "feed=" + h.name + " "));
              ctx.verify(() -> {
                assertThat(status.getJsonArray("invalidBooks").getList()).as("status while invalid").containsExactly(BOOK);
                assertThat(read[1]).as("book valid").isEqualTo(false);
                assertThat(h.gauge("tradekit.feed.books.invalid")).as("invalid-books gauge").isEqualTo(1.0);
                assertThat(h.count("tradekit.feed.book.resubscribe.failures")).as("failed resubscribes").isGreaterThanOrEqualTo(3);
                assertGrowingAttempts(attempts, 3, 50, 200);
                assertThat(h.connects()).as("no reconnect: heartbeats and trades kept the connection").isEqualTo(1);
              });
              return (Void) null;
            });
        })
        .compose(v -> h.until(10_000, "a fresh snapshot after the fault ends", () -> snapshots(h) >= 2))
        .compose(v -> h.onFeed(() -> new Object[] {h.feed.status(), h.feed.book(BOOK).map(OrderBook::isValid).orElse(false)}))
        .map(read -> {
          ctx.verify(() -> {
            assertThat(((JsonObject) read[0]).getJsonArray("invalidBooks")).as("status once valid").isEmpty();
            assertThat(read[1]).as("book valid").isEqualTo(true);
            assertThat(h.gauge("tradekit.feed.books.invalid")).as("invalid-books gauge once valid").isEqualTo(0.0);
          });
          return (Void) null;
        })
        .eventually(h::stop))
      .eventually(() -> {
        log.close();
        return Future.succeededFuture();
      }).onComplete(ctx.succeedingThenComplete());
  }

  private static long snapshots(FeedHarness h) {
    return h.received.stream().filter(FeedRecoveryTest::isSnapshot).count();
  }

  private static boolean isSnapshot(FeedMessage m) {
    return m.channel().equals(BOOK) && "snapshot".equals(((JsonObject) m.data()).getString("type"));
  }
}
