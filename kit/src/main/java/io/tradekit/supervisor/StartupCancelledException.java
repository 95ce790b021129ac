package io.tradekit.supervisor;

/**
 * Start-up ended because a stop was requested before the supervisor became ready (SIGTERM during
 * start-up, {@code TradeKit}'s deployment undeployed). Not a failure: the ordered stop undid what
 * start-up had opened or deployed, and the stop's exit code (0 when clean) is the result.
 *
 * <p>The failure of {@link TradeKit#start} and of the supervisor verticle's deployment in that
 * case; the process launcher exits with the stop's exit code instead of reporting a failed start.
 */
public final class StartupCancelledException extends RuntimeException {

  public StartupCancelledException(String stopReason) {
    super("start-up cancelled: stop requested (" + stopReason + ")", null, false, false);
  }
}
