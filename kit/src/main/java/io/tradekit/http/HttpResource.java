package io.tradekit.http;

import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceClosedException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * A shared HTTP client (Vert.x Web Client) with a base URL, as a supervisor resource of type
 * {@value #TYPE}. Opening creates the client without contacting the server (an HTTP dependency
 * being down is the caller's retry decision, not a start-up blocker).
 */
public final class HttpResource implements Resource {

  public static final String TYPE = "http";

  private final Vertx vertx;
  private final String name;
  private final WebClientOptions options;
  private final String baseUrl;
  private volatile WebClient client;

  HttpResource(Vertx vertx, String name, WebClientOptions options, String baseUrl) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
    this.baseUrl = baseUrl;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String address() {
    return baseUrl;
  }

  /** @return the configured base URL without a trailing slash */
  public String baseUrl() {
    return baseUrl;
  }

  @Override
  public Future<Void> open() {
    if (client == null) {
      client = WebClient.create(vertx, new WebClientOptions(options));
    }
    return Future.succeededFuture();
  }

  /** @throws ResourceClosedException naming this resource when it is not open */
  public WebClient client() {
    WebClient c = client;
    if (c == null) {
      throw new ResourceClosedException(name);
    }
    return c;
  }

  @Override
  public Future<Void> close() {
    WebClient c = client;
    client = null;
    if (c != null) {
      c.close();
    }
    return Future.succeededFuture();
  }

  @Override
  public boolean isOpen() {
    return client != null;
  }

  @Override
  public Future<Void> check() {
    return client == null ? Future.failedFuture(new ResourceClosedException(name)) : Future.succeededFuture();
  }
}
