package io.tradekit.verticles.executor;

import java.math.BigDecimal;
import java.util.function.LongSupplier;

/**
 * Pre-trade risk limits of the executor (see {@link ExecutorOptions}): order amount, position per
 * instrument (worst case: position + open same-side amount + this order), open orders, and new
 * orders per second (a token bucket of {@code maxOrdersPerSecond} with a burst of one second).
 * Called inside the executor's one-at-a-time admission gate, on its context.
 */
final class RiskLimits {

  private final ExecutorOptions options;
  private final LongSupplier nanoClock;
  private double tokens;
  private long lastRefillNanos;
  /**
   * Per instrument, the exchange's position minus what our fills add up to, measured at the last
   * reconciliation: the part of the position from before our history (an account that was not flat,
   * trades older than the exchange's 24 h window). Added to the fills' position in every check.
   */
  private final java.util.Map<String, BigDecimal> baseline = new java.util.HashMap<>();

  RiskLimits(ExecutorOptions options, LongSupplier nanoClock) {
    this.options = options;
    this.nanoClock = nanoClock;
    this.tokens = Math.max(1, options.maxOrdersPerSecond);
    this.lastRefillNanos = nanoClock.getAsLong();
  }

  /** Sets the position {@code instrument} has beyond our fills (see {@link #baseline}); called by reconciliation. */
  void baseline(String instrument, BigDecimal offset) {
    baseline.put(instrument, offset);
  }

  private BigDecimal position(String instrument, OrderStore.RiskView view) {
    return view.position().add(baseline.getOrDefault(instrument, BigDecimal.ZERO));
  }

  /** @return null when the order may be sent, else the reason it is refused (naming the limit) */
  String check(Intent in, OrderStore.RiskView view) {
    if (!options.instruments.contains(in.instrument())) {
      // Not subscribed, not reconciled: its fills would never reach the fills table.
      return "instrument: " + in.instrument() + " is not one of the executor's instruments " + options.instruments;
    }
    if (in.amount().compareTo(options.maxOrderAmount) > 0) {
      return "risk: amount " + in.amount().toPlainString() + " exceeds maxOrderAmount " + options.maxOrderAmount.toPlainString();
    }
    if (view.liveOrders() >= options.maxOpenOrders) {
      return "risk: " + view.liveOrders() + " open orders, maxOpenOrders is " + options.maxOpenOrders;
    }
    BigDecimal exposure = view.openSameSide().add(in.amount());
    BigDecimal position = position(in.instrument(), view);
    BigDecimal worst = "buy".equals(in.side()) ? position.add(exposure) : position.subtract(exposure);
    if (!in.reduceOnly() && worst.abs().compareTo(options.maxPositionPerInstrument) > 0) {
      return "risk: position of " + in.instrument() + " could reach " + worst.toPlainString()
        + ", maxPositionPerInstrument is " + options.maxPositionPerInstrument.toPlainString();
    }
    long now = nanoClock.getAsLong();
    double burst = Math.max(1, options.maxOrdersPerSecond);
    tokens = Math.min(burst, tokens + (now - lastRefillNanos) / 1e9 * options.maxOrdersPerSecond);
    lastRefillNanos = now;
    if (tokens < 1) {
      return "risk: more than maxOrdersPerSecond " + options.maxOrdersPerSecond + " new orders";
    }
    tokens -= 1;
    return null;
  }

  /**
   * Checks an edit of an open order to {@code newAmount}: the order limit and the position limit with
   * the order's remaining amount replaced by the new one. No rate token: an edit is not a new order.
   *
   * @return the refusal reason, or null when the edit may be sent
   */
  String checkEdit(String instrument, String side, boolean reduceOnly, BigDecimal oldAmount, BigDecimal filled,
                   BigDecimal newAmount, OrderStore.RiskView view) {
    if (newAmount.compareTo(options.maxOrderAmount) > 0) {
      return "risk: amount " + newAmount.toPlainString() + " exceeds maxOrderAmount " + options.maxOrderAmount.toPlainString();
    }
    BigDecimal exposure = view.openSameSide().subtract(oldAmount.subtract(filled)).add(newAmount.subtract(filled).max(BigDecimal.ZERO));
    BigDecimal position = position(instrument, view);
    BigDecimal worst = "buy".equals(side) ? position.add(exposure) : position.subtract(exposure);
    if (!reduceOnly && worst.abs().compareTo(options.maxPositionPerInstrument) > 0) {
      return "risk: position of " + instrument + " could reach " + worst.toPlainString()
        + ", maxPositionPerInstrument is " + options.maxPositionPerInstrument.toPlainString();
    }
    return null;
  }
}
