package io.tradekit.bench;

import java.util.concurrent.TimeUnit;

/** Polling waits of the harness's main thread (never an event loop: the harness drives child processes). */
final class Wait {

  /** A condition that may throw (an HTTP probe, a Redis count). */
  interface Condition {
    boolean test() throws Exception;
  }

  private Wait() {
  }

  /** @throws IllegalStateException naming {@code what} when the condition is not met within {@code timeoutMs} */
  static void until(long timeoutMs, String what, Condition condition) throws Exception {
    if (!within(timeoutMs, 20, condition)) {
      throw new IllegalStateException(what + " did not happen within " + timeoutMs + " ms");
    }
  }

  /** @return whether the condition became true within {@code timeoutMs}, polled every {@code pollMs} */
  static boolean within(long timeoutMs, long pollMs, Condition condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!condition.test()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(pollMs);
    }
    return true;
  }
}
