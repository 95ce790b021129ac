package io.tradekit.verticles.exchange;

import io.vertx.core.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The simulated exchange's private JSON-RPC API: {@code public/auth} and the {@code private/*}
 * methods (orders, queries, positions, cancel-on-disconnect), with the order faults applied to
 * {@code private/buy|sell}: refused with 10009 or 10028 (the latter also closes the session), or
 * accepted and then the reply lost, delayed, or the connection cut before it.
 *
 * <p>Two transports share one transport-neutral entry, {@link #answer} (account + method +
 * params → result or {@link RpcException}): {@link #call} for a WebSocket
 * {@link ExchangeConnection} and {@link #callOverHttp} for one HTTP request of
 * {@link ExchangeHttpApi}. Placement goes through {@link #place} with an {@link RpcTransport} so
 * its faults act on either. Called on the exchange's context. A WebSocket call needs the
 * connection's access token to be valid (13009 otherwise); the token_expiry fault expires it just
 * before the call (over HTTP: the bearer token's).
 */
final class PrivateApi {

  private static final Logger LOG = LoggerFactory.getLogger(PrivateApi.class);
  static final int NOT_ENOUGH_FUNDS = 10009;
  /** Deribit's "raw subscriptions are not available for unauthorized connections". */
  static final int RAW_NEEDS_AUTH = 13778;
  /** Deribit's ambiguous errors of a matching-engine call: the order may exist or not. */
  private record Ambiguous(int code, String message) {
  }

  private static final List<Ambiguous> AMBIGUOUS = List.of(new Ambiguous(13888, "timed_out"),
    new Ambiguous(11094, "internal_server_error"), new Ambiguous(10040, "retry"), new Ambiguous(10047, "matching_engine_queue_full"));
  /** Deribit's "must_be_websocket_request": a method HTTP cannot serve. */
  static final int MUST_BE_WEBSOCKET = 10030;

  private final Vertx vertx;
  private final SimulatedExchangeOptions options;
  private final FaultBoard faults;
  private final ExchangeStats stats;
  private final Accounts accounts;
  private final MatchingEngine engine;
  private final PrivateQueries queries;
  private final HistoryWindows windows;
  /** Timers of orders on their way to the matching engine (order_late_registration), cancelled at stop. */
  private final java.util.Set<Timer> lateRegistrations = new java.util.HashSet<>();
  /** Accounts whose cancel-on-disconnect was enabled over HTTP with scope account (see {@link #connectionClosed}). */
  private final Set<String> accountCancelOnDisconnect = new HashSet<>();
  private final Consumer<Runnable> afterWrite;

  /**
   * @param afterWrite runs a reply once every change before it is durable
   *     ({@link LedgerJournal#afterWrite}), so an acknowledged change survives a kill;
   *     {@code Runnable::run} when the state is in memory only
   */
  PrivateApi(Vertx vertx, SimulatedExchangeOptions options, FaultBoard faults, ExchangeStats stats,
             MatchingEngine engine, Consumer<Runnable> afterWrite) {
    this.vertx = vertx;
    this.options = options;
    this.faults = faults;
    this.stats = stats;
    this.accounts = new Accounts(options);
    this.engine = engine;
    this.windows = new HistoryWindows(options);
    this.queries = new PrivateQueries(options, engine, windows);
    this.afterWrite = afterWrite;
  }

  PrivateLedger ledger() {
    return engine.ledger();
  }

  /** {@code public/auth} over HTTP: the tokens, with no connection to authenticate. */
  JsonObject authOverHttp(JsonObject params) {
    return accounts.auth(params);
  }

  /**
   * @return the account of a bearer {@code accessToken} sent over HTTP (the token_expiry fault
   *     expires it first, as on a connection)
   * @throws RpcException 13009 when the token is unknown or expired
   */
  String accountOfBearer(String accessToken) {
    if (faults.take(Fault.Type.TOKEN_EXPIRY) != null) {
      accounts.expire(accessToken);
    }
    return accounts.accountOf(accessToken);
  }

  /** @see Accounts#verifySignature */
  String accountOfSignature(String clientId, long timestampMs, String nonce, String stringToSign, String signatureHex) {
    return accounts.verifySignature(clientId, timestampMs, nonce, stringToSign, signatureHex, System.currentTimeMillis());
  }

  /** {@code public/auth}: on success the connection is authenticated as the account. */
  JsonObject auth(ExchangeConnection c, JsonObject params) {
    JsonObject result = accounts.auth(params);
    c.session.accessToken = result.getString("access_token");
    c.session.account = accounts.accountOf(c.session.accessToken);
    LOG.debug("event=exchange.auth id={} account={} grant={}", c.id, c.session.account, params.getValue("grant_type"));
    return result;
  }

  /**
   * @return the account of the connection's valid access token
   * @throws RpcException 13009 when not authenticated, or the token expired (or the fault expired it)
   */
  String account(ExchangeConnection c) {
    if (c.session.authenticated() && faults.take(Fault.Type.TOKEN_EXPIRY) != null) {
      accounts.expire(c.session.accessToken);
    }
    return accounts.accountOf(c.session.accessToken);
  }

  /** Checks that a connection may subscribe to a {@code raw} channel: 13778 unauthenticated, 13009 expired. */
  void checkRawSubscription(ExchangeConnection c) {
    if (!c.session.authenticated()) {
      throw new RpcException(RAW_NEEDS_AUTH, "raw_subscriptions_not_available_for_unauthorized",
        new JsonObject().put("reason", "raw channels need an authenticated connection: call public/auth first"));
    }
    accounts.accountOf(c.session.accessToken);
  }

  /** Answers {@code method} (a {@code private/*} other than subscribe/unsubscribe) on {@code c}. */
  void call(ExchangeConnection c, Object id, String method, JsonObject params, long usIn) {
    String account = account(c);
    switch (method) {
      case "private/buy":
      case "private/sell":
        place(c, id, account, method.endsWith("buy"), params, usIn);
        return;
      case "private/enable_cancel_on_disconnect":
      case "private/disable_cancel_on_disconnect":
      case "private/get_cancel_on_disconnect":
        c.reply(id, cancelOnDisconnect(c.session, method, params), usIn);
        return;
      default:
        // Every private reply waits for the journal: a query must not show a change (e.g. a fill
        // of a resting order) that a kill could still take back.
        Object result = answer(account, method, params);
        afterWrite.accept(() -> c.reply(id, result, usIn));
    }
  }

  /**
   * Answers {@code method} for an HTTP request already authenticated as {@code account} (bearer
   * token or signature, checked by {@link ExchangeHttpApi}). buy/sell go through {@link #place}
   * with its faults; methods that need a connection are refused with 10030.
   *
   * @throws RpcException as the method's answer when it fails
   */
  void callOverHttp(RpcTransport t, String account, Object id, String method, JsonObject params, long usIn) {
    switch (method) {
      case "private/buy":
      case "private/sell":
        place(t, id, account, method.endsWith("buy"), params, usIn);
        return;
      case "private/subscribe":
      case "private/unsubscribe":
        throw websocketOnly(method, "subscriptions live on a WebSocket connection");
      case "private/enable_cancel_on_disconnect":
      case "private/disable_cancel_on_disconnect":
      case "private/get_cancel_on_disconnect":
        if (!"account".equals(codScope(params))) {
          throw websocketOnly(method, "scope connection needs a WebSocket connection; over HTTP use scope=account");
        }
        t.reply(id, accountCancelOnDisconnect(account, method), usIn);
        return;
      default:
        Object result = answer(account, method, params);
        afterWrite.accept(() -> t.reply(id, result, usIn));
    }
  }

  /**
   * The transport-neutral private methods: the result of {@code method} for {@code account}, the
   * same over WebSocket and HTTP. Not buy/sell (their faults need a transport, see {@link #place}),
   * subscriptions or cancel-on-disconnect.
   *
   * @throws RpcException -32601 for a method not answered here, -32602 naming a bad parameter, or the method's own error
   */
  Object answer(String account, String method, JsonObject params) {
    PrivateLedger ledger = engine.ledger();
    switch (method) {
      case "private/cancel":
        return engine.cancel(account, PublicApi.requiredString(params, "order_id")).toJson();
      case "private/cancel_by_label":
        return engine.cancelByLabel(account, PublicApi.requiredString(params, "label"), optional(params, "currency"));
      case "private/cancel_all":
        return engine.cancelAll(account, null);
      case "private/cancel_all_by_instrument":
        return engine.cancelAll(account, instrument(params));
      case "private/edit":
        return edit(orderOf(account, PublicApi.requiredString(params, "order_id")), params);
      case "private/edit_by_label":
        return edit(openOrderByLabel(account, PublicApi.requiredString(params, "label"), instrument(params)), params);
      case "private/get_open_orders_by_instrument":
        return orders(engine.openOrders(account, instrument(params)));
      case "private/get_open_orders":
        return orders(engine.openOrders(account, null));
      case "private/get_order_state":
        return recentOrderOf(account, PublicApi.requiredString(params, "order_id")).toJson();
      case "private/get_order_state_by_label":
        return ordersByLabel(account, PublicApi.requiredString(params, "label"), optional(params, "currency"));
      case "private/get_user_trades_by_instrument":
        return userTrades(account, params);
      case "private/get_positions":
        return positions(account, optional(params, "currency"));
      case "private/get_position":
        return ledger.positionJson(account, instrument(params));
      default:
        // The methods added for third-party clients (by currency, history, account summary).
        return queries.answer(account, method, params);
    }
  }

  /** The connection-scoped cancel-on-disconnect methods of a WebSocket session. */
  private Object cancelOnDisconnect(PrivateSession session, String method, JsonObject params) {
    switch (method) {
      case "private/enable_cancel_on_disconnect":
        String scope = codScope(params);
        session.cancelOnDisconnect = true;
        session.cancelWholeAccount = "account".equals(scope);
        return "ok";
      case "private/disable_cancel_on_disconnect":
        session.cancelOnDisconnect = false;
        return "ok";
      case "private/get_cancel_on_disconnect":
        return new JsonObject().put("scope", session.cancelWholeAccount ? "account" : "connection")
          .put("enabled", session.cancelOnDisconnect);
      default:
        throw RpcException.methodNotFound(method);
    }
  }

  private void place(RpcTransport c, Object id, String account, boolean buy, JsonObject params, long usIn) {
    OrderRequest request = OrderRequest.parse(params, buy, options.getInstruments());
    if (faults.take(Fault.Type.ORDER_TOO_MANY_REQUESTS) != null) {
      c.rateLimitClose(id, usIn, "matching engine request credits exhausted (simulated); session terminated");
      return;
    }
    if (faults.take(Fault.Type.ORDER_NOT_ENOUGH_FUNDS) != null) {
      throw new RpcException(NOT_ENOUGH_FUNDS, "not_enough_funds",
        new JsonObject().put("reason", "not enough funds for this order (simulated)"));
    }
    if (faults.take(Fault.Type.ORDER_LOST) != null) {
      stats.ordersLost.incrementAndGet();
      return;
    }
    Fault late = faults.take(Fault.Type.ORDER_LATE_REGISTRATION);
    if (late != null) {
      stats.orderRepliesWithheld.incrementAndGet();
      Timer arrival = vertx.timer(late.delayMs());
      lateRegistrations.add(arrival);
      arrival.onSuccess(v -> {
        lateRegistrations.remove(arrival);
        registerLate(account, c.id, request);
      });
      return;
    }
    Fault ambiguous = faults.take(Fault.Type.ORDER_AMBIGUOUS_ERROR);
    JsonObject result = engine.place(account, c.id, request).toJson();
    stats.ordersAccepted.incrementAndGet();
    if (ambiguous != null) {
      stats.ordersAmbiguous.incrementAndGet();
      Ambiguous error = AMBIGUOUS.get((int) ((stats.ordersAmbiguous.get() - 1) % AMBIGUOUS.size()));
      throw new RpcException(error.code(), error.message(),
        new JsonObject().put("reason", "the request's fate is unknown (simulated; the order was registered)"));
    }
    if (faults.take(Fault.Type.ORDER_DISCONNECT) != null) {
      stats.orderRepliesWithheld.incrementAndGet();
      c.drop();
      return;
    }
    if (faults.take(Fault.Type.ORDER_REPLY_LOST) != null) {
      stats.orderRepliesWithheld.incrementAndGet();
      return;
    }
    Fault delay = faults.take(Fault.Type.ORDER_REPLY_DELAY);
    if (delay != null) {
      stats.orderRepliesDelayed.incrementAndGet();
      afterWrite.accept(() -> vertx.setTimer(delay.delayMs(), t -> c.reply(id, result, usIn)));
      return;
    }
    afterWrite.accept(() -> c.reply(id, result, usIn));
  }

  /**
   * The exchange stops: orders still on their way to the matching engine (order_late_registration)
   * never arrive, as with a crash; nothing is placed (or journaled) after the stop.
   */
  void stop() {
    lateRegistrations.forEach(Timer::cancel);
    lateRegistrations.clear();
  }

  /** The order_late_registration fault's second half: the order reaches the matching engine now. */
  private void registerLate(String account, String connectionId, OrderRequest request) {
    try {
      engine.place(account, connectionId, request);
      stats.ordersAccepted.incrementAndGet();
    } catch (RpcException refused) {
      // Refused when it finally arrived (post_only cross, reduce_only...): as on Deribit, nothing
      // exists and nobody is told; only a look-up can say so.
      LOG.debug("event=exchange.order.late_refused account={} label={} code={}", account, request.label, refused.code());
    }
  }

  private JsonObject edit(Order order, JsonObject params) {
    long amount = OrderRequest.amount(params, "amount", order.instrument);
    long price = order.market ? 0 : OrderRequest.priceTicks(params, "price", order.instrument);
    // Deribit's edit takes post_only again, default TRUE per its schema: an edit that omits it
    // makes a limit order post-only (the worse case for a client that forgets it).
    boolean postOnly = !order.market && !Boolean.FALSE.equals(params.getValue("post_only"));
    boolean rejectPostOnly = postOnly && Boolean.TRUE.equals(params.getValue("reject_post_only"));
    return engine.edit(order, amount, price, postOnly, rejectPostOnly).toJson();
  }

  private Order orderOf(String account, String orderId) {
    Order order = engine.ledger().order(account, orderId);
    if (order == null) {
      throw new RpcException(MatchingEngine.ORDER_NOT_FOUND, "order_not_found",
        new JsonObject().put("reason", "no order " + orderId).put("param", "order_id"));
    }
    return order;
  }

  /** {@link #orderOf}, but a closed order past the history window is not found (10004), as on Deribit. */
  private Order recentOrderOf(String account, String orderId) {
    Order order = orderOf(account, orderId);
    if (!windows.recent(order)) {
      throw new RpcException(MatchingEngine.ORDER_NOT_FOUND, "order_not_found",
        new JsonObject().put("reason", "no recent order " + orderId + " (closed orders are kept for look-ups about 30 minutes)")
          .put("param", "order_id"));
    }
    return order;
  }

  private Order openOrderByLabel(String account, String label, String instrument) {
    Order found = null;
    for (Order o : engine.ledger().byLabel(account, label)) {
      if (o.isOpen() && o.instrument.equals(instrument)) {
        if (found != null) {
          throw RpcException.invalidParams("label", "more than one open order of " + instrument + " has label " + label);
        }
        found = o;
      }
    }
    if (found == null) {
      throw new RpcException(MatchingEngine.ORDER_NOT_FOUND, "order_not_found",
        new JsonObject().put("reason", "no open order of " + instrument + " with label " + label).put("param", "label"));
    }
    return found;
  }

  private JsonArray ordersByLabel(String account, String label, String currency) {
    JsonArray array = new JsonArray();
    for (Order o : engine.ledger().byLabel(account, label)) {
      // Deribit shows a closed order here only for about 30 minutes (the history window).
      if ((currency == null || "any".equals(currency) || currency.equals(o.spec.currency)) && windows.recent(o)) {
        array.add(o.toJson());
      }
    }
    return array;
  }

  private JsonObject userTrades(String account, JsonObject params) {
    // Types, enums and bounds were checked by the method table before any handler runs.
    String instrument = instrument(params);
    long count = PrivateQueries.optionalLong(params, "count", PublicApi.DEFAULT_TRADES_PER_PAGE);
    String sorting = params.getString("sorting", "default");
    long start = params.getValue("start_seq") == null ? Long.MIN_VALUE : PublicApi.requiredLong(params, "start_seq");
    long end = params.getValue("end_seq") == null ? Long.MAX_VALUE : PublicApi.requiredLong(params, "end_seq");
    long startMs = params.getValue("start_timestamp") == null ? Long.MIN_VALUE : PublicApi.requiredLong(params, "start_timestamp");
    long endMs = params.getValue("end_timestamp") == null ? Long.MAX_VALUE : PublicApi.requiredLong(params, "end_timestamp");
    boolean historical = PrivateQueries.historical(params);
    return engine.ledger().userTrades(account, instrument, start, end, startMs, endMs, (int) count, "asc".equals(sorting),
      windows.trades(historical));
  }

  private JsonArray positions(String account, String currency) {
    JsonArray array = new JsonArray();
    for (String instrument : options.getInstruments()) {
      if (currency == null || "any".equals(currency) || currency.equals(InstrumentSpec.of(instrument).currency)) {
        array.add(engine.ledger().positionJson(account, instrument));
      }
    }
    return array;
  }

  private static JsonArray orders(List<Order> orders) {
    JsonArray array = new JsonArray();
    orders.forEach(o -> array.add(o.toJson()));
    return array;
  }

  private String instrument(JsonObject params) {
    return instrument(params, options.getInstruments());
  }

  /** @return {@code instrument_name}, one of the exchange's {@code instruments}; -32602 naming it otherwise */
  static String instrument(JsonObject params, List<String> instruments) {
    String instrument = PublicApi.requiredString(params, "instrument_name");
    if (!instruments.contains(instrument)) {
      throw RpcException.invalidParams("instrument_name", "unknown instrument " + instrument);
    }
    return instrument;
  }

  private static String optional(JsonObject params, String name) {
    return params.getValue(name) == null ? null : PublicApi.requiredString(params, name);
  }

  private static String codScope(JsonObject params) {
    String scope = params.getValue("scope") == null ? "connection" : PublicApi.requiredString(params, "scope");
    if (!List.of("connection", "account").contains(scope)) {
      throw RpcException.invalidParams("scope", "expected connection or account, got " + scope);
    }
    return scope;
  }

  /**
   * Cancel-on-disconnect with scope account, set over HTTP: while enabled, any WebSocket connection
   * of the account that closes cancels all the account's orders.
   */
  private Object accountCancelOnDisconnect(String account, String method) {
    switch (method) {
      case "private/enable_cancel_on_disconnect":
        accountCancelOnDisconnect.add(account);
        return "ok";
      case "private/disable_cancel_on_disconnect":
        accountCancelOnDisconnect.remove(account);
        return "ok";
      default:
        return new JsonObject().put("scope", "account").put("enabled", accountCancelOnDisconnect.contains(account));
    }
  }

  /** Deribit's 10030 must_be_websocket_request, for a method HTTP cannot serve. */
  static RpcException websocketOnly(String method, String reason) {
    return new RpcException(MUST_BE_WEBSOCKET, "must_be_websocket_request",
      new JsonObject().put("reason", method + ": " + reason).put("method", method));
  }

  /** Cancel-on-disconnect and the held notification, when {@code c} has closed. */
  void connectionClosed(ExchangeConnection c) {
    PrivateSession s = c.session;
    if (s.heldTimer >= 0) {
      vertx.cancelTimer(s.heldTimer);
      s.heldTimer = -1;
    }
    s.heldFrame = null;
    boolean wholeAccount = s.account != null && accountCancelOnDisconnect.contains(s.account);
    if ((s.cancelOnDisconnect || wholeAccount) && s.account != null) {
      int n = engine.cancelOnDisconnect(s.account, c.id, s.cancelWholeAccount || wholeAccount);
      LOG.info("event=exchange.cancel_on_disconnect id={} account={} cancelled={}", c.id, s.account, n);
    }
  }
}
