package io.tradekit.verticles.exchange;

import java.time.Clock;
import java.util.function.LongPredicate;

/**
 * Deribit's history windows, which a client must not assume away: look-ups by label, by order id
 * and the recent order history see a closed order only {@code closedOrderWindowMs} (30 min) after
 * its last update; user-trade queries see the last {@code userTradesWindowMs} (24 h), and with
 * {@code historical: true} ONLY what is older (the archive, without the recent part). Open orders
 * are always visible. Measured on the options' injectable clock, so tests age records by moving it.
 *
 * <p>Immutable; used on the exchange's context by {@link PrivateApi} and {@link PrivateQueries}.
 */
final class HistoryWindows {

  private final Clock clock;
  private final long closedOrderWindowMs;
  private final long userTradesWindowMs;

  HistoryWindows(SimulatedExchangeOptions options) {
    this.clock = options.getClock();
    this.closedOrderWindowMs = options.getClosedOrderWindowMs();
    this.userTradesWindowMs = options.getUserTradesWindowMs();
  }

  /** @return whether a look-up (by label, by id, recent history) still sees {@code order} */
  boolean recent(Order order) {
    return order.isOpen() || order.lastUpdateMs >= clock.millis() - closedOrderWindowMs;
  }

  /** @return the trade timestamps a user-trade query sees: the recent window, or only older ones when {@code historical} */
  LongPredicate trades(boolean historical) {
    long edge = clock.millis() - userTradesWindowMs;
    return historical ? ts -> ts < edge : ts -> ts >= edge;
  }
}
