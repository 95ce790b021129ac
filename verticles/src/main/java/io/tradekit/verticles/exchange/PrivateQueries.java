package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.LongPredicate;

/**
 * The read-only private methods that widely used third-party Deribit clients call to load open
 * orders, trade history and balances: {@code private/get_open_orders_by_currency},
 * {@code get_open_orders_by_label}, {@code get_user_trades_by_currency},
 * {@code get_user_trades_by_instrument_and_time}, {@code get_user_trades_by_order},
 * {@code get_order_history_by_instrument} and {@code get_account_summary}. Parameters and result
 * shapes follow Deribit's OpenAPI (see {@code deribit-methods.md}); bad input is a -32602 naming
 * the parameter.
 *
 * <p>Simplifications, documented for tests: every simulated instrument is a perpetual future, so
 * {@code kind} other than {@code future}/{@code any} and trigger order {@code type}s match nothing;
 * {@code historical} follows Deribit's windows ({@link HistoryWindows}: the recent part, or only
 * the older archive). Called by {@link PrivateApi#answer} on the exchange's event-loop context; each call
 * scans at most the ledger's bounded history.
 */
final class PrivateQueries {

  /** Default {@code count} of {@code get_order_history_by_instrument} (its bounds are in the method table). */
  static final int DEFAULT_HISTORY_COUNT = 20;
  /** Orders older than this are hidden from order history unless {@code include_old} (Deribit: 2 days). */
  static final long OLD_ORDER_MS = 2 * 86_400_000L;
  /** Margin model of the account summary: initial margin 1 % of the notional, maintenance 0.5 %. */
  static final BigDecimal INITIAL_MARGIN_RATE = new BigDecimal("0.01");
  static final BigDecimal MAINTENANCE_MARGIN_RATE = new BigDecimal("0.005");
  private static final int SCALE = 8;

  private final SimulatedExchangeOptions options;
  private final MatchingEngine engine;
  private final HistoryWindows windows;

  PrivateQueries(SimulatedExchangeOptions options, MatchingEngine engine, HistoryWindows windows) {
    this.windows = windows;
    this.options = options;
    this.engine = engine;
  }

  /**
   * @return the result of {@code method} for {@code account}
   * @throws RpcException -32601 for a method not served here, -32602 naming a bad parameter
   */
  Object answer(String account, String method, JsonObject params) {
    switch (method) {
      case "private/get_open_orders_by_currency":
        return openOrdersByCurrency(account, params);
      case "private/get_open_orders_by_label":
        return openOrdersByLabel(account, params);
      case "private/get_user_trades_by_currency":
        return userTradesByCurrency(account, params);
      case "private/get_user_trades_by_instrument_and_time":
        return userTradesByInstrumentAndTime(account, params);
      case "private/get_user_trades_by_order":
        return userTradesByOrder(account, params);
      case "private/get_order_history_by_instrument":
        return orderHistory(account, params);
      case "private/get_account_summary":
        return accountSummary(account, params);
      default:
        throw RpcException.methodNotFound(method);
    }
  }

  // ---- instrument facts -------------------------------------------------------------------

  /**
   * @return the P&L in settlement currency of {@code size} closed (or marked) at {@code price}
   *     from {@code averagePrice}: inverse {@code size × (1/avg − 1/price)}, linear
   *     {@code size × (price − avg)}, negated for a short; 0 when either price is 0
   */
  static BigDecimal pnl(String instrument, boolean wasLong, long size, BigDecimal averagePrice, BigDecimal price) {
    if (averagePrice.signum() == 0 || price.signum() == 0 || size == 0) {
      return BigDecimal.ZERO;
    }
    InstrumentSpec spec = InstrumentSpec.of(instrument);
    BigDecimal amount = spec.amount(size);
    BigDecimal pl = spec.linear
      ? amount.multiply(price.subtract(averagePrice))
      : amount.divide(averagePrice, SCALE + 4, RoundingMode.HALF_EVEN).subtract(amount.divide(price, SCALE + 4, RoundingMode.HALF_EVEN));
    return wasLong ? pl : pl.negate();
  }

  // ---- open orders ---------------------------------------------------------------------------

  private JsonArray openOrdersByCurrency(String account, JsonObject params) {
    String currency = params.getString("currency");
    String kind = params.getString("kind", "any");
    String type = params.getString("type", "all");
    JsonArray array = new JsonArray();
    if (!kindMatches(kind) || !("all".equals(type) || "limit".equals(type))) {
      // Only resting limit futures exist here: trigger order types and other kinds match nothing.
      return array;
    }
    for (Order o : engine.openOrders(account, null)) {
      if (currency.equals(o.spec.currency)) {
        array.add(o.toJson());
      }
    }
    return array;
  }

  private JsonArray openOrdersByLabel(String account, JsonObject params) {
    String currency = params.getString("currency");
    String label = params.getValue("label") == null ? null : String.valueOf(params.getValue("label"));
    JsonArray array = new JsonArray();
    for (Order o : engine.openOrders(account, null)) {
      if (currency.equals(o.spec.currency) && (label == null || label.equals(o.label))) {
        array.add(o.toJson());
      }
    }
    return array;
  }

  // ---- user trades ---------------------------------------------------------------------------

  private JsonObject userTradesByCurrency(String account, JsonObject params) {
    String currency = params.getString("currency");
    String kind = params.getString("kind", "any");
    long startId = params.getValue("start_id") == null ? Long.MIN_VALUE : tradeIdNumber(params, "start_id");
    long endId = params.getValue("end_id") == null ? Long.MAX_VALUE : tradeIdNumber(params, "end_id");
    long startMs = optionalLong(params, "start_timestamp", Long.MIN_VALUE);
    long endMs = optionalLong(params, "end_timestamp", Long.MAX_VALUE);
    int count = (int) optionalLong(params, "count", PublicApi.DEFAULT_TRADES_PER_PAGE);
    boolean ascending = "asc".equals(params.getString("sorting", "default"));
    LongPredicate visible = windows.trades(historical(params));
    List<Fill> matching = new ArrayList<>();
    if (kindMatches(kind)) {
      for (Fill f : engine.ledger().fills()) {
        long id = tradeIdNumber(f.tradeId);
        if (f.account.equals(account) && currency.equals(f.order.spec.currency) && id >= startId && id <= endId
          && f.timestampMs >= startMs && f.timestampMs <= endMs && visible.test(f.timestampMs)) {
          matching.add(f);
        }
      }
    }
    return page(matching, count, ascending);
  }

  private JsonObject userTradesByInstrumentAndTime(String account, JsonObject params) {
    String instrument = PrivateApi.instrument(params, options.getInstruments());
    long startMs = PublicApi.requiredLong(params, "start_timestamp");
    long endMs = PublicApi.requiredLong(params, "end_timestamp");
    int count = (int) optionalLong(params, "count", PublicApi.DEFAULT_TRADES_PER_PAGE);
    boolean ascending = "asc".equals(params.getString("sorting", "default"));
    LongPredicate visible = windows.trades(historical(params));
    List<Fill> matching = new ArrayList<>();
    for (Fill f : engine.ledger().fills(account, instrument)) {
      if (f.timestampMs >= startMs && f.timestampMs <= endMs && visible.test(f.timestampMs)) {
        matching.add(f);
      }
    }
    return page(matching, count, ascending);
  }

  /** Deribit's shape: a bare array of the order's fills (oldest first unless {@code sorting=desc}), no {@code has_more}. */
  private JsonArray userTradesByOrder(String account, JsonObject params) {
    String orderId = PublicApi.requiredString(params, "order_id");
    boolean descending = "desc".equals(params.getString("sorting", "default"));
    LongPredicate visible = windows.trades(historical(params));
    Order order = engine.ledger().order(account, orderId);
    // The order's own instrument queue when the order is still kept; a full scan when it was forgotten.
    Collection<Fill> candidates = order != null ? engine.ledger().fills(account, order.instrument) : engine.ledger().fills();
    List<Fill> matching = new ArrayList<>();
    for (Fill f : candidates) {
      if (f.account.equals(account) && f.orderId.equals(orderId) && visible.test(f.timestampMs)) {
        matching.add(f);
      }
    }
    if (descending) {
      Collections.reverse(matching);
    }
    JsonArray trades = new JsonArray();
    matching.forEach(f -> trades.add(f.toJson()));
    return trades;
  }

  /** {@code {trades, has_more}} of the first {@code count} of {@code oldestFirst}, newest first unless {@code ascending}. */
  private static JsonObject page(List<Fill> oldestFirst, int count, boolean ascending) {
    if (!ascending) {
      Collections.reverse(oldestFirst);
    }
    JsonArray trades = new JsonArray();
    for (int i = 0; i < Math.min(count, oldestFirst.size()); i++) {
      trades.add(oldestFirst.get(i).toJson());
    }
    return new JsonObject().put("trades", trades).put("has_more", oldestFirst.size() > count);
  }

  // ---- order history -------------------------------------------------------------------------

  /**
   * Closed orders of the instrument that filled (also those that filled nothing with
   * {@code include_unfilled}), newest first by last update, {@code offset} skipped, at most
   * {@code count}; orders created more than {@link #OLD_ORDER_MS} ago only with {@code include_old}.
   */
  private JsonArray orderHistory(String account, JsonObject params) {
    String instrument = PrivateApi.instrument(params, options.getInstruments());
    int count = (int) optionalLong(params, "count", DEFAULT_HISTORY_COUNT);
    long offset = optionalLong(params, "offset", 0);
    if (offset < 0) {
      throw RpcException.invalidParams("offset", "expected a whole number >= 0, got " + offset);
    }
    boolean includeOld = optionalBool(params, "include_old");
    boolean includeUnfilled = optionalBool(params, "include_unfilled");
    boolean historical = historical(params);
    if (optionalBool(params, "with_continuation") || params.getValue("continuation") != null) {
      throw RpcException.invalidParams(params.getValue("continuation") != null ? "continuation" : "with_continuation",
        "continuation paging is not supported by the simulated exchange, use count and offset");
    }
    long oldestMs = options.getClock().millis() - OLD_ORDER_MS;
    List<Order> matching = new ArrayList<>();
    for (Order o : engine.ledger().orders()) {
      if (o.account.equals(account) && o.instrument.equals(instrument) && !o.isOpen()
        && (includeUnfilled || o.filled > 0) && (includeOld || o.createdMs >= oldestMs)
        // Recent orders (30 min), or with historical=true only the older ones (the archive).
        && windows.recent(o) != historical) {
        matching.add(o);
      }
    }
    matching.sort(Comparator.comparingLong((Order o) -> o.lastUpdateMs).thenComparingLong(o -> o.priority).reversed());
    JsonArray array = new JsonArray();
    for (long i = offset; i < matching.size() && array.size() < count; i++) {
      array.add(matching.get((int) i).toJson());
    }
    return array;
  }

  // ---- account summary -----------------------------------------------------------------------

  /**
   * The account's balances in {@code currency}, from the configured starting balance, the
   * positions of the instruments settled in it (marked at the simulated last price) and fees:
   * balance = start + realized P&L − fees; equity = margin_balance = balance + unrealized P&L;
   * initial margin {@link #INITIAL_MARGIN_RATE} of position and open-order notional, maintenance
   * {@link #MAINTENANCE_MARGIN_RATE} of position notional; available_funds = margin_balance −
   * initial margin. Everything simulated is a future, so options figures are 0.
   */
  private JsonObject accountSummary(String account, JsonObject params) {
    String currency = params.getString("currency");
    boolean extended = optionalBool(params, "extended");
    PrivateLedger ledger = engine.ledger();
    BigDecimal upl = BigDecimal.ZERO;
    BigDecimal rpl = BigDecimal.ZERO;
    BigDecimal delta = BigDecimal.ZERO;
    BigDecimal positionNotional = BigDecimal.ZERO;
    for (String instrument : options.getInstruments()) {
      if (!currency.equals(InstrumentSpec.of(instrument).currency)) {
        continue;
      }
      PrivateLedger.Position p = ledger.existingPosition(account, instrument);
      if (p == null) {
        continue;
      }
      BigDecimal mark = engine.sim(instrument).lastPrice();
      rpl = rpl.add(p.realizedPl);
      upl = upl.add(pnl(instrument, p.size > 0, Math.abs(p.size), p.averagePrice, mark));
      delta = delta.add(baseAmount(instrument, p.size, mark));
      positionNotional = positionNotional.add(notional(instrument, Math.abs(p.size), mark));
    }
    BigDecimal ordersNotional = BigDecimal.ZERO;
    for (Order o : engine.openOrders(account, null)) {
      if (currency.equals(o.spec.currency)) {
        ordersNotional = ordersNotional.add(notional(o.instrument, o.remaining(), o.price(o.priceTicks)));
      }
    }
    BigDecimal start = startingBalance(account, currency);
    BigDecimal fees = ledger.feesPaid(account, currency);
    BigDecimal balance = start.add(rpl).subtract(fees);
    BigDecimal equity = balance.add(upl);
    BigDecimal initialMargin = positionNotional.add(ordersNotional).multiply(INITIAL_MARGIN_RATE);
    BigDecimal maintenanceMargin = positionNotional.multiply(MAINTENANCE_MARGIN_RATE);
    BigDecimal available = equity.subtract(initialMargin);
    BigDecimal totalPl = upl.add(rpl);
    JsonObject summary = new JsonObject()
      .put("currency", currency)
      .put("balance", n(balance))
      .put("equity", n(equity))
      .put("margin_balance", n(equity))
      .put("available_funds", n(available))
      .put("available_withdrawal_funds", n(available.max(BigDecimal.ZERO).min(balance.max(BigDecimal.ZERO))))
      .put("initial_margin", n(initialMargin))
      .put("maintenance_margin", n(maintenanceMargin))
      .put("projected_initial_margin", n(initialMargin))
      .put("projected_maintenance_margin", n(maintenanceMargin))
      .put("total_pl", n(totalPl))
      .put("session_upl", n(upl))
      .put("session_rpl", n(rpl))
      .put("futures_pl", n(totalPl))
      .put("futures_session_upl", n(upl))
      .put("futures_session_rpl", n(rpl))
      .put("options_pl", 0)
      .put("options_session_upl", 0)
      .put("options_session_rpl", 0)
      .put("options_delta", 0)
      .put("options_gamma", 0)
      .put("options_vega", 0)
      .put("options_theta", 0)
      .put("delta_total", n(delta))
      .put("projected_delta_total", n(delta))
      .put("fee_balance", 0)
      .put("margin_model", "segregated_sm")
      .put("portfolio_margining_enabled", false)
      .put("cross_collateral_enabled", false);
    if (extended) {
      summary.put("username", account).put("type", "main").put("system_name", account)
        .put("id", Math.abs(account.hashCode()) % 1_000_000);
    }
    return summary;
  }

  private BigDecimal startingBalance(String account, String currency) {
    for (SimulatedExchangeOptions.Account a : options.getAccounts()) {
      if (a.clientId().equals(account)) {
        return a.balance(currency);
      }
    }
    return BigDecimal.ZERO;
  }

  /** @return {@code size} in base coin: inverse contracts are USD (÷ price), linear ones already coin */
  private static BigDecimal baseAmount(String instrument, long size, BigDecimal price) {
    InstrumentSpec spec = InstrumentSpec.of(instrument);
    if (spec.linear) {
      return spec.amount(size);
    }
    return price.signum() == 0 ? BigDecimal.ZERO : BigDecimal.valueOf(size).divide(price, SCALE, RoundingMode.HALF_EVEN);
  }

  /** @return the value of {@code size} at {@code price} in settlement currency (inverse: coin, linear: quote) */
  private static BigDecimal notional(String instrument, long size, BigDecimal price) {
    InstrumentSpec spec = InstrumentSpec.of(instrument);
    return spec.linear ? spec.amount(size).multiply(price) : baseAmount(instrument, size, price);
  }

  private static BigDecimal n(BigDecimal value) {
    BigDecimal scaled = value.setScale(SCALE, RoundingMode.HALF_EVEN).stripTrailingZeros();
    return scaled.signum() == 0 ? BigDecimal.ZERO : scaled;
  }

  // ---- parameters ----------------------------------------------------------------------------

  private boolean kindMatches(String kind) {
    return "any".equals(kind) || "future".equals(kind);
  }

  static long optionalLong(JsonObject params, String name, long defaultValue) {
    return params.getValue(name) == null ? defaultValue : PublicApi.requiredLong(params, name);
  }

  /** @return a boolean parameter (JSON boolean, or "true"/"false" from an HTTP query), false when absent */
  static boolean optionalBool(JsonObject params, String name) {
    Object value = params.getValue(name);
    if (value == null) {
      return false;
    }
    if (value instanceof Boolean) {
      return (Boolean) value;
    }
    if ("true".equals(value) || "false".equals(value)) {
      return "true".equals(value);
    }
    throw RpcException.invalidParams(name, "expected true or false, got " + value);
  }

  /** @return {@code historical}: false (default) = the recent window only, true = only what is older (see {@link HistoryWindows}) */
  static boolean historical(JsonObject params) {
    return optionalBool(params, "historical");
  }

  /** @return the number of a trade id parameter: the simulator's {@code u<number>}, or the bare number */
  private static long tradeIdNumber(JsonObject params, String name) {
    String value = PublicApi.requiredString(params, name);
    try {
      return tradeIdNumber(value);
    } catch (NumberFormatException e) {
      throw RpcException.invalidParams(name, "expected a trade_id like u1234 (or its number), got " + value);
    }
  }

  private static long tradeIdNumber(String tradeId) {
    String digits = tradeId.toLowerCase(Locale.ROOT).startsWith("u") ? tradeId.substring(1) : tradeId;
    return Long.parseLong(digits);
  }
}
