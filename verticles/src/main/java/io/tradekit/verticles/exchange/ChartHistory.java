package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Deterministic price history of the simulated exchange: the answer of
 * {@code public/get_tradingview_chart_data} and the starting price of the live market.
 *
 * <p>The price at any instant is a pure function of (seed, instrument, time): a few slow sine waves
 * plus hashed noise, so any range, queried in any order or split into any pieces, returns the same
 * candles for the same seed. That makes backfill tests exact without storing history. Pure static
 * functions; any thread.
 */
final class ChartHistory {

  /** Deribit's resolutions, in minutes, plus 1D. */
  static final List<String> RESOLUTIONS = List.of("1", "3", "5", "10", "15", "30", "60", "120", "180", "360", "720", "1D");
  /** Larger requests are rejected instead of building an unbounded reply on the event loop. */
  static final int MAX_CANDLES = 50_000;

  private static final Map<String, Double> BASE_PRICES = Map.of("BTC", 97_000.0, "ETH", 3_500.0, "SOL", 150.0);

  private ChartHistory() {
  }

  static BigDecimal tickSize(String instrument) {
    return InstrumentSpec.of(instrument).tickSize;
  }

  /** @return the resolution in ms, or -1 when {@code resolution} is not one of {@link #RESOLUTIONS} */
  static long resolutionMs(String resolution) {
    if (!RESOLUTIONS.contains(resolution)) {
      return -1;
    }
    return "1D".equals(resolution) ? 86_400_000L : Long.parseLong(resolution) * 60_000L;
  }

  /** @return the deterministic (unrounded) price of {@code instrument} at {@code timeMs} */
  static double priceAt(long seed, String instrument, long timeMs) {
    double base = BASE_PRICES.getOrDefault(InstrumentSpec.of(instrument).baseCurrency, 100.0);
    double minutes = timeMs / 60_000.0;
    long h = mix(seed ^ instrument.hashCode());
    double phase1 = (h & 0xffff) / 65536.0 * 2 * Math.PI;
    double phase2 = ((h >>> 16) & 0xffff) / 65536.0 * 2 * Math.PI;
    double phase3 = ((h >>> 32) & 0xffff) / 65536.0 * 2 * Math.PI;
    double log = 0.08 * Math.sin(2 * Math.PI * minutes / 10_080 + phase1)
      + 0.03 * Math.sin(2 * Math.PI * minutes / 1_440 + phase2)
      + 0.01 * Math.sin(2 * Math.PI * minutes / 97 + phase3)
      + 0.002 * unit(mix(h ^ (long) Math.floor(minutes)));
    return base * Math.exp(log);
  }

  /**
   * Builds the chart data result for {@code [startMs, endMs]}: candles whose tick lies in the range,
   * not before {@code historyStartMs} and not after {@code nowMs}.
   *
   * @throws RpcException -32602 naming the parameter when the range or resolution is invalid
   */
  static JsonObject chartData(long seed, String instrument, long startMs, long endMs, String resolution,
                              long historyStartMs, long nowMs) {
    long res = resolutionMs(resolution);
    if (res < 0) {
      throw RpcException.invalidParams("resolution", "expected one of " + String.join(",", RESOLUTIONS) + ", got " + resolution);
    }
    if (endMs < startMs) {
      throw RpcException.invalidParams("end_timestamp", "must not be before start_timestamp");
    }
    long from = Math.max(startMs, historyStartMs);
    long first = from + Math.floorMod(-from, res);
    long last = Math.min(endMs, nowMs);
    if (last >= first && (last - first) / res + 1 > MAX_CANDLES) {
      throw RpcException.invalidParams("start_timestamp", "range holds more than " + MAX_CANDLES
        + " candles of resolution " + resolution + "; request smaller pieces");
    }
    BigDecimal tick = tickSize(instrument);
    JsonArray ticks = new JsonArray();
    JsonArray open = new JsonArray();
    JsonArray high = new JsonArray();
    JsonArray low = new JsonArray();
    JsonArray close = new JsonArray();
    JsonArray volume = new JsonArray();
    JsonArray cost = new JsonArray();
    for (long t = first; t <= last; t += res) {
      double o = priceAt(seed, instrument, t);
      double c = priceAt(seed, instrument, t + res - 1);
      long h = mix(seed * 31 + t ^ instrument.hashCode() ^ res);
      double hi = Math.max(o, c) * (1 + 0.002 * Math.abs(unit(h)));
      double lo = Math.min(o, c) * (1 - 0.002 * Math.abs(unit(mix(h))));
      double vol = Math.round((1 + Math.abs(unit(mix(h + 1))) * 100) * (res / 60_000.0) * 1e4) / 1e4;
      ticks.add(t);
      open.add(round(o, tick));
      high.add(round(hi, tick));
      low.add(round(lo, tick));
      close.add(round(c, tick));
      volume.add(vol);
      cost.add(Math.round(vol * c));
    }
    return new JsonObject()
      .put("status", ticks.isEmpty() ? "no_data" : "ok")
      .put("ticks", ticks).put("open", open).put("high", high).put("low", low)
      .put("close", close).put("volume", volume).put("cost", cost);
  }

  private static BigDecimal round(double price, BigDecimal tick) {
    return BigDecimal.valueOf(Math.round(price / tick.doubleValue())).multiply(tick);
  }

  /** @return a value in [-1, 1) derived from the hash {@code h} */
  private static double unit(long h) {
    return ((h >>> 11) * 0x1.0p-53) * 2 - 1;
  }

  /** SplitMix64's finalizer: a cheap, well-mixed hash of a long. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
