package io.tradekit.supervisor;

/** When the supervisor restarts a service, OTP style. */
public enum RestartPolicy {
  /** Always restart, after a failure and after a normal completion. */
  PERMANENT,
  /** Restart only after a failure. */
  TRANSIENT,
  /** Never restart. A failure of a temporary daemon is logged; it stays down. */
  TEMPORARY
}
