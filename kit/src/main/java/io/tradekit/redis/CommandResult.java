package io.tradekit.redis;

import io.vertx.redis.client.Response;

/**
 * The outcome of one command of a pipelined batch ({@link RedisResource#pipeline}): either its
 * reply or its own error, so one failing entry does not hide the others.
 */
public record CommandResult(int index, Response reply, Throwable error) {

  public boolean succeeded() {
    return error == null;
  }
}
