package io.tradekit.verticles.exchange;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A simulated Deribit v2 exchange: a WebSocket JSON-RPC endpoint {@code /ws/api/v2} serving
 * trades, book, ticker and chart channels from a seeded random market, the HTTP
 * {@code /api/v2/public/<method>} equivalents (including the trade history by trade_seq), the
 * private API over WebSocket and HTTP ({@code public/auth} with the configured test accounts,
 * {@code private/*} orders matched against the simulated market by the {@link MatchingEngine},
 * user notifications, cancel-on-disconnect), and an admin API to inject faults
 * ({@code /admin/faults}), read counters ({@code /admin/stats}) and read the exchange's own
 * records of orders, fills and positions ({@code /admin/private/*}).
 *
 * <p>A plain class so tests and benchmarks can run it without the supervisor; in a deployment
 * {@link SimulatedExchangeVerticle} owns one. {@link #start(Vertx)} binds everything to ONE
 * event-loop context (the caller's, or a new one when called from a non-Vert.x thread): all
 * connections, timers and state live there, so nothing is locked. The public methods may be
 * called from any thread; counters are readable at any time.
 *
 * <p>With {@code stateDir} set, the private account state is durable ({@link LedgerJournal}): it
 * is restored before the server listens, every change is written before it is acknowledged, and a
 * stop writes a snapshot.
 *
 * <p>Clients connect to a {@link TcpRelay} on the configured host/port that forwards bytes to the
 * internal HTTP server on a loopback port; the relay is what lets the drop fault cut TCP without
 * a close frame.
 */
public final class SimulatedExchange {

  /**
   * Told about every trade batch actually written to a client socket, for tests that need the
   * exact set of delivered trades. Called on the exchange's event loop: keep it cheap.
   */
  @FunctionalInterface
  public interface TradesWrittenListener {
    /** Trades {@code firstTradeSeq..lastTradeSeq} (consecutive) of {@code instrument} went to {@code connectionId}. */
    void written(String connectionId, String instrument, long firstTradeSeq, long lastTradeSeq);
  }

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedExchange.class);
  static final String WS_PATH = "/ws/api/v2";

  private final SimulatedExchangeOptions options;
  private final ExchangeStats stats = new ExchangeStats();
  private final Set<ExchangeConnection> connections = new LinkedHashSet<>();
  private volatile TradesWrittenListener listener;
  private Vertx vertx;
  private Context context;
  private HttpServer server;
  private FaultBoard faults;
  private PublicApi api;
  private MethodTable methods;
  private PrivateApi privateApi;
  private MatchingEngine engine;
  private MarketDataGenerator generator;
  private ExchangeHttpApi httpApi;
  private TcpRelay relay;
  /** The account state's journal, or null when it lives in memory only. */
  private LedgerJournal journal;
  private long connectionCounter;
  private volatile int port = -1;
  /** Set by {@link #stop()}: a start still reading the method table then binds nothing. */
  private volatile boolean stopRequested;

  public SimulatedExchange(SimulatedExchangeOptions options) {
    this.options = options;
  }

  /**
   * Binds the server and starts the market.
   *
   * @return the bound port (useful with {@code port: 0})
   */
  public Future<Integer> start(Vertx vertx) {
    if (this.vertx != null) {
      return Future.failedFuture(new IllegalStateException("simulated exchange already started"));
    }
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    // The table is a classpath resource: read it off the event loop, once.
    return vertx.executeBlocking(MethodTable::load, false).compose(table -> onContext(() -> {
      if (stopRequested) {
        return Future.failedFuture(new IllegalStateException("simulated exchange stopped while starting"));
      }
      methods = table;
      long startMs = System.currentTimeMillis();
      faults = new FaultBoard(vertx, this::onFaultActivated, options.getSeed());
      generator = new MarketDataGenerator(vertx, options, stats, faults, connections, () -> listener, startMs);
      api = new PublicApi(options, startMs, generator::sim);
      PrivateLedger ledger = new PrivateLedger(options.getPrivateHistorySize(), startMs);
      journal = options.isDurable()
        ? new LedgerJournal(vertx, Path.of(options.getStateDir()), options.getStateJournalMaxBytes()) : null;
      Consumer<Runnable> afterWrite = journal == null ? Runnable::run : journal::afterWrite;
      UserNotifier notifier = new UserNotifier(vertx, faults, connections, afterWrite);
      notifier.ledger(ledger);
      engine = new MatchingEngine(ledger, generator::sim, journal == null ? notifier : journal.recording(notifier),
        options.getClock());
      generator.tradesGenerated(engine::onTrades);
      privateApi = new PrivateApi(vertx, options, faults, stats, engine, afterWrite);
      httpApi = new ExchangeHttpApi(this);
      // The HTTP server is internal (loopback, free port); clients reach it through the relay.
      server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
      server.requestHandler(this::onRequest);
      relay = new TcpRelay(vertx);
      // The account state is back (books included) before anyone can connect or a trade is generated.
      Future<Void> restored = journal == null ? Future.succeededFuture()
        : journal.open(ledger, engine, options.getInstruments()::contains);
      return restored.map(v -> {
          seedAccounts(ledger);
          return v;
        }).compose(v -> server.listen())
        .compose(s -> relay.start(options.getHost(), options.getPort(), s.actualPort()))
        .recover(e -> journal == null ? Future.failedFuture(e) : journal.close().transform(ar -> Future.failedFuture(e)))
        .map(bound -> {
        port = bound;
        generator.start();
        options.getFaults().forEach(faults::inject);
        LOG.info("event=exchange.started host={} port={} instruments={} tradesPerSecond={} stateDir={}", options.getHost(), port,
          options.getInstruments(), options.isMaxTradeRate() ? "max" : options.getTradesPerSecond(),
          journal == null ? "none" : options.getStateDir());
        return port;
      });
    }));
  }

  /**
   * Applies the configured starting positions and resting orders of every account that has no
   * state yet (a fresh in-memory exchange, or a state directory that never saw the account).
   */
  private void seedAccounts(PrivateLedger ledger) {
    long anHourAgo = options.getClock().millis() - 3_600_000L;
    for (SimulatedExchangeOptions.Account a : options.getAccounts()) {
      boolean fresh = ledger.orders().stream().noneMatch(o -> o.account.equals(a.clientId()));
      if (!fresh) {
        continue;
      }
      a.startPositions().forEach((instrument, amount) -> {
        String key = "accounts[" + a.clientId() + "].positions." + instrument;
        if (!options.getInstruments().contains(instrument)) {
          throw new IllegalArgumentException(key + ": not one of the exchange's instruments " + options.getInstruments());
        }
        InstrumentSpec spec = InstrumentSpec.of(instrument);
        java.math.BigDecimal steps = amount.movePointRight(spec.amountScale);
        if (amount.signum() == 0 || steps.stripTrailingZeros().scale() > 0 || steps.longValue() % spec.contractSizeSteps != 0) {
          throw new IllegalArgumentException(key + ": expected a non-zero multiple of the contract size "
            + spec.contractSize().toPlainString() + ", got " + amount.toPlainString());
        }
        engine.seedPosition(a.clientId(), instrument, steps.longValueExact(), anHourAgo);
      });
      List<String> instruments = options.getInstruments();
      for (int i = 0; i < a.startOpenOrders(); i++) {
        engine.seedRestingOrder(a.clientId(), instruments.get(i % instruments.size()));
      }
    }
  }

  /** @return the method table every request is checked against (after {@link #start}) */
  MethodTable methods() {
    return methods;
  }

  /** Stops the market and closes the server and every connection. Idempotent. */
  public Future<Void> stop() {
    if (context == null) {
      return Future.succeededFuture();
    }
    stopRequested = true;
    return onContext(() -> {
      if (server == null) {
        return Future.succeededFuture();
      }
      generator.stop();
      faults.clear();
      privateApi.stop();
      HttpServer s = server;
      server = null;
      port = -1;
      // Connections closed by this stop do not trigger cancel-on-disconnect (see connectionClosed);
      // then the journal takes a final snapshot once every pending record is written.
      return relay.stop().eventually(s::close)
        .eventually(() -> journal == null ? Future.succeededFuture() : journal.close())
        .onComplete(ar -> LOG.info("event=exchange.stopped"));
    });
  }

  /** @return the bound port, or -1 when not running */
  public int port() {
    return port;
  }

  public SimulatedExchangeOptions options() {
    return options;
  }

  /** @return the live counters (readable from any thread) */
  public ExchangeStats stats() {
    return stats;
  }

  /** Activates {@code fault} for its duration on every open connection and new ones. */
  public Future<Void> injectFault(Fault fault) {
    return onContext(() -> {
      faults.inject(fault);
      return Future.succeededFuture();
    });
  }

  /**
   * Stops generating trades for good while everything else keeps running (connections, heartbeats,
   * books, the HTTP API and the trade history): once it completes, the per-instrument
   * {@code lastTradeSeqGenerated} in {@link #stats()} is final. For drills that compare what the
   * exchange generated with what was stored.
   */
  public Future<Void> haltTrading() {
    return onContext(() -> {
      generator.haltTrades();
      return Future.succeededFuture();
    });
  }

  /**
   * Changes the trade rate from now on (total over all instruments; {@link SimulatedExchangeOptions#MAX_RATE}
   * for as fast as the sockets drain), e.g. a burst that makes a receiver shed, then a normal rate.
   */
  public Future<Void> changeTradeRate(double tradesPerSecond) {
    if (!(tradesPerSecond >= 0)) {
      return Future.failedFuture(new IllegalArgumentException("tradesPerSecond: expected >= 0, got " + tradesPerSecond));
    }
    return onContext(() -> {
      generator.changeTradeRate(tradesPerSecond);
      return Future.succeededFuture();
    });
  }

  /** Ends every active fault. */
  public Future<Void> clearFaults() {
    return onContext(() -> {
      faults.clear();
      return Future.succeededFuture();
    });
  }

  /** @return the active faults with their remaining time */
  public Future<JsonArray> activeFaults() {
    return onContext(() -> Future.succeededFuture(faults.toJson()));
  }

  /**
   * @return every order the private API keeps (as {@code GET /admin/private/orders}): the Deribit
   *     order object plus {@code account}, oldest first
   */
  public Future<JsonArray> privateOrders() {
    return onContext(() -> Future.succeededFuture(privateApi.ledger().ordersJson(null)));
  }

  /** @return every own fill the private API keeps (as {@code GET /admin/private/fills}), oldest first */
  public Future<JsonArray> privateFills() {
    return onContext(() -> Future.succeededFuture(privateApi.ledger().fillsJson(null)));
  }

  /** @return every position that has had a fill (as {@code GET /admin/private/positions}) */
  public Future<JsonArray> privatePositions() {
    return onContext(() -> Future.succeededFuture(privateApi.ledger().positionsJson(null)));
  }

  /** Sets (or with null removes) the listener told about every trade batch written to a socket. */
  public SimulatedExchange tradesWrittenListener(TradesWrittenListener listener) {
    this.listener = listener;
    return this;
  }

  /** @return trades written to client sockets so far (all connections, all instruments) */
  public long tradesSent() {
    return stats.tradesSent();
  }

  /** @return trades of {@code instrument} written to client sockets so far */
  public long tradesSent(String instrument) {
    return stats.tradesSent(instrument);
  }

  /** @return the highest trade_seq of {@code instrument} written to a client, or -1 */
  public long lastTradeSeqSent(String instrument) {
    return stats.lastTradeSeqSent(instrument);
  }

  public long connectionsOpen() {
    return stats.connectionsOpen();
  }

  Vertx vertx() {
    return vertx;
  }

  FaultBoard faults() {
    return faults;
  }

  PublicApi api() {
    return api;
  }

  PrivateApi privateApi() {
    return privateApi;
  }

  TcpRelay relay() {
    return relay;
  }

  MarketDataGenerator generator() {
    return generator;
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    if (context == null) {
      return Future.failedFuture(new IllegalStateException("simulated exchange not started"));
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        action.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  private void onRequest(HttpServerRequest request) {
    if (!WS_PATH.equals(request.path())) {
      httpApi.handle(request);
      return;
    }
    if (!request.canUpgradeToWebSocket()) {
      request.response().setStatusCode(400).end("expected a WebSocket upgrade on " + WS_PATH);
      return;
    }
    request.toWebSocket().onSuccess(this::opened)
      .onFailure(e -> LOG.warn("event=exchange.upgrade.failed error={}", e.toString()));
  }

  private void opened(ServerWebSocket ws) {
    ExchangeConnection connection = new ExchangeConnection("c" + (++connectionCounter), this, ws);
    connections.add(connection);
    stats.connectionsOpen.incrementAndGet();
    stats.connectionsTotal.incrementAndGet();
    LOG.debug("event=exchange.connection.opened id={} remote={}", connection.id, ws.remoteAddress());
    connection.start();
  }

  void connectionClosed(ExchangeConnection connection) {
    if (connections.remove(connection)) {
      stats.connectionsOpen.decrementAndGet();
      LOG.debug("event=exchange.connection.closed id={}", connection.id);
      if (server != null) {
        privateApi.connectionClosed(connection);
      }
      // else: the exchange itself is stopping. Deribit keeps open orders when ITS side goes down,
      // and a kill could not cancel them either: a clean stop must not differ from a crash.
    }
  }

  private void onFaultActivated(Fault fault) {
    stats.faultsInjected.incrementAndGet();
    LOG.info("event=exchange.fault.injected fault={} connections={}", fault, connections.size());
    switch (fault.type()) {
      case DROP:
        new ArrayList<>(connections).forEach(ExchangeConnection::drop);
        break;
      case CLOSE:
        new ArrayList<>(connections).forEach(ExchangeConnection::closeGoingAway);
        break;
      case GAP:
        generator.injectGap();
        break;
      default:
        // The others are consulted at the moment a connection sends or answers.
        break;
    }
  }
}
