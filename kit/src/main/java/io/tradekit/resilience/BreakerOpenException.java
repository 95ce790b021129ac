package io.tradekit.resilience;

/** A call was refused without being attempted because the named circuit breaker is open. */
public class BreakerOpenException extends RuntimeException {

  private final String breakerName;

  public BreakerOpenException(String breakerName) {
    super("circuit breaker '" + breakerName + "' is open: failing fast", null, false, false);
    this.breakerName = breakerName;
  }

  public String breakerName() {
    return breakerName;
  }
}
