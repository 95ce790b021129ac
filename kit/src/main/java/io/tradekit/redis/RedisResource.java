package io.tradekit.redis;

import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceClosedException;
import io.tradekit.resilience.ErrorClassifier;
import io.tradekit.resilience.Resilience;
import io.tradekit.resilience.ResilienceOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The shared Redis client (Vert.x Redis Client), as a supervisor resource of type {@value #TYPE}.
 *
 * <p>Created by {@link RedisResourceFactory}, opened and closed only by the supervisor; services
 * use {@link #client()} or {@link #api()}. {@link #open()} and {@link #check()} send one PING —
 * the only places that do: commands are never preceded by a proactive PING.
 */
public final class RedisResource implements Resource {

  public static final String TYPE = "redis";

  private final Vertx vertx;
  private final String name;
  private final RedisOptions options;
  private final Resilience resilience;
  private final long commandTimeoutMs;
  private volatile Redis client;
  private volatile RedisAPI api;

  RedisResource(Vertx vertx, String name, RedisOptions options, ResilienceOptions resilienceOptions, long commandTimeoutMs) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
    this.resilience = new Resilience(vertx, name, resilienceOptions);
    this.commandTimeoutMs = commandTimeoutMs;
  }

  /**
   * Sends one command through this client's breaker and classified retries, bounded by
   * {@code commandTimeoutMs}. No PING is sent first: a dead connection shows up as the command's
   * own failure and is retried only when safe.
   *
   * @param idempotent true when running it twice is harmless (GET, XACK, HSET of the same value...)
   */
  public Future<Response> send(Request request, boolean idempotent) {
    return resilience.call(request.command().toString(), idempotent,
      () -> client().send(request).timeout(commandTimeoutMs, TimeUnit.MILLISECONDS));
  }

  /**
   * Sends {@code requests} pipelined on one connection and reports each command's own outcome.
   *
   * <p>The batch is encoded into one buffer and written once ({@code RedisConnection.batch}), not
   * one small buffer and write per command.
   *
   * <ul>
   *   <li>All commands succeeded: each {@link CommandResult#reply()} is that command's reply.</li>
   *   <li>Error replies of single commands (e.g. WRONGTYPE) are returned per index as a
   *       {@link RedisErrorReply} classified like the same reply to a single command; the call
   *       succeeds. The client drops the other replies of such a batch: the commands that
   *       succeeded then have {@code succeeded()} true and a {@code null} {@code reply()}.</li>
   *   <li>A transport failure (no connection, connection lost) fails the whole call; a connection
   *       lost with replies pending fails it with a {@link PipelineConnectionLostException}
   *       (AMBIGUOUS).</li>
   *   <li>When {@code commandTimeoutMs} passes with replies still pending, the call FAILS with a
   *       {@link PipelineTimeoutException}: AMBIGUOUS (the commands may have run), counted by the
   *       breaker, retried here only when {@code idempotent}. A command without a reply is never
   *       reported as a success; a caller with non-idempotent commands retries the batch itself
   *       (the receiver re-queues it: a duplicate stream entry is harmless downstream). The batch
   *       completes only when every reply is in, so every command then counts as pending and
   *       {@link PipelineTimeoutException#partial()} is empty.</li>
   *   <li>A connection that cannot be had within {@code commandTimeoutMs} fails TRANSIENT
   *       (nothing was sent, so a retry is always safe); one that arrives after that is closed.</li>
   * </ul>
   *
   * <p>Call from any context; the result completes on the caller's.
   */
  public Future<List<CommandResult>> pipeline(List<Request> requests, boolean idempotent) {
    List<Request> snapshot = List.copyOf(requests);
    return resilience.call("pipeline", idempotent, () -> connectWithin(commandTimeoutMs)
      .compose(conn -> sendAll(conn, snapshot).eventually(conn::close)));
  }

  private Future<List<CommandResult>> sendAll(RedisConnection conn, List<Request> snapshot) {
    int size = snapshot.size();
    Future<List<Response>> batch = conn.batch(snapshot);
    return batch.timeout(commandTimeoutMs, TimeUnit.MILLISECONDS).transform(ignored -> {
      if (!batch.isComplete()) {
        // No reply is exposed before the last one: the outcome of every command is unknown.
        return Future.failedFuture(new PipelineTimeoutException(size, size, commandTimeoutMs, List.of()));
      }
      if (batch.succeeded()) {
        List<Response> replies = batch.result();
        List<CommandResult> results = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
          results.add(new CommandResult(i, replies.get(i), null));
        }
        return Future.succeededFuture(results);
      }
      Throwable cause = batch.cause();
      if (!ErrorClassifier.isRedisErrorReply(cause)) {
        return Future.failedFuture(cause); // not sent, or the write failed: the client's own failure
      }
      try {
        return Future.succeededFuture(BatchFailure.perCommand(name, size, cause.getMessage()));
      } catch (PipelineConnectionLostException lost) {
        return Future.failedFuture(lost);
      } catch (IllegalArgumentException unreadable) {
        return Future.failedFuture(new IllegalStateException("unreadable failure of a batch of " + size
          + " commands to Redis '" + name + "' (" + unreadable.getMessage() + "): " + cause.getMessage(), cause));
      }
    });
  }

  /** A pipeline's connection, bounded by {@code timeoutMs}; a connection that arrives later is closed, not leaked. */
  private Future<RedisConnection> connectWithin(long timeoutMs) {
    Promise<RedisConnection> result = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, t -> result.tryFail(
      new ConnectException("no connection to Redis '" + name + "' within " + timeoutMs + " ms")));
    client().connect().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        result.tryFail(ar.cause());
      } else if (!result.tryComplete(ar.result())) {
        ar.result().close();
      }
    });
    return result.future();
  }

  /** @return this client's retry/breaker executor */
  public Resilience resilience() {
    return resilience;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return TYPE;
  }

  /** @return the endpoints without user info, e.g. {@code redis://127.0.0.1:6379} */
  @Override
  public String address() {
    return options.getEndpoints().stream().map(RedisResource::withoutCredentials).collect(Collectors.joining(","));
  }

  static String withoutCredentials(String endpoint) {
    int scheme = endpoint.indexOf("://");
    int at = endpoint.lastIndexOf('@');
    return scheme >= 0 && at > scheme ? endpoint.substring(0, scheme + 3) + endpoint.substring(at + 1) : endpoint;
  }

  @Override
  public Future<Void> open() {
    if (client != null) {
      return Future.succeededFuture();
    }
    Redis candidate = Redis.createClient(vertx, new RedisOptions(options));
    return candidate.send(Request.cmd(Command.PING))
      .<Void>map(reply -> {
        client = candidate;
        api = RedisAPI.api(candidate);
        return null;
      })
      .recover(err -> {
        candidate.close();
        return Future.failedFuture(err);
      });
  }

  /** @throws ResourceClosedException naming this resource when it is not open */
  public Redis client() {
    Redis c = client;
    if (c == null) {
      throw new ResourceClosedException(name);
    }
    return c;
  }

  /** @throws ResourceClosedException naming this resource when it is not open */
  public RedisAPI api() {
    RedisAPI a = api;
    if (a == null) {
      throw new ResourceClosedException(name);
    }
    return a;
  }

  /** @return a copy of the client options (may contain a password: do not log) */
  public RedisOptions options() {
    return new RedisOptions(options);
  }

  @Override
  public Future<Void> close() {
    Redis c = client;
    client = null;
    api = null;
    return c == null ? Future.succeededFuture() : c.close();
  }

  @Override
  public boolean isOpen() {
    return client != null;
  }

  @Override
  public Future<Void> check() {
    Redis c = client;
    if (c == null) {
      return Future.failedFuture(new ResourceClosedException(name));
    }
    if (resilience.breakerState() != io.vertx.circuitbreaker.CircuitBreakerState.CLOSED) {
      return Future.failedFuture("circuit breaker '" + name + "' is " + resilience.breakerState());
    }
    return c.send(Request.cmd(Command.PING)).mapEmpty();
  }
}
