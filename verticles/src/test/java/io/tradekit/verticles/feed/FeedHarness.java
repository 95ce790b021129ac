package io.tradekit.verticles.feed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.tradekit.feed.FeedClient;
import io.tradekit.feed.FeedMessage;
import io.tradekit.feed.FeedOptions;
import io.tradekit.health.KitMetrics;
import io.tradekit.verticles.exchange.SimulatedExchange;
import io.tradekit.verticles.exchange.SimulatedExchangeOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/** A real simulated exchange and a feed client connected to it, with what the consumer received. */
final class FeedHarness {

  static final String INSTRUMENT = "BTC-PERPETUAL";
  static final String TRADES = "trades." + INSTRUMENT + ".100ms";
  static final String BOOK = "book." + INSTRUMENT + ".100ms";
  static final long HEARTBEAT_MS = 300;
  static final int STALL_FACTOR = 3;

  final Vertx vertx;
  final SimulatedExchange exchange;
  final FeedClient feed;
  final String name;
  final List<FeedMessage> received = new CopyOnWriteArrayList<>();
  /** nanoTime of each connection change, positive = connected, negative = disconnected */
  final List<Long> transitions = new CopyOnWriteArrayList<>();
  private Context feedContext;

  private FeedHarness(Vertx vertx, SimulatedExchange exchange, FeedClient feed, String name) {
    this.vertx = vertx;
    this.exchange = exchange;
    this.feed = feed;
    this.name = name;
  }

  static Future<FeedHarness> start(Vertx vertx, SimulatedExchangeOptions exchangeOptions, UnaryOperator<FeedOptions> customize) {
    SimulatedExchange exchange = new SimulatedExchange(exchangeOptions.setMinHeartbeatIntervalMs(100));
    return exchange.start(vertx).map(port -> {
      String name = "test-" + UUID.randomUUID().toString().substring(0, 8);
      FeedOptions options = customize.apply(new FeedOptions().setName(name)
        .setUrl("ws://127.0.0.1:" + port + "/ws/api/v2").setChannels(List.of(TRADES, BOOK))
        .setHeartbeatIntervalMs(HEARTBEAT_MS).setStallFactor(STALL_FACTOR).setRequestTimeoutMs(1_000)
        .setReconnectMinMs(50).setReconnectMaxMs(200).setRateLimitCooldownMs(1_000));
      FeedHarness harness = new FeedHarness(vertx, exchange, new FeedClient(vertx, options), name);
      harness.feed.handler(batch -> {
        harness.received.addAll(batch);
        return Future.succeededFuture();
      }).connectionHandler(up -> harness.transitions.add(up ? System.nanoTime() : -System.nanoTime()));
      return harness;
    }).compose(h -> {
      // The feed binds to the context it is started on; status() and book() are read there.
      h.feedContext = vertx.getOrCreateContext();
      return h.feed.start().map(h);
    });
  }

  /** Runs {@code read} on the feed's context (where its state is confined) and returns the result. */
  <T> Future<T> onFeed(Supplier<T> read) {
    Promise<T> result = Promise.promise();
    feedContext.runOnContext(v -> result.complete(read.get()));
    return result.future();
  }

  /** @return the value of the gauge {@code meter} of this feed, or NaN when there is no such gauge */
  double gauge(String meter) {
    Gauge gauge = KitMetrics.of(vertx).registry().find(meter).tag("feed", name).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  static SimulatedExchangeOptions exchangeOptions() {
    return new SimulatedExchangeOptions().setInstruments(List.of(INSTRUMENT)).setTradesPerSecond(100)
      .setBookChangesPerSecond(20);
  }

  double count(String meter) {
    Counter counter = KitMetrics.of(vertx).registry().find(meter).tag("feed", name).counter();
    return counter == null ? 0 : counter.count();
  }

  long messagesOn(String channel) {
    return received.stream().filter(m -> m.channel().equals(channel)).count();
  }

  long connects() {
    return transitions.stream().filter(t -> t > 0).count();
  }

  Future<Void> stop() {
    return feed.stop().eventually(exchange::stop);
  }

  /** Completes when {@code condition} holds, checking every 10 ms, or fails after {@code timeoutMs}. */
  Future<Void> until(long timeoutMs, String what, BooleanSupplier condition) {
    Promise<Void> done = Promise.promise();
    long deadline = System.currentTimeMillis() + timeoutMs;
    long[] timer = new long[1];
    timer[0] = vertx.setPeriodic(10, t -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(timer[0]);
        done.tryComplete();
      } else if (System.currentTimeMillis() > deadline) {
        vertx.cancelTimer(timer[0]);
        done.tryFail(what + " did not happen within " + timeoutMs + " ms");
      }
    });
    return done.future();
  }
}
