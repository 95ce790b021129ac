package io.tradekit.redis;

/**
 * A Redis error reply (e.g. {@code WRONGTYPE Operation against a key holding the wrong kind of
 * value}) to one command of a pipelined batch, as {@link RedisResource#pipeline} reports it in
 * {@link CommandResult#error()}.
 *
 * <p>The Vert.x client fails a batch as a whole and names each failed command only in the text of
 * that failure; the pipeline rebuilds one of these per failed command. Its message is the reply's
 * text with its code first, as the server sent it (an {@code ERR} reply keeps its {@code ERR}
 * prefix), so {@link io.tradekit.resilience.ErrorClassifier} classifies it exactly like the same
 * reply to a single command: {@code LOADING ...} TRANSIENT, {@code WRONGTYPE ...} PERMANENT.
 * Created by the kit only; immutable; any thread. No stack trace (it is a reply, not a fault of
 * this process).
 */
public final class RedisErrorReply extends Exception {

  RedisErrorReply(String message) {
    super(message, null, false, false);
  }

  /** @return the reply's code, its first word: {@code ERR}, {@code WRONGTYPE}, {@code LOADING}... */
  public String code() {
    String message = getMessage();
    int space = message.indexOf(' ');
    return space < 0 ? message : message.substring(0, space);
  }
}
