package io.tradekit.verticles.feed;

import io.tradekit.feed.FeedClosedException;
import io.tradekit.feed.FeedMessage;
import io.tradekit.feed.FeedOptions;
import io.tradekit.feed.Trade;
import io.tradekit.feed.TradeBatch;
import io.tradekit.verticles.exchange.Fault;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static io.tradekit.verticles.feed.FeedHarness.BOOK;
import static io.tradekit.verticles.feed.FeedHarness.HEARTBEAT_MS;
import static io.tradekit.verticles.feed.FeedHarness.STALL_FACTOR;
import static io.tradekit.verticles.feed.FeedHarness.TRADES;
import static org.assertj.core.api.Assertions.assertThat;

/** The feed client against the real simulated exchange and its injected faults. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class FeedFaultsTest {

  private static final long STALL_BOUND_MS = HEARTBEAT_MS * STALL_FACTOR + 500;

  private static Future<FeedHarness> flowing(Vertx vertx, SimulatedExchangeOptions exchange, UnaryOperator<FeedOptions> feed) {
    return FeedHarness.start(vertx, exchange, feed).compose(h -> h.until(10_000, "first trades", () -> h.messagesOn(TRADES) > 5).map(h));
  }

  private static Future<FeedHarness> flowing(Vertx vertx) {
    return flowing(vertx, FeedHarness.exchangeOptions(), UnaryOperator.identity());
  }

  /** Data arrives on {@code channel} after {@code sinceNanos}. */
  private static Future<Void> resumed(FeedHarness h, String channel, long sinceNanos) {
    return h.until(10_000, "data on " + channel + " after the fault",
      () -> h.received.stream().anyMatch(m -> m.channel().equals(channel) && m.receivedNanos() > sinceNanos));
  }

  @Test
  void stallIsDetectedWithinTheDeadlineAndHealedByReconnect(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx).compose(h -> {
      long faultNanos = System.nanoTime();
      return h.exchange.injectFault(Fault.of(Fault.Type.STALL, 2_000))
        .compose(v -> h.until(5_000, "stall detection", () -> h.count("tradekit.feed.stalls.transport") >= 1))
        .map(v -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - faultNanos))
        .compose(detectedMs -> {
          ctx.verify(() -> assertThat(detectedMs).as("detection time, ms").isLessThanOrEqualTo(STALL_BOUND_MS));
          return resumed(h, TRADES, faultNanos + TimeUnit.MILLISECONDS.toNanos(2_000));
        })
        .compose(v -> h.until(5_000, "reconnected", () -> h.connects() >= 2))
        .eventually(h::stop);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void droppedAndClosedConnectionsAreReconnectedAndResubscribed(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx).compose(h -> {
      long dropNanos = System.nanoTime();
      return h.exchange.injectFault(Fault.of(Fault.Type.DROP, 300))
        .compose(v -> h.until(5_000, "reconnect after drop", () -> h.connects() >= 2))
        .compose(v -> resumed(h, TRADES, dropNanos + TimeUnit.MILLISECONDS.toNanos(300)))
        .compose(v -> h.exchange.injectFault(Fault.of(Fault.Type.CLOSE, 300)))
        .compose(v -> h.until(5_000, "reconnect after close 1001", () -> h.connects() >= 3))
        .compose(v -> resumed(h, TRADES, System.nanoTime()))
        .compose(v -> resumed(h, BOOK, System.nanoTime()))
        // Each reconnect starts the book from a new snapshot: never merged into the stale one.
        .map(v -> {
          ctx.verify(() -> assertBookContinuous(h));
          return (Void) null;
        })
        .eventually(h::stop);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void silencedChannelIsResubscribedWithinItsWindowWhileHeartbeatsContinue(Vertx vertx, VertxTestContext ctx) {
    long staleMs = 600;
    flowing(vertx, FeedHarness.exchangeOptions(), o -> o.setChannelStaleMs(staleMs).setStaleResubscribeLimit(10)).compose(h -> {
      long faultNanos = System.nanoTime();
      return h.exchange.injectFault(Fault.silence(TRADES, 1_500))
        .compose(v -> h.until(5_000, "channel staleness", () -> h.count("tradekit.feed.stalls.channel") >= 1))
        .map(v -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - faultNanos))
        .compose(detectedMs -> {
          ctx.verify(() -> {
            assertThat(detectedMs).as("staleness detection, ms").isLessThanOrEqualTo(staleMs + 500);
            assertThat(h.count("tradekit.feed.stalls.transport")).as("heartbeats kept the transport alive").isZero();
          });
          return resumed(h, TRADES, faultNanos + TimeUnit.MILLISECONDS.toNanos(1_500));
        })
        .eventually(h::stop);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void unansweredTestRequestMakesTheExchangeCloseTheConnection(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx, FeedHarness.exchangeOptions(), o -> o.setAnswerTestRequests(false)).compose(h ->
      h.until(5_000, "exchange closes on unanswered test_request", () -> h.exchange.stats().heartbeatTimeouts() >= 1)
        .compose(v -> h.until(5_000, "reconnect", () -> h.connects() >= 2))
        .eventually(h::stop)
    ).compose(v -> flowing(vertx)).compose(h -> h.until(5_000, "test_requests answered",
        () -> h.exchange.stats().testRequestsAnswered() >= 5)
      .map(v -> {
        ctx.verify(() -> assertThat(h.exchange.stats().heartbeatTimeouts()).as("answered normally: never closed").isZero());
        return null;
      }).eventually(h::stop)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void slowConsumerDoesNotStopHeartbeatRepliesAndDropsAreCounted(Vertx vertx, VertxTestContext ctx) {
    SimulatedExchangeOptions fast = FeedHarness.exchangeOptions().setTradesPerSecond(5_000);
    FeedHarness.start(vertx, fast, o -> o.setQueueCapacity(20).setDeliveryBatchMax(1)).compose(h -> {
      // A consumer that takes 200 ms per message: far slower than the feed's ~70 messages/s.
      h.feed.handler(batch -> {
        h.received.addAll(batch);
        Promise<Void> done = Promise.promise();
        vertx.setTimer(200, t -> done.complete());
        return done.future();
      });
      return h.until(20_000, "heartbeats answered while the consumer lags",
          () -> h.exchange.stats().testRequestsAnswered() >= 10 && h.count("tradekit.feed.queue.drops") > 0)
        .map(v -> {
          ctx.verify(() -> {
            assertThat(h.exchange.stats().heartbeatTimeouts()).isZero();
            assertThat(h.connects()).as("the connection survived").isEqualTo(1);
            assertThat(h.feed.isConnected()).isTrue();
          });
          return null;
        }).eventually(h::stop);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void garbageFramesAreCountedAndDroppedWithoutLosingTheConnection(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx).compose(h -> h.exchange.injectFault(Fault.of(Fault.Type.GARBAGE, 500))
      .compose(v -> h.until(5_000, "malformed frames counted", () -> h.count("tradekit.feed.frames.malformed") >= 3))
      .compose(v -> resumed(h, TRADES, System.nanoTime()))
      .map(v -> {
        ctx.verify(() -> assertThat(h.connects()).isEqualTo(1));
        return null;
      }).eventually(h::stop)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bookGapInvalidatesTheBookAndAFreshSnapshotRestoresIt(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx).compose(h -> h.until(5_000, "book snapshot", () -> h.messagesOn(BOOK) > 2)
      .compose(v -> h.exchange.injectFault(Fault.of(Fault.Type.GAP, 200)))
      .compose(v -> h.until(5_000, "gap detected", () -> h.count("tradekit.feed.book.gaps") >= 1))
      .compose(v -> h.until(5_000, "fresh snapshot after the gap", () -> h.received.stream().filter(m ->
          m.channel().equals(BOOK) && "snapshot".equals(((JsonObject) m.data()).getString("type"))).count() >= 2))
      // status() and book() are confined to the feed's context: read them there.
      .compose(v -> h.onFeed(() -> {
        ctx.verify(() -> {
          assertBookContinuous(h);
          assertThat(h.feed.status().getJsonArray("invalidBooks")).isEmpty();
          var book = h.feed.book(BOOK).orElseThrow();
          assertThat(book.isValid()).isTrue();
          assertThat(book.bestBid().orElseThrow().getKey()).isLessThan(book.bestAsk().orElseThrow().getKey());
        });
        return (Void) null;
      })).eventually(h::stop)).onComplete(ctx.succeedingThenComplete());
  }

  /** What the consumer saw of the book: each change continues the previous id, or follows a snapshot. */
  private static void assertBookContinuous(FeedHarness h) {
    Long last = null;
    for (FeedMessage m : h.received) {
      if (!m.channel().equals(BOOK)) {
        continue;
      }
      JsonObject book = (JsonObject) m.data();
      if ("snapshot".equals(book.getString("type"))) {
        last = book.getLong("change_id");
      } else {
        assertThat(book.getLong("prev_change_id")).isEqualTo(last);
        last = book.getLong("change_id");
      }
    }
  }

  @Test
  void rejectedSubscriptionIsReportedNotRetried(Vertx vertx, VertxTestContext ctx) {
    SimulatedExchangeOptions rejecting = FeedHarness.exchangeOptions().setFaults(java.util.List.of(Fault.of(Fault.Type.REJECT, 60_000)));
    FeedHarness.start(vertx, rejecting, UnaryOperator.identity()).compose(h ->
      h.until(5_000, "connected with rejections", () -> h.feed.isConnected())
        .map(v -> {
          ctx.verify(() -> {
            assertThat(h.feed.rejectedChannels()).containsExactlyInAnyOrder(TRADES, BOOK);
            assertThat(h.count("tradekit.feed.subscriptions.rejected")).isEqualTo(2);
            assertThat(h.connects()).isEqualTo(1);
          });
          return null;
        }).eventually(h::stop)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rateLimitWaitsTheCooldownBeforeReconnecting(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx).compose(h -> h.exchange.injectFault(Fault.of(Fault.Type.RATELIMIT, 200))
      .compose(v -> h.until(5_000, "disconnect after 10028", () -> h.transitions.stream().anyMatch(t -> t < 0)))
      .compose(v -> h.until(10_000, "reconnect", () -> h.connects() >= 2))
      .map(v -> {
        long down = -h.transitions.stream().filter(t -> t < 0).findFirst().orElseThrow();
        long up = h.transitions.stream().filter(t -> t > 0).skip(1).findFirst().orElseThrow();
        ctx.verify(() -> assertThat(TimeUnit.NANOSECONDS.toMillis(up - down)).as("waited the cool-down").isGreaterThanOrEqualTo(1_000));
        return null;
      }).eventually(h::stop)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stopDuringReconnectBackoffMakesNoFurtherAttempts(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx, FeedHarness.exchangeOptions(), o -> o.setReconnectMinMs(300).setReconnectMaxMs(300))
      .compose(h -> h.exchange.injectFault(Fault.of(Fault.Type.DROP, 60_000))
        .compose(v -> h.until(5_000, "in backoff", () -> h.transitions.stream().anyMatch(t -> t < 0)))
        .compose(v -> h.feed.stop())
        .compose(v -> h.exchange.clearFaults())
        .compose(v -> {
          long total = h.exchange.stats().connectionsTotal();
          Promise<Void> quiet = Promise.promise();
          // Three backoff periods with no new connection prove no attempt was pending.
          vertx.setTimer(900, t -> {
            ctx.verify(() -> assertThat(h.exchange.stats().connectionsTotal()).isEqualTo(total));
            quiet.complete();
          });
          return quiet.future();
        }).eventually(h::stop))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stopFailsPendingRequestsWithAClearError(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx).compose(h -> h.exchange.injectFault(Fault.of(Fault.Type.STALL, 5_000)).compose(v -> {
      Future<Object> pending = h.feed.request("public/test", new JsonObject());
      return h.feed.stop().compose(x -> pending.transform(ar -> {
        ctx.verify(() -> {
          assertThat(ar.failed()).isTrue();
          assertThat(ar.cause()).isInstanceOf(FeedClosedException.class).hasMessageContaining(h.name).hasMessageContaining("stopped");
        });
        return Future.<Void>succeededFuture();
      }));
    }).eventually(h::stop)).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void tradesKeepExactDecimalsAndLongIds(Vertx vertx, VertxTestContext ctx) {
    flowing(vertx).compose(h -> {
      ctx.verify(() -> {
        FeedMessage message = h.received.stream().filter(m -> m.channel().equals(TRADES)).findFirst().orElseThrow();
        Trade trade = ((TradeBatch) message.data()).trades().get(0);
        assertThat(new BigDecimal(trade.priceText())).isEqualByComparingTo(trade.price());
        assertThat(trade.price().remainder(new BigDecimal("0.5"))).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(trade.tradeSeq()).isPositive();
      });
      return h.stop();
    }).onComplete(ctx.succeedingThenComplete());
  }
}
