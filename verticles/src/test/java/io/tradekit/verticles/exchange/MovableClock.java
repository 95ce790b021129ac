package io.tradekit.verticles.exchange;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock for the simulated exchange's private API ({@link SimulatedExchangeOptions#setClock}) that
 * stands still unless a test moves it: tests age orders and trades out of Deribit's history windows
 * instead of waiting. Thread-safe.
 */
public final class MovableClock extends Clock {

  private final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  /** Moves the clock forward by {@code ms}. */
  public void advanceMs(long ms) {
    millis.addAndGet(ms);
  }
}
