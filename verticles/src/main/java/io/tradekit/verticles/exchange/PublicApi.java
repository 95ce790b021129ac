package io.tradekit.verticles.exchange;

import io.tradekit.feed.ExactJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The connection-independent public methods of the simulated exchange, shared by the WebSocket
 * JSON-RPC handler and {@code GET /api/v2/public/<method>}: {@code public/test},
 * {@code public/get_time}, {@code public/get_instruments} (every instrument when {@code currency} is
 * omitted, as the live exchange answers although the spec marks it required),
 * {@code public/get_currencies},
 * {@code public/get_tradingview_chart_data} and {@code public/get_last_trades_by_instrument} (by
 * {@code start_seq}/{@code end_seq}, from each instrument's bounded trade history).
 *
 * <p>Parameters arrive as JSON (WebSocket) or as strings (HTTP query), so readers accept numbers
 * written either way. Called on the exchange's event-loop context; every method is cheap and
 * bounded ({@link ChartHistory#MAX_CANDLES}; {@code count} at most 1000, checked by the {@link MethodTable}).
 */
final class PublicApi {

  /** Deribit's API version string, returned by {@code public/test}. */
  static final String VERSION = "1.2.26";
  static final Set<String> METHODS = Set.of("public/test", "public/get_time", "public/get_instruments", "public/get_currencies",
    "public/get_tradingview_chart_data", "public/get_last_trades_by_instrument");
  /** Deribit's default {@code count}. */
  static final int DEFAULT_TRADES_PER_PAGE = 10;

  private final SimulatedExchangeOptions options;
  private final Function<String, InstrumentSim> sims;
  private final long historyStartMs;
  private final long createdMs;

  PublicApi(SimulatedExchangeOptions options, long startMs, Function<String, InstrumentSim> sims) {
    this.options = options;
    this.sims = sims;
    this.createdMs = startMs - 30L * 86_400_000L;
    this.historyStartMs = options.getHistoryStartMs() > 0 ? options.getHistoryStartMs() : createdMs;
  }

  /**
   * @return the {@code result} of {@code method}
   * @throws RpcException -32601 for an unknown method, -32602 naming a bad parameter
   */
  Object call(String method, JsonObject params) {
    switch (method) {
      case "public/test":
        return new JsonObject().put("version", VERSION);
      case "public/get_time":
        return System.currentTimeMillis();
      case "public/get_instruments":
        return instruments(params);
      case "public/get_currencies":
        return currencies();
      case "public/get_tradingview_chart_data":
        return chartData(params);
      case "public/get_last_trades_by_instrument":
        return lastTrades(params);
      default:
        throw RpcException.methodNotFound(method);
    }
  }

  private JsonArray instruments(JsonObject params) {
    // Optional here: widely used clients call it without currency against the live exchange.
    // The values of currency and kind were checked by the method table.
    String currency = params.getString("currency", "any");
    String kind = params.getString("kind");
    JsonArray result = new JsonArray();
    List<String> names = options.getInstruments();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      InstrumentSpec spec = InstrumentSpec.of(name);
      boolean currencyMatches = "any".equals(currency) || spec.currency.equals(currency);
      if (!currencyMatches || (kind != null && !"future".equals(kind))) {
        continue;
      }
      result.add(new JsonObject()
        .put("instrument_name", name)
        .put("instrument_id", 100 + i)
        .put("kind", "future")
        .put("settlement_period", "perpetual")
        .put("base_currency", spec.baseCurrency)
        .put("quote_currency", spec.linear ? "USDC" : "USD")
        .put("settlement_currency", spec.currency)
        .put("counter_currency", spec.linear ? "USDC" : "USD")
        .put("instrument_type", spec.linear ? "linear" : "reversed")
        .put("tick_size", spec.tickSize)
        .put("contract_size", spec.contractSize())
        .put("min_trade_amount", spec.contractSize())
        .put("maker_commission", 0)
        .put("taker_commission", Fill.TAKER_FEE_RATE)
        .put("state", "open")
        .put("is_active", true)
        .put("creation_timestamp", createdMs)
        .put("expiration_timestamp", 32_503_708_800_000L)
        .put("price_index", spec.priceIndex()));
    }
    return result;
  }

  /**
   * {@code public/get_currencies}: the currencies the simulator settles in, with the fields
   * Deribit's Currency object requires (fees and confirmations are illustrative, not live values).
   */
  static JsonArray currencies() {
    return new JsonArray()
      .add(currency("BTC", "Bitcoin", "BITCOIN", "0.0001", 1, 8))
      .add(currency("ETH", "Ethereum", "ETHER", "0.0006", 1, 18))
      .add(currency("USDC", "USD Coin", "ETHER", "1", 1, 6));
  }

  private static JsonObject currency(String code, String name, String coinType, String fee, int confirmations, int decimals) {
    BigDecimal withdrawalFee = new BigDecimal(fee);
    return new JsonObject()
      .put("currency", code)
      .put("currency_long", name)
      .put("coin_type", coinType)
      .put("withdrawal_fee", withdrawalFee)
      .put("min_withdrawal_fee", withdrawalFee)
      .put("withdrawal_priorities", new JsonArray())
      .put("min_confirmations", confirmations)
      .put("in_cross_collateral_pool", true)
      .put("decimals", decimals);
  }

  private JsonObject chartData(JsonObject params) {
    String instrument = requiredString(params, "instrument_name");
    if (!options.getInstruments().contains(instrument)) {
      throw RpcException.invalidParams("instrument_name", "unknown instrument " + instrument);
    }
    long start = requiredLong(params, "start_timestamp");
    long end = requiredLong(params, "end_timestamp");
    String resolution = requiredString(params, "resolution");
    return ChartHistory.chartData(options.getSeed(), instrument, start, end, resolution, historyStartMs,
      System.currentTimeMillis());
  }

  /**
   * Deribit's {@code public/get_last_trades_by_instrument}: trades of {@code instrument_name} with
   * {@code start_seq <= trade_seq <= end_seq} (either bound optional), at most {@code count} (10,
   * at most 1000), oldest first with {@code sorting=asc}, newest first otherwise ({@code desc},
   * {@code default}). {@code has_more} tells whether more trades of the range are held. Only the
   * history is searched: trades that fell out of it are not returned (an empty page when the whole
   * range is older). Timestamps are not supported as bounds here.
   */
  private JsonObject lastTrades(JsonObject params) {
    String instrument = requiredString(params, "instrument_name");
    InstrumentSim sim = options.getInstruments().contains(instrument) ? sims.apply(instrument) : null;
    if (sim == null) {
      throw RpcException.invalidParams("instrument_name", "unknown instrument " + instrument);
    }
    for (String unsupported : List.of("start_timestamp", "end_timestamp")) {
      if (params.getValue(unsupported) != null) {
        throw RpcException.invalidParams(unsupported, "not supported by the simulated exchange, use start_seq/end_seq");
      }
    }
    // count's bounds and sorting's values were checked by the method table before any handler runs.
    long count = params.getValue("count") == null ? DEFAULT_TRADES_PER_PAGE : requiredLong(params, "count");
    String sorting = params.getString("sorting", "default");
    JsonObject empty = new JsonObject().put("trades", new JsonArray()).put("has_more", false);
    long first = sim.historyFirstSeq();
    long last = sim.historyLastSeq();
    if (first < 0) {
      return empty;
    }
    long lo = Math.max(first, params.getValue("start_seq") == null ? first : requiredLong(params, "start_seq"));
    long hi = Math.min(last, params.getValue("end_seq") == null ? last : requiredLong(params, "end_seq"));
    if (lo > hi) {
      return empty;
    }
    boolean ascending = sorting.equals("asc");
    long from = ascending ? lo : Math.max(lo, hi - count + 1);
    long to = ascending ? Math.min(hi, lo + count - 1) : hi;
    // Rendered by the same code as the trades channel, then decoded exactly (no double rounding).
    JsonArray trades = (JsonArray) ExactJson.decode(sim.renderHistory(from, to));
    if (!ascending) {
      JsonArray reversed = new JsonArray();
      for (int i = trades.size() - 1; i >= 0; i--) {
        reversed.add(trades.getValue(i));
      }
      trades = reversed;
    }
    return new JsonObject().put("trades", trades).put("has_more", ascending ? to < hi : from > lo);
  }

  static String requiredString(JsonObject params, String name) {
    Object value = params.getValue(name);
    if (value == null || (value instanceof String && ((String) value).isBlank())) {
      throw RpcException.invalidParams(name, "required parameter missing");
    }
    if (value instanceof JsonObject || value instanceof JsonArray || value instanceof Boolean) {
      throw RpcException.invalidParams(name, "expected a string, got " + value);
    }
    return String.valueOf(value);
  }

  static long requiredLong(JsonObject params, String name) {
    Object value = params.getValue(name);
    if (value == null) {
      throw RpcException.invalidParams(name, "required parameter missing");
    }
    if (value instanceof Number && ((Number) value).doubleValue() % 1 == 0) {
      return ((Number) value).longValue();
    }
    if (value instanceof String) {
      try {
        return Long.parseLong((String) value);
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw RpcException.invalidParams(name, "expected a whole number, got " + value);
  }

  /** @return {@code name} as a number of seconds (fractions allowed), or throws naming it */
  static double requiredSeconds(JsonObject params, String name) {
    Object value = params.getValue(name);
    if (value instanceof Number) {
      return ((Number) value).doubleValue();
    }
    if (value instanceof String) {
      try {
        return Double.parseDouble((String) value);
      } catch (NumberFormatException e) {
        // fall through
      }
    }
    throw RpcException.invalidParams(name, value == null ? "required parameter missing" : "expected a number of seconds, got " + value);
  }
}
