package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.List;

/**
 * The validated parameters of {@code private/buy} / {@code private/sell}: every bad parameter is
 * a -32602 naming it. Immutable once parsed; created on the exchange's context by {@link PrivateApi}.
 */
final class OrderRequest {

  /** Deribit's limit on {@code label}. */
  static final int MAX_LABEL_CHARS = 64;
  static final String GTC = "good_til_cancelled";
  static final String IOC = "immediate_or_cancel";
  static final String FOK = "fill_or_kill";

  final String instrument;
  final boolean buy;
  final long amount;
  final boolean market;
  final long priceTicks;
  final String label;
  final boolean postOnly;
  final boolean rejectPostOnly;
  final boolean reduceOnly;
  final String timeInForce;

  private OrderRequest(JsonObject params, boolean buy, List<String> instruments) {
    this.buy = buy;
    this.instrument = PublicApi.requiredString(params, "instrument_name");
    if (!instruments.contains(instrument)) {
      throw RpcException.invalidParams("instrument_name", "unknown instrument " + instrument);
    }
    this.amount = amount(params, "amount", instrument);
    String type = optionalString(params, "type", "limit");
    if (!List.of("limit", "market").contains(type)) {
      throw RpcException.invalidParams("type", "expected limit or market (the simulator has no stop orders), got " + type);
    }
    this.market = "market".equals(type);
    this.priceTicks = market ? 0 : priceTicks(params, "price", instrument);
    String labelValue = params.getValue("label") == null ? "" : PublicApi.requiredString(params, "label");
    if (labelValue.length() > MAX_LABEL_CHARS) {
      throw RpcException.invalidParams("label", "at most " + MAX_LABEL_CHARS + " characters, got " + labelValue.length());
    }
    this.label = labelValue;
    this.rejectPostOnly = bool(params, "reject_post_only");
    this.reduceOnly = bool(params, "reduce_only");
    this.timeInForce = optionalString(params, "time_in_force", GTC);
    // Deribit's schema: post_only defaults to TRUE (its own examples disagree, so a careful client
    // sends it); the simulator takes the schema's word where post_only can apply (limit GTC), the
    // worse case for a client that omits it: a crossing limit order is repriced, not filled.
    this.postOnly = params.getValue("post_only") == null ? !market && GTC.equals(timeInForce) : bool(params, "post_only");
    if (!List.of(GTC, IOC, FOK).contains(timeInForce)) {
      throw RpcException.invalidParams("time_in_force", "expected " + GTC + ", " + IOC + " or " + FOK + ", got " + timeInForce);
    }
    if (postOnly && (market || !GTC.equals(timeInForce))) {
      throw RpcException.invalidParams("post_only", "only for limit orders that are good_til_cancelled");
    }
  }

  static OrderRequest parse(JsonObject params, boolean buy, List<String> instruments) {
    return new OrderRequest(params, buy, instruments);
  }

  /**
   * @return a positive amount in the instrument's amount steps (USD for inverse, base coin steps for
   *     linear), a whole multiple of its contract size (as in public/get_instruments)
   */
  static long amount(JsonObject params, String name, String instrument) {
    BigDecimal value = decimal(params, name);
    InstrumentSpec spec = InstrumentSpec.of(instrument);
    BigDecimal steps = value.movePointRight(spec.amountScale);
    if (value.signum() <= 0 || steps.stripTrailingZeros().scale() > 0 || steps.longValue() % spec.contractSizeSteps != 0) {
      throw RpcException.invalidParams(name, "expected a positive whole multiple of the contract size "
        + spec.contractSize().toPlainString() + (spec.linear ? " " + spec.baseCurrency : " USD") + ", got " + value.toPlainString());
    }
    return steps.longValueExact();
  }

  /** @return a positive price on the instrument's tick grid, in ticks */
  static long priceTicks(JsonObject params, String name, String instrument) {
    BigDecimal value = decimal(params, name);
    BigDecimal tick = ChartHistory.tickSize(instrument);
    BigDecimal[] qr = value.divideAndRemainder(tick);
    if (value.signum() <= 0 || qr[1].signum() != 0) {
      throw RpcException.invalidParams(name, "expected a positive multiple of the tick size " + tick.toPlainString() + ", got " + value.toPlainString());
    }
    return qr[0].longValueExact();
  }

  private static BigDecimal decimal(JsonObject params, String name) {
    Object value = params.getValue(name);
    if (value == null) {
      throw RpcException.invalidParams(name, "required parameter missing");
    }
    try {
      if (value instanceof Number || value instanceof String) {
        return new BigDecimal(value.toString());
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw RpcException.invalidParams(name, "expected a number, got " + value);
  }

  private static String optionalString(JsonObject params, String name, String defaultValue) {
    return params.getValue(name) == null ? defaultValue : PublicApi.requiredString(params, name);
  }

  private static boolean bool(JsonObject params, String name) {
    return PrivateQueries.optionalBool(params, name);
  }
}
