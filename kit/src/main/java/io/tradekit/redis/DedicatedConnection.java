package io.tradekit.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Redis connection of a {@link GroupConsumer}'s own, outside the shared resource's pool: made
 * by a client of its own (the shared resource's options, a pool of ONE connection), so a saturated
 * shared pool cannot starve the consumer and a blocked read holds nothing anyone else needs.
 *
 * <p>Connected lazily; named with CLIENT SETNAME (visible in CLIENT LIST) and its CLIENT ID kept for
 * CLIENT UNBLOCK. A connect that does not complete within {@code commandTimeoutMs} fails, and its
 * client is closed, including the connection when it arrives late: a timed-out connect leaks
 * nothing. {@link #discard()} drops the connection with its client after a failure, so the next
 * command starts on a fresh socket instead of behind a reply that may still come. Confined to the
 * consumer's context.
 */
final class DedicatedConnection {

  private static final AtomicLong POOL_IDS = new AtomicLong();

  private final Vertx vertx;
  private final RedisResource shared;
  private final String clientName;
  private final long commandTimeoutMs;
  private Redis client;
  private RedisConnection connection;
  private Future<RedisConnection> connecting;
  /** Redis's id of the connection (CLIENT ID), for CLIENT UNBLOCK; -1 when unknown. */
  private long clientId = -1;

  DedicatedConnection(Vertx vertx, RedisResource shared, String clientName, long commandTimeoutMs) {
    this.vertx = vertx;
    this.shared = shared;
    // CLIENT SETNAME accepts no spaces or newlines.
    this.clientName = clientName.replaceAll("\\s", "_");
    this.commandTimeoutMs = commandTimeoutMs;
  }

  /**
   * Sends one command, bounded by {@code commandTimeoutMs + extraTimeoutMs} (a blocking read adds
   * its BLOCK time).
   */
  Future<Response> send(Request request, long extraTimeoutMs) {
    return connect().compose(conn -> conn.send(request).timeout(commandTimeoutMs + extraTimeoutMs, TimeUnit.MILLISECONDS));
  }

  /** @return the connection's CLIENT ID, or -1 when not connected or unknown */
  long clientId() {
    return connection == null ? -1 : clientId;
  }

  private Future<RedisConnection> connect() {
    if (connection != null) {
      return Future.succeededFuture(connection);
    }
    if (connecting != null) {
      return connecting;
    }
    RedisOptions options = shared.options().setMaxPoolSize(1)
      .setPoolName("tradekit-consumer-" + POOL_IDS.incrementAndGet());
    Redis own = Redis.createClient(vertx, options);
    client = own;
    Future<RedisConnection> attempt = own.connect();
    connecting = attempt.timeout(commandTimeoutMs, TimeUnit.MILLISECONDS)
      .compose(conn -> conn.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(clientName))
        .compose(ok -> conn.send(Request.cmd(Command.CLIENT).arg("ID")))
        .timeout(commandTimeoutMs, TimeUnit.MILLISECONDS)
        .map(id -> {
          if (client != own) {
            // Discarded while connecting: this connection is not ours to keep.
            throw new IllegalStateException("dedicated connection " + clientName + " was discarded while connecting");
          }
          connection = conn;
          clientId = id.toLong();
          conn.exceptionHandler(err -> {
            if (connection == conn) {
              discard();
            }
          });
          return conn;
        }))
      .onComplete(ar -> connecting = null)
      .onFailure(err -> {
        closeClient(own);
        // A connect that completes after its timeout: close that connection too, or it would hold
        // a socket (and the pool's only slot) for ever.
        attempt.onSuccess(late -> late.close().eventually(own::close));
      });
    return connecting;
  }

  /** Drops the connection and its client (e.g. after a failed or timed-out command). */
  void discard() {
    Redis own = client;
    connection = null;
    clientId = -1;
    if (own != null) {
      closeClient(own);
    }
  }

  /** Closes the connection and its client; a later {@link #send} connects again. */
  Future<Void> close() {
    Redis own = client;
    connection = null;
    clientId = -1;
    client = null;
    return own == null ? Future.succeededFuture() : own.close();
  }

  private void closeClient(Redis own) {
    if (client == own) {
      client = null;
      connection = null;
      clientId = -1;
    }
    own.close();
  }
}
