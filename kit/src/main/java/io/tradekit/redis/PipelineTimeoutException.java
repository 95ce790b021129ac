package io.tradekit.redis;

import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * {@link RedisResource#pipeline} ran out of {@code commandTimeoutMs} with replies still pending.
 *
 * <p>The commands without a reply may or may not have run: the outcome is AMBIGUOUS (it is a
 * {@link TimeoutException}, which {@link io.tradekit.resilience.ErrorClassifier} classifies so and
 * the client's breaker counts). The call fails as a whole, so a caller that cannot retry
 * non-idempotent commands blindly (the receiver's writer) retries the whole batch itself; a
 * command without a reply is never reported as a success. {@link #partial()} holds the replies
 * that did arrive, in command order, for callers that want them. Immutable; any thread.
 */
public final class PipelineTimeoutException extends TimeoutException {

  private final transient List<CommandResult> partial;
  private final int pending;

  PipelineTimeoutException(int commands, int pending, long timeoutMs, List<CommandResult> partial) {
    super(pending + " of " + commands + " pipelined commands had no reply within " + timeoutMs
      + " ms (outcome unknown: they may have run)");
    this.pending = pending;
    this.partial = List.copyOf(partial);
  }

  /** @return how many commands had no reply when the timeout fired */
  public int pending() {
    return pending;
  }

  /** @return the outcomes of the commands that did reply (reply or error reply), in command order */
  public List<CommandResult> partial() {
    return partial;
  }
}
