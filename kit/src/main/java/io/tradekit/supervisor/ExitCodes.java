package io.tradekit.supervisor;

/**
 * Process exit codes of a tradekit process, set by the launchers from the supervisor's result.
 * Scripts and orchestrators can rely on them: restart on 1, fix the config on 2.
 */
public final class ExitCodes {

  /** Clean shutdown (signal, or every task succeeded). */
  public static final int OK = 0;
  /** A failure: start-up failed, a task failed, restart intensity exceeded, or a stop overran. */
  public static final int FAILURE = 1;
  /** The configuration is invalid; nothing was started. */
  public static final int CONFIG_ERROR = 2;

  private ExitCodes() {
  }
}
