package io.tradekit.resilience;

/**
 * How a client failure may be handled. Decided in one place, {@link ErrorClassifier}.
 */
public enum ErrorClass {
  /** Nothing was executed, or it is safe to run again: retried, counts toward the breaker. */
  TRANSIENT,
  /** Can never succeed as sent (syntax, constraint, type, auth): never retried, never trips a breaker. */
  PERMANENT,
  /** Lost after the command was sent: it may or may not have executed. Retried only when idempotent. */
  AMBIGUOUS
}
