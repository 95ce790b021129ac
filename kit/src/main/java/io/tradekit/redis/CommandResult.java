package io.tradekit.redis;

import io.vertx.redis.client.Response;

/**
 * The outcome of one command of a pipelined batch ({@link RedisResource#pipeline}): either its
 * reply or its own error, so one failing entry does not hide the others.
 *
 * <p>{@code reply} is {@code null} for a command that succeeded in a batch where another command
 * got an error reply (the Redis client does not expose those replies); {@code error} is then a
 * {@link RedisErrorReply} for the failed ones. Immutable; any thread.
 */
public record CommandResult(int index, Response reply, Throwable error) {

  /** @return true when the command got a reply that is not an error (its {@code reply} may be null, see above) */
  public boolean succeeded() {
    return error == null;
  }
}
