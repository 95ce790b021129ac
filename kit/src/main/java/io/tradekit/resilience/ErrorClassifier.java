package io.tradekit.resilience;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Maps every failure of the PostgreSQL and Redis clients to an {@link ErrorClass}. Pure, any thread.
 *
 * <ul>
 *   <li>PostgreSQL by SQLSTATE: 08xxx, 40001, 40P01, 57P01, 57P03, 53300 TRANSIENT; 42xxx, 23xxx,
 *       22xxx, 28xxx and any other server error PERMANENT.</li>
 *   <li>Redis error replies (the client's {@code ErrorType}, a {@code Throwable}, or a pipeline's
 *       per-command {@link io.tradekit.redis.RedisErrorReply}) by prefix: LOADING, BUSY, TRYAGAIN,
 *       MASTERDOWN, CLUSTERDOWN, READONLY TRANSIENT; every other reply PERMANENT.</li>
 *   <li>Connection refused / unknown host / no route: TRANSIENT (nothing was sent).</li>
 *   <li>Connection closed under a command ({@code ClosedConnectionException} — how a killed
 *       backend surfaces on Vert.x 5.0 — "Connection is closed", closed channel, the Redis
 *       client's {@code CONNECTION_CLOSED} marker, which it shapes like an error reply but no
 *       server sent) and command timeouts: AMBIGUOUS.</li>
 *   <li>Pool wait timeouts and {@code ConnectionPoolTooBusyException}: TRANSIENT but
 *       {@link #isLocalOverload local overload}: shed, never counted by a breaker.</li>
 * </ul>
 */
public final class ErrorClassifier {

  private static final Set<String> TRANSIENT_SQLSTATES = Set.of("40001", "40P01", "57P01", "57P03", "53300");
  private static final Set<String> TRANSIENT_REDIS = Set.of("LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "READONLY");

  private ErrorClassifier() {
  }

  public static ErrorClass classify(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof BreakerOpenException || isLocalOverload(t)) {
      return ErrorClass.TRANSIENT;
    }
    if (t instanceof io.tradekit.resource.ResourceClosedException) {
      return ErrorClass.PERMANENT;
    }
    if (t instanceof PgException pg) {
      String state = pg.getSqlState();
      if (state != null && (state.startsWith("08") || TRANSIENT_SQLSTATES.contains(state))) {
        return ErrorClass.TRANSIENT;
      }
      return ErrorClass.PERMANENT;
    }
    if (isRedisConnectionClosed(t)) {
      return ErrorClass.AMBIGUOUS;
    }
    if (isRedisErrorReply(t)) {
      String prefix = redisPrefix(t.getMessage());
      return TRANSIENT_REDIS.contains(prefix) ? ErrorClass.TRANSIENT : ErrorClass.PERMANENT;
    }
    if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException) {
      return ErrorClass.TRANSIENT;
    }
    if (t instanceof ClosedConnectionException || t instanceof ClosedChannelException || t instanceof TimeoutException
      || t instanceof io.vertx.circuitbreaker.TimeoutException) {
      return ErrorClass.AMBIGUOUS;
    }
    String message = String.valueOf(t.getMessage());
    if (message.contains("Connection is closed") || message.contains("Connection reset")
      || message.contains("connection was closed")) {
      return ErrorClass.AMBIGUOUS;
    }
    if (message.contains("Connection refused")) {
      return ErrorClass.TRANSIENT;
    }
    return ErrorClass.PERMANENT;
  }

  /** The caller's own pool is saturated: shed the request, but the dependency is not unhealthy. */
  public static boolean isLocalOverload(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof ConnectionPoolTooBusyException) {
      return true;
    }
    String message = String.valueOf(t.getMessage()).toLowerCase();
    return message.contains("waiting for a connection") || message.contains("max waiting")
      || message.contains("too many waiters") || message.contains("pool is busy");
  }

  /**
   * A reply the Redis server sent: the client's {@code io.vertx.redis.client.impl.types.ErrorType}
   * (matched without importing impl) or a pipeline's {@link io.tradekit.redis.RedisErrorReply};
   * not the client's {@code CONNECTION_CLOSED} marker, which is a connection failure.
   */
  public static boolean isRedisErrorReply(Throwable t) {
    return t instanceof io.tradekit.redis.RedisErrorReply || (isErrorType(t) && !isRedisConnectionClosed(t));
  }

  /** The Redis client fails the commands pending on a connection that ended with an ErrorType "CONNECTION_CLOSED". */
  private static boolean isRedisConnectionClosed(Throwable t) {
    return isErrorType(t) && "CONNECTION_CLOSED".equals(t.getMessage());
  }

  private static boolean isErrorType(Throwable t) {
    return t.getClass().getName().equals("io.vertx.redis.client.impl.types.ErrorType");
  }

  static String redisPrefix(String message) {
    if (message == null) {
      return "";
    }
    int space = message.indexOf(' ');
    return space < 0 ? message : message.substring(0, space);
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof RetryGivenUpException)
      && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
