package io.tradekit.redis;

import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceClosedException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

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
  private volatile Redis client;
  private volatile RedisAPI api;

  RedisResource(Vertx vertx, String name, RedisOptions options) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
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
    return c == null ? Future.failedFuture(new ResourceClosedException(name)) : c.send(Request.cmd(Command.PING)).mapEmpty();
  }
}
