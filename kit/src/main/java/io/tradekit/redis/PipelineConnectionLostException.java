package io.tradekit.redis;

import java.nio.channels.ClosedChannelException;

/**
 * {@link RedisResource#pipeline}'s connection failed (closed, reset) before every command of the
 * batch had its reply. The commands without a reply may or may not have run: the outcome is
 * AMBIGUOUS (it is a {@link ClosedChannelException}, which
 * {@link io.tradekit.resilience.ErrorClassifier} classifies so and the client's breaker counts);
 * the call fails as a whole and is retried only when the caller declared it idempotent. Immutable;
 * any thread.
 */
public final class PipelineConnectionLostException extends ClosedChannelException {

  private final String message;

  PipelineConnectionLostException(String redisName, int commands, int firstLost, String cause) {
    this.message = "connection to Redis '" + redisName + "' was lost before all " + commands
      + " pipelined commands had replies (outcome unknown: they may have run); command [" + firstLost
      + "] failed with: " + cause;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
