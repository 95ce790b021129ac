package io.tradekit.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the whole-batch failure of {@code RedisConnection.batch} back into one outcome per command.
 *
 * <p>When any command of a batch fails, the Vert.x Redis client (5.0, {@code
 * RedisStandaloneConnection.doBatch}) fails the batch with ONE error reply whose message has a line
 * {@code ERR [<index>] <cause>} per failed command, where {@code <cause>} is the failure's
 * {@code toString()} with a leading {@code "ERR "} stripped; the replies of the commands that
 * succeeded are dropped. A cause is either a Redis error reply ({@code WRONGTYPE ...}, an
 * {@code ERR} reply without its prefix) or a connection failure: {@code CONNECTION_CLOSED} (the
 * client's marker when the connection ends with replies pending) or a Java exception's text
 * ({@code java.io.IOException: Connection reset by peer}, a fully qualified class name first).
 * Pure; any thread.
 */
final class BatchFailure {

  private static final Pattern LINE = Pattern.compile("ERR \\[(\\d{1,9})] (.*)");
  /** {@code Throwable.toString()}: a fully qualified class name, then optionally ": message". */
  private static final Pattern JAVA_EXCEPTION = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+(: .*)?", Pattern.DOTALL);
  /** A Redis error code: the reply's first word in capitals (WRONGTYPE, LOADING, NOSCRIPT...). */
  private static final Pattern ERROR_CODE = Pattern.compile("[A-Z][A-Z0-9_-]*( .*)?", Pattern.DOTALL);
  /** The client's marker for a command whose connection ended before its reply. */
  static final String CONNECTION_CLOSED = "CONNECTION_CLOSED";

  private BatchFailure() {
  }

  /**
   * @param commands how many commands the batch had
   * @param message the batch failure's message
   * @return one result per command, in order: the failed ones with a {@link RedisErrorReply}, the
   *     others succeeded with a {@code null} reply (the client does not expose it)
   * @throws PipelineConnectionLostException when any command failed for a connection failure
   * @throws IllegalArgumentException when {@code message} is not in the expected shape
   */
  static List<CommandResult> perCommand(String redisName, int commands, String message) throws PipelineConnectionLostException {
    String[] causes = new String[commands];
    int last = -1;
    for (String line : message.split("\r?\n", -1)) {
      Matcher m = LINE.matcher(line);
      if (m.matches()) {
        int index = Integer.parseInt(m.group(1));
        if (index >= commands || causes[index] != null) {
          throw new IllegalArgumentException("batch failure names command [" + index + "] of " + commands + " twice or out of range");
        }
        causes[index] = m.group(2);
        last = index;
      } else if (last >= 0) {
        causes[last] = causes[last] + "\n" + line; // an exception message that spans lines
      } else {
        throw new IllegalArgumentException("batch failure does not start with 'ERR [<index>] '");
      }
    }
    for (int i = 0; i < commands; i++) {
      if (causes[i] != null && isConnectionFailure(causes[i])) {
        throw new PipelineConnectionLostException(redisName, commands, i, causes[i]);
      }
    }
    List<CommandResult> results = new ArrayList<>(commands);
    for (int i = 0; i < commands; i++) {
      results.add(new CommandResult(i, null, causes[i] == null ? null : new RedisErrorReply(replyText(causes[i]))));
    }
    return results;
  }

  static boolean isConnectionFailure(String cause) {
    return cause.equals(CONNECTION_CLOSED) || JAVA_EXCEPTION.matcher(cause).matches();
  }

  /**
   * The reply as the server sent it: a cause that starts with an error code is the reply itself;
   * one that does not lost its {@code ERR} prefix in the batch text. (A server that prefixes a code
   * with ERR, {@code ERR LOADING ...}, reads back as {@code LOADING ...}, as the client's own
   * {@code ErrorType.is} reads it.)
   */
  static String replyText(String cause) {
    return ERROR_CODE.matcher(cause).matches() ? cause : "ERR " + cause;
  }
}
