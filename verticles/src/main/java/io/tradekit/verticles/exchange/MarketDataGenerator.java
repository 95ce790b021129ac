package io.tradekit.verticles.exchange;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one market of a {@link SimulatedExchange}: periodic timers generate trades, book changes,
 * tickers and chart samples, and push each to every subscribed connection (all subscribers see
 * the same trades). Each timer tick produces {@code rate x period} events, so the event loop is
 * never held; at the {@code max} trade rate a tick writes chunks until a subscriber's write queue
 * is full or a small time budget is spent, instead of buffering without bound.
 *
 * <p>Created and used only on the exchange's event-loop context.
 */
final class MarketDataGenerator {

  /** Trades per notification at the max rate: large enough to amortise framing, small enough to batch. */
  static final int MAX_RATE_CHUNK = 100;
  /** Time one max-rate tick may spend writing, far below the 200 ms blocked-thread warning. */
  static final long MAX_RATE_BUDGET_NANOS = 10_000_000;

  private final Vertx vertx;
  private final SimulatedExchangeOptions options;
  private final ExchangeStats stats;
  private final FaultBoard faults;
  private final Collection<ExchangeConnection> connections;
  private final Supplier<SimulatedExchange.TradesWrittenListener> listener;
  private final Map<String, InstrumentSim> sims = new LinkedHashMap<>();
  private final List<InstrumentSim> simList;
  private final Set<String> gapPending = new HashSet<>();
  private final List<Long> timers = new ArrayList<>();
  private long tradeTimer = -1;
  /** Told about every generated trade batch (the matching engine fills resting orders from it). */
  private java.util.function.Consumer<InstrumentSim.TradeBatch> tradesGenerated = b -> { };
  private double tradeCarry;
  private double bookCarry;
  private int tradeRoundRobin;
  private int bookRoundRobin;

  MarketDataGenerator(Vertx vertx, SimulatedExchangeOptions options, ExchangeStats stats, FaultBoard faults,
                      Collection<ExchangeConnection> connections, Supplier<SimulatedExchange.TradesWrittenListener> listener,
                      long startMs) {
    this.vertx = vertx;
    this.options = options;
    this.stats = stats;
    this.faults = faults;
    this.connections = connections;
    this.listener = listener;
    List<String> names = options.getInstruments();
    for (int i = 0; i < names.size(); i++) {
      sims.put(names.get(i), new InstrumentSim(names.get(i), i, names.size(), options.getSeed(), startMs,
        options.getTradeHistorySize()));
    }
    this.simList = new ArrayList<>(sims.values());
  }

  /** Starts the timers; call on the exchange context. */
  void start() {
    startTrades();
    timers.add(vertx.setPeriodic(options.getGeneratorTickMs(), t -> onBookTick()));
    timers.add(vertx.setPeriodic(options.getTickerIntervalMs(), t -> onTicker()));
    timers.add(vertx.setPeriodic(options.getChartIntervalMs(), t -> onChart()));
  }

  private void startTrades() {
    long tick = options.isMaxTradeRate() ? 1 : options.getGeneratorTickMs();
    tradeTimer = vertx.setPeriodic(tick, t -> onTradeTick(tick));
    timers.add(tradeTimer);
  }

  /** Generates trades at {@code tradesPerSecond} (or {@link SimulatedExchangeOptions#MAX_RATE}) from now on. */
  void changeTradeRate(double tradesPerSecond) {
    haltTrades();
    options.setTradesPerSecond(tradesPerSecond);
    tradeCarry = 0;
    startTrades();
  }

  /** Stops generating trades for good (books, tickers and the history stay); idempotent. */
  void haltTrades() {
    if (tradeTimer >= 0) {
      vertx.cancelTimer(tradeTimer);
      timers.remove(tradeTimer);
      tradeTimer = -1;
    }
  }

  void stop() {
    timers.forEach(vertx::cancelTimer);
    timers.clear();
  }

  /** Sets who is told about every generated trade batch, before it is delivered. */
  void tradesGenerated(java.util.function.Consumer<InstrumentSim.TradeBatch> sink) {
    this.tradesGenerated = sink;
  }

  InstrumentSim sim(String instrument) {
    return sims.get(instrument);
  }

  /** The gap fault: the next book change of every instrument is generated but not delivered. */
  void injectGap() {
    gapPending.addAll(sims.keySet());
  }

  /** Sends snapshots for new book channels and starts tracking candles for new chart channels. */
  void subscribed(ExchangeConnection connection, List<Channel> added) {
    long now = System.currentTimeMillis();
    for (Channel channel : added) {
      InstrumentSim sim = sims.get(channel.instrument);
      if (channel.kind == Channel.Kind.BOOK) {
        connection.sendData(channel, notification(channel.name, sim.bookSnapshot(now).encode()));
      } else if (channel.kind == Channel.Kind.CHART) {
        sim.candle(channel.interval, now);
      }
    }
  }

  private void onTradeTick(long tickMs) {
    if (options.isMaxTradeRate()) {
      maxRateTick();
      return;
    }
    tradeCarry += options.getTradesPerSecond() * tickMs / 1000.0;
    int total = (int) tradeCarry;
    tradeCarry -= total;
    if (total == 0) {
      return;
    }
    long now = System.currentTimeMillis();
    int n = simList.size();
    int each = total / n;
    int extra = total % n;
    for (int i = 0; i < n; i++) {
      // The remainder rotates over instruments so low rates still reach all of them evenly.
      int count = each + (Math.floorMod(i - tradeRoundRobin, n) < extra ? 1 : 0);
      if (count > 0) {
        deliverTrades(simList.get(i).nextTrades(count, now));
      }
    }
    tradeRoundRobin = (tradeRoundRobin + extra) % n;
  }

  /**
   * As fast as the subscribers drain: chunks go only to instruments somebody subscribed to, and
   * the tick ends as soon as any subscriber's write queue is full (its backlog stays bounded).
   */
  private void maxRateTick() {
    long deadline = System.nanoTime() + MAX_RATE_BUDGET_NANOS;
    while (System.nanoTime() < deadline) {
      boolean wrote = false;
      for (InstrumentSim sim : simList) {
        if (!allTradeSubscribersWritable(sim.name)) {
          return;
        }
        if (hasTradeSubscriber(sim.name)) {
          deliverTrades(sim.nextTrades(MAX_RATE_CHUNK, System.currentTimeMillis()));
          wrote = true;
        }
      }
      if (!wrote) {
        return;
      }
    }
  }

  private boolean hasTradeSubscriber(String instrument) {
    for (ExchangeConnection c : connections) {
      for (Channel ch : c.subscriptions()) {
        if (ch.kind == Channel.Kind.TRADES && ch.instrument.equals(instrument)) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean allTradeSubscribersWritable(String instrument) {
    for (ExchangeConnection c : connections) {
      for (Channel ch : c.subscriptions()) {
        if (ch.kind == Channel.Kind.TRADES && ch.instrument.equals(instrument) && !c.writable()) {
          return false;
        }
      }
    }
    return true;
  }

  private void deliverTrades(InstrumentSim.TradeBatch batch) {
    stats.tradesGenerated(batch.instrument, batch.count, batch.firstSeq, batch.lastSeq);
    tradesGenerated.accept(batch);
    // The withhold fault: the first trades of the batch exist (history, stats) but reach no socket.
    int withheld = faults.withhold(batch.instrument, batch.count);
    if (withheld > 0) {
      stats.tradesWithheld.addAndGet(withheld);
      if (withheld == batch.count) {
        return;
      }
    }
    long firstSeq = batch.firstSeq + withheld;
    int count = batch.count - withheld;
    String data = withheld == 0 ? batch.dataJson : batch.dataJsonFrom(firstSeq);
    Map<String, String> frames = new HashMap<>(4);
    // Copy: a write can complete a close synchronously and remove the connection from the set.
    for (ExchangeConnection c : new ArrayList<>(connections)) {
      for (Channel ch : c.subscriptions()) {
        if (ch.kind != Channel.Kind.TRADES || !ch.instrument.equals(batch.instrument)) {
          continue;
        }
        String frame = frames.computeIfAbsent(ch.name, name -> notification(name, data));
        if (c.sendData(ch, frame)) {
          stats.tradesWritten(batch.instrument, count, firstSeq, batch.lastSeq);
          SimulatedExchange.TradesWrittenListener l = listener.get();
          if (l != null) {
            l.written(c.id, batch.instrument, firstSeq, batch.lastSeq);
          }
        } else {
          stats.tradesNotSent.addAndGet(count);
        }
      }
    }
  }

  private void onBookTick() {
    if (faults.isActive(Fault.Type.GARBAGE)) {
      // One junk frame per connection per tick, interleaved with the normal data.
      new ArrayList<>(connections).forEach(ExchangeConnection::sendGarbage);
    }
    bookCarry += options.getBookChangesPerSecond() * options.getGeneratorTickMs() / 1000.0;
    int total = (int) bookCarry;
    bookCarry -= total;
    long now = System.currentTimeMillis();
    for (int i = 0; i < total; i++) {
      InstrumentSim sim = simList.get(bookRoundRobin);
      bookRoundRobin = (bookRoundRobin + 1) % simList.size();
      JsonObject change = sim.nextBookChange(now);
      if (gapPending.remove(sim.name)) {
        stats.bookChangesSkipped.incrementAndGet();
        continue;
      }
      deliver(Channel.Kind.BOOK, sim.name, change.encode(), true);
    }
  }

  private void onTicker() {
    long now = System.currentTimeMillis();
    for (InstrumentSim sim : simList) {
      String data = null;
      for (ExchangeConnection c : new ArrayList<>(connections)) {
        for (Channel ch : c.subscriptions()) {
          if (ch.kind == Channel.Kind.TICKER && ch.instrument.equals(sim.name)) {
            data = data != null ? data : sim.ticker(now).encode();
            c.sendData(ch, notification(ch.name, data));
          }
        }
      }
    }
  }

  private void onChart() {
    long now = System.currentTimeMillis();
    for (ExchangeConnection c : new ArrayList<>(connections)) {
      for (Channel ch : c.subscriptions()) {
        if (ch.kind == Channel.Kind.CHART) {
          String data = sims.get(ch.instrument).candle(ch.interval, now).sample(now).encode();
          c.sendData(ch, notification(ch.name, data));
        }
      }
    }
  }

  private void deliver(Channel.Kind kind, String instrument, String data, boolean countBook) {
    for (ExchangeConnection c : new ArrayList<>(connections)) {
      for (Channel ch : c.subscriptions()) {
        if (ch.kind == kind && ch.instrument.equals(instrument) && c.sendData(ch, notification(ch.name, data)) && countBook) {
          stats.bookChangesSent.incrementAndGet();
        }
      }
    }
  }

  static String notification(String channel, String dataJson) {
    return "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"" + channel
      + "\",\"data\":" + dataJson + "}}";
  }
}
