package io.tradekit.redis;

import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceClosedException;
import io.tradekit.resilience.Resilience;
import io.tradekit.resilience.ResilienceOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

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
   * A transport failure (no connection, connection lost) fails the whole call and is retried per
   * the rules when {@code idempotent}; error replies of single commands are returned per index.
   */
  public Future<List<CommandResult>> pipeline(List<Request> requests, boolean idempotent) {
    List<Request> snapshot = List.copyOf(requests);
    return resilience.call("pipeline", idempotent, () -> client().connect()
      .timeout(commandTimeoutMs, TimeUnit.MILLISECONDS)
      .compose(conn -> {
        List<Future<Response>> replies = new ArrayList<>(snapshot.size());
        for (Request request : snapshot) {
          replies.add(conn.send(request));
        }
        return Future.join(replies).timeout(commandTimeoutMs, TimeUnit.MILLISECONDS)
          .transform(all -> {
            List<CommandResult> results = new ArrayList<>(snapshot.size());
            Throwable transport = null;
            for (int i = 0; i < replies.size(); i++) {
              Future<Response> reply = replies.get(i);
              if (reply.failed() && !io.tradekit.resilience.ErrorClassifier.isRedisErrorReply(reply.cause())) {
                transport = reply.cause();
              }
              results.add(new CommandResult(i, reply.succeeded() ? reply.result() : null,
                reply.succeeded() ? null : reply.cause() == null ? new IllegalStateException("no reply") : reply.cause()));
            }
            if (all.failed() && transport == null && results.stream().allMatch(CommandResult::succeeded)) {
              transport = all.cause();
            }
            return transport != null ? Future.<List<CommandResult>>failedFuture(transport) : Future.succeededFuture(results);
          })
          .eventually(conn::close);
      }));
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
