package io.tradekit.health;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * The admin HTTP server: {@code GET /health/live} (200 while the process serves requests),
 * {@code GET /health/ready} (200 only when every registered readiness procedure is UP, else 503,
 * with a JSON body listing each procedure) and {@code GET /metrics} (Prometheus text of this Vert.x
 * instance's {@link KitMetrics}: the kit's meters, and Vert.x's own when Vert.x was created with
 * them). The scrape runs on the admin server's event loop; it walks every meter, so its cost grows
 * with the number of series, not with traffic.
 *
 * <p>Started and closed by the supervisor: started first (so readiness is observable as DOWN during
 * start-up) and closed last, after services, resources and dev services, so a load balancer sees
 * 503 for the whole shutdown. Runs on the context that calls {@link #start()}.
 */
public final class AdminServer {

  private final Vertx vertx;
  private final AdminOptions options;
  private final HealthChecks readiness;
  private final KitMetrics metrics;
  private HttpServer server;

  /**
   * @param readiness the procedures behind {@code /health/ready}; the caller registers and
   *     unregisters them (supervisor, services, resources)
   */
  public AdminServer(Vertx vertx, AdminOptions options, HealthChecks readiness) {
    this.vertx = vertx;
    this.options = options;
    this.readiness = readiness;
    this.metrics = KitMetrics.of(vertx);
  }

  /** @return the bound port (useful with {@code admin.port} 0) */
  public Future<Integer> start() {
    HealthChecks liveness = HealthChecks.create(vertx).register("alive", p -> p.complete(Status.OK()));
    Router router = Router.router(vertx);
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(liveness));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness));
    router.get("/metrics").handler(rc -> rc.response()
      .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
      .end(metrics.scrape()));
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(options.getPort(), options.getHost())
      .recover(err -> Future.failedFuture(new IllegalStateException("admin server cannot listen on "
        + options.getHost() + ":" + options.getPort() + " (admin.port): " + err.getMessage(), err)))
      .map(HttpServer::actualPort);
  }

  /** @return the bound port, or -1 when not started */
  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  /** Idempotent. */
  public Future<Void> close() {
    HttpServer s = server;
    return s == null ? Future.succeededFuture() : s.close();
  }
}
