package io.tradekit.feed;

import io.tradekit.resilience.Backoff;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * An authenticated Deribit private-API session on a {@link JsonRpcTransport}: after every connect it
 * runs {@code public/auth} (client credentials), {@code public/set_heartbeat},
 * {@code private/enable_cancel_on_disconnect} (when configured) and ONE {@code private/subscribe} of
 * the private channels (e.g. {@code user.orders.<instrument>.raw}); only then is the session
 * {@link #isReady() ready} and the listener told, so the owner can reconcile before it sends anything.
 *
 * <p>Used by the executor. Token renewal: {@code refresh_token} {@code renewBeforeExpiryMs} before
 * the token expires (falling back to client credentials; when both fail the connection is dropped
 * and re-established). A private call answered with 13009 (unauthorized, e.g. an expired token)
 * re-authenticates once and is sent again; one answered with 10028 (too_many_requests: the request
 * was refused, nothing happened) waits a delay of the shared {@link Backoff} and is sent again, at
 * most {@code maxRateLimitRetries} times. A rejected {@code public/auth} (wrong secret, unknown
 * client) is PERMANENT: the session stops for good and {@link Listener#failed} names the exchange
 * and the client id; it is not retried.
 *
 * <p>Liveness is event-driven like the feed's: every inbound frame moves a stall deadline of
 * {@code stallFactor × heartbeatIntervalMs}; {@code test_request} is answered at once.
 *
 * <p>Credentials: the secret lives only in {@link Credentials} (whose {@code toString} hides it) and
 * in the auth request on the wire; never in logs, errors or config dumps.
 *
 * <p>Threading: {@link #start} binds the session to the caller's context; every method must be
 * called there and every listener callback runs there.
 */
public final class PrivateSession {

  private static final Logger LOG = LoggerFactory.getLogger(PrivateSession.class);
  /** Deribit: unauthorized / token expired. */
  public static final long UNAUTHORIZED = 13009;
  /** Deribit: too_many_requests (credit limit). */
  public static final long TOO_MANY_REQUESTS = 10028;
  /** Auth errors that are the exchange's momentary trouble, not ours: the connection is retried. */
  private static final Set<Long> RETRYABLE = Set.of(10028L, 10040L, 10041L, 10047L, 10066L, 11051L, 11094L, 13028L, 13888L);

  /** A client id and its secret; {@link #toString()} never shows the secret. */
  public static final class Credentials {
    private final String clientId;
    private final String secret;

    public Credentials(String clientId, String secret) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      this.secret = Objects.requireNonNull(secret, "secret");
    }

    public String clientId() {
      return clientId;
    }

    String secret() {
      return secret;
    }

    @Override
    public String toString() {
      return "Credentials[clientId=" + clientId + ", secret=***]";
    }
  }

  /**
   * What a session needs.
   *
   * @param transport the connection settings (its {@code kind} is the log prefix, e.g. {@code session})
   * @param credentials the client credentials
   * @param cancelOnDisconnect whether to enable {@code private/enable_cancel_on_disconnect} on each connection
   * @param channels the private channels to subscribe after each authentication
   * @param heartbeatIntervalMs asked of the exchange with {@code public/set_heartbeat}
   * @param stallFactor a connection silent for {@code stallFactor × heartbeatIntervalMs} is dropped
   * @param renewBeforeExpiryMs how long before the token expires it is renewed
   * @param rateLimitBackoff delays before re-sending a request refused with 10028
   * @param maxRateLimitRetries how many times such a request is re-sent before the 10028 is returned
   */
  public record Config(JsonRpcTransport.Config transport, Credentials credentials, boolean cancelOnDisconnect,
      List<String> channels, long heartbeatIntervalMs, double stallFactor, long renewBeforeExpiryMs, Backoff rateLimitBackoff,
      int maxRateLimitRetries) {
    public Config {
      Objects.requireNonNull(transport, "transport");
      Objects.requireNonNull(credentials, "credentials");
      channels = List.copyOf(channels);
      Objects.requireNonNull(rateLimitBackoff, "rateLimitBackoff");
    }
  }

  /** The owner's side; every callback runs on the session's context. */
  public interface Listener {
    /** Connection {@code connection} is authenticated, heartbeating and subscribed: reconcile now. */
    void ready(long connection);

    /** A {@code subscription} notification of one of the private channels. */
    void notification(String channel, Object data);

    /** The ready connection is gone (a reconnect follows). Requests in flight fail right after this. */
    default void lost(String reason) {
    }

    /** Authentication was refused: the session has stopped for good. */
    void failed(AuthenticationException error);
  }

  /** The exchange refused the credentials: PERMANENT, not retried. The message never holds the secret. */
  public static final class AuthenticationException extends RuntimeException {
    public AuthenticationException(String message) {
      super(message);
    }
  }

  /** A private call made while no authenticated connection was up: it was NOT sent. */
  public static final class NotReadyException extends IllegalStateException {
    public NotReadyException(String message) {
      super(message);
    }
  }

  private final Vertx vertx;
  private final Config config;
  private final JsonRpcTransport transport;
  private final Backoff.Sequence rateLimitDelays;
  private Listener listener;
  private long readyConnection = -1;
  private long connection = -1;
  private String refreshToken;
  private long renewTimer = -1;
  private long stallTimer = -1;
  private long lastFrameNanos;
  private Future<Void> reauth;
  private Promise<Void> readyPromise = Promise.promise();
  private boolean stopped;

  public PrivateSession(Vertx vertx, Config config) {
    this.vertx = vertx;
    this.config = config;
    this.transport = new JsonRpcTransport(vertx, config.transport());
    this.rateLimitDelays = config.rateLimitBackoff().newSequence();
  }

  /** Starts connecting in the background on the caller's context; completes at once. */
  public Future<Void> start(Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    return transport.start(new TransportListener());
  }

  /** @return whether an authenticated, subscribed connection is up */
  public boolean isReady() {
    return readyConnection >= 0 && readyConnection == connection;
  }

  /** @return completes when the session is next (or already) ready; fails when it stops or fails for good */
  public Future<Void> whenReady() {
    return isReady() ? Future.succeededFuture() : readyPromise.future();
  }

  /**
   * Sends a private request on the ready connection. Fails with {@link NotReadyException} (not sent)
   * when none is up, with {@link JsonRpcErrorException} on an error reply (after the 13009 and 10028
   * handling above), and with {@link FeedClosedException} when the reply did not come: AMBIGUOUS,
   * the request may have been processed.
   */
  public Future<Object> call(String method, JsonObject params) {
    return call(method, params, true, 0);
  }

  private Future<Object> call(String method, JsonObject params, boolean mayReauth, int rateLimitRetries) {
    if (!isReady()) {
      return Future.failedFuture(new NotReadyException(name() + ": no authenticated connection; " + method + " not sent"));
    }
    long conn = connection;
    return transport.request(method, params).recover(err -> {
      if (err instanceof JsonRpcErrorException rpc && rpc.code() == UNAUTHORIZED && mayReauth && conn == connection) {
        LOG.info("event={}.reauthenticating {}={} method={}", kind(), kind(), name(), method);
        return reauthenticate(conn).compose(v -> call(method, params, false, rateLimitRetries));
      }
      if (err instanceof JsonRpcErrorException rpc && rpc.code() == TOO_MANY_REQUESTS
          && rateLimitRetries < config.maxRateLimitRetries()) {
        long delayMs = rateLimitDelays.nextDelayMs();
        LOG.info("event={}.rate-limited {}={} method={} delayMs={}", kind(), kind(), name(), method, delayMs);
        Promise<Object> retried = Promise.promise();
        vertx.setTimer(delayMs, t -> call(method, params, mayReauth, rateLimitRetries + 1).onComplete(retried));
        return retried.future();
      }
      return Future.failedFuture(err);
    }).onSuccess(r -> rateLimitDelays.succeeded());
  }

  private Future<Void> reauthenticate(long conn) {
    if (reauth == null) {
      reauth = authenticate(conn, false).eventually(() -> {
        reauth = null;
        return Future.succeededFuture();
      });
    }
    return reauth;
  }

  /** Closes the connection and never reconnects. Idempotent. */
  public Future<Void> stop() {
    stopped = true;
    cancelTimers();
    readyPromise.tryFail(new NotReadyException(name() + ": session stopped"));
    return transport.stop();
  }

  private Future<Void> authenticate(long conn, boolean refresh) {
    JsonObject params = refresh && refreshToken != null
      ? new JsonObject().put("grant_type", "refresh_token").put("refresh_token", refreshToken)
      : new JsonObject().put("grant_type", "client_credentials").put("client_id", config.credentials().clientId())
        .put("client_secret", config.credentials().secret());
    return transport.request("public/auth", params).compose(result -> {
      if (conn != connection) {
        return Future.failedFuture(new FeedClosedException(name(), "connection replaced during authentication"));
      }
      JsonObject r = result instanceof JsonObject o ? o : new JsonObject();
      refreshToken = r.getString("refresh_token");
      long expiresInMs = r.getValue("expires_in") instanceof Number n ? n.longValue() * 1000 : 0;
      scheduleRenewal(conn, expiresInMs);
      return Future.succeededFuture();
    });
  }

  private void scheduleRenewal(long conn, long expiresInMs) {
    if (renewTimer >= 0) {
      vertx.cancelTimer(renewTimer);
      renewTimer = -1;
    }
    if (expiresInMs <= 0) {
      return;
    }
    long inMs = Math.max(100, expiresInMs - config.renewBeforeExpiryMs());
    renewTimer = vertx.setTimer(inMs, t -> {
      renewTimer = -1;
      if (conn != connection || stopped) {
        return;
      }
      authenticate(conn, true)
        .recover(err -> conn == connection ? authenticate(conn, false) : Future.failedFuture(err))
        .onSuccess(v -> LOG.info("event={}.token-renewed {}={}", kind(), kind(), name()))
        .onFailure(err -> {
          LOG.warn("event={}.renewal-failed {}={} error=\"{}\"", kind(), kind(), name(), err.getMessage());
          transport.abort(conn, "token renewal failed");
        });
    });
  }

  private void handshake(long conn) {
    authenticate(conn, false).recover(err -> {
      if (err instanceof JsonRpcErrorException rpc && !RETRYABLE.contains(rpc.code())) {
        failPermanently(rpc);
      }
      return Future.failedFuture(err);
    }).compose(v -> transport.request("public/set_heartbeat", new JsonObject().put("interval", heartbeatSeconds())))
      .compose(v -> config.cancelOnDisconnect()
        ? transport.request("private/enable_cancel_on_disconnect", new JsonObject().put("scope", "connection"))
        : Future.succeededFuture())
      .compose(v -> config.channels().isEmpty() ? Future.succeededFuture(new JsonArray())
        // user.* channels are private: Deribit takes them only through private/subscribe on the
        // authenticated connection (public/subscribe leaves them out of its result).
        : transport.request("private/subscribe", new JsonObject().put("channels", new JsonArray(new ArrayList<>(config.channels())))))
      .onComplete(ar -> {
        if (conn != connection || stopped) {
          return;
        }
        if (ar.failed()) {
          transport.abort(conn, "handshake failed: " + ar.cause().getMessage());
          return;
        }
        List<String> missing = new ArrayList<>(config.channels());
        if (ar.result() instanceof JsonArray accepted) {
          missing.removeAll(accepted.getList());
        }
        if (!missing.isEmpty()) {
          transport.abort(conn, "the exchange refused channels " + missing);
          return;
        }
        readyConnection = conn;
        transport.established(conn);
        LOG.info("event={}.ready {}={} connection={} channels={} cancelOnDisconnect={}", kind(), kind(), name(), conn,
          config.channels().size(), config.cancelOnDisconnect());
        Promise<Void> waiting = readyPromise;
        readyPromise = Promise.promise();
        listener.ready(conn);
        waiting.tryComplete();
      });
  }

  private Object heartbeatSeconds() {
    double seconds = config.heartbeatIntervalMs() / 1000.0;
    return seconds == Math.rint(seconds) ? (Object) (long) seconds : seconds;
  }

  private void failPermanently(JsonRpcErrorException rpc) {
    AuthenticationException error = new AuthenticationException("exchange '" + name() + "' (" + config.transport().url()
      + ") refused authentication of client '" + config.credentials().clientId() + "': " + rpc.getMessage()
      + "; not retried (check the client id and clientSecretFile)");
    LOG.error("event={}.auth-failed {}={} error=\"{}\"", kind(), kind(), name(), error.getMessage());
    readyPromise.tryFail(error);
    stop();
    listener.failed(error);
  }

  private void armStallDeadline(long conn) {
    long windowNanos = TimeUnit.MILLISECONDS.toNanos((long) (config.heartbeatIntervalMs() * config.stallFactor()));
    long dueInMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(lastFrameNanos + windowNanos - System.nanoTime()));
    stallTimer = vertx.setTimer(dueInMs, t -> {
      stallTimer = -1;
      if (conn != connection || stopped) {
        return;
      }
      if (System.nanoTime() - lastFrameNanos >= windowNanos) {
        LOG.warn("event={}.stall {}={}", kind(), kind(), name());
        transport.abort(conn, "transport stalled");
      } else {
        armStallDeadline(conn);
      }
    });
  }

  private void cancelTimers() {
    if (renewTimer >= 0) {
      vertx.cancelTimer(renewTimer);
      renewTimer = -1;
    }
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
  }

  private String name() {
    return config.transport().name();
  }

  private String kind() {
    return config.transport().kind();
  }

  private final class TransportListener implements JsonRpcTransport.Listener {
    @Override
    public void opened(long conn) {
      connection = conn;
      lastFrameNanos = System.nanoTime();
      armStallDeadline(conn);
      handshake(conn);
    }

    @Override
    public void frame(long receivedNanos) {
      lastFrameNanos = receivedNanos;
    }

    @Override
    public void notification(String method, JsonObject params, long receivedNanos) {
      if (params == null) {
        return;
      }
      if ("heartbeat".equals(method)) {
        if ("test_request".equals(params.getValue("type"))) {
          transport.request("public/test", new JsonObject()).onFailure(err -> { });
        }
      } else if ("subscription".equals(method) && params.getValue("channel") instanceof String channel && isReady()) {
        listener.notification(channel, params.getValue("data"));
      }
    }

    @Override
    public void closed(String reason, boolean wasEstablished) {
      boolean wasReady = isReady();
      connection = -1;
      readyConnection = -1;
      cancelTimers();
      if (wasReady) {
        listener.lost(reason);
      }
    }
  }
}
