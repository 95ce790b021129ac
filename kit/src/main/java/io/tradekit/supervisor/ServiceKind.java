package io.tradekit.supervisor;

/** Whether a service runs until stopped ({@code daemon}) or does one job and completes ({@code task}). */
public enum ServiceKind {
  /** Runs until the supervisor stops it. */
  DAEMON,
  /** Runs once and reports success or failure through {@link ServiceContext}. */
  TASK
}
