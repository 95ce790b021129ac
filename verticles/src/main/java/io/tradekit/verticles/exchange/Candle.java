package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

/**
 * A live OHLC candle of one resolution for the {@code chart.trades} channels; rolls over when a
 * trade or sample falls past its end.
 *
 * <p>Owned by an {@link InstrumentSim}; used only on the exchange's event-loop context.
 */
final class Candle {
  final long resolutionMs;
  long tick;
  double open;
  double high;
  double low;
  double close;
  double volume;
  double cost;

  Candle(long resolutionMs, long nowMs, double price) {
    this.resolutionMs = resolutionMs;
    roll(nowMs, price);
  }

  private void roll(long nowMs, double price) {
    tick = nowMs - Math.floorMod(nowMs, resolutionMs);
    open = high = low = close = price;
    volume = 0;
    cost = 0;
  }

  void add(long nowMs, double price, long amountUsd) {
    if (nowMs >= tick + resolutionMs) {
      roll(nowMs, close);
    }
    high = Math.max(high, price);
    low = Math.min(low, price);
    close = price;
    volume += amountUsd / price;
    cost += amountUsd;
  }

  /** @return the chart notification data; a filler sample when there were no trades */
  JsonObject sample(long nowMs) {
    if (nowMs >= tick + resolutionMs) {
      roll(nowMs, close);
    }
    return new JsonObject().put("tick", tick).put("open", open).put("high", high).put("low", low)
      .put("close", close).put("volume", Math.round(volume * 1e8) / 1e8).put("cost", cost);
  }
}
