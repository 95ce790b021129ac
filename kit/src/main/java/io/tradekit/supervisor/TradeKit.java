package io.tradekit.supervisor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Embeds tradekit in an existing application: start the supervisor with a config on your Vert.x
 * instance, stop it when you are done.
 *
 * <pre>{@code
 * TradeKit kit = TradeKit.start(vertx, config).await();   // or compose on the future
 * ...
 * kit.stop().onSuccess(exitCode -> vertx.close());
 * }</pre>
 *
 * <p>Call {@link #stop()} before {@code vertx.close()}: it runs the ordered shutdown (services,
 * then resources, then dev services). Methods may be called from any thread. Nothing here exits
 * the JVM; {@link #terminated()} tells you when the kit stopped by itself (all tasks done,
 * restart intensity exceeded) and with which exit code.
 */
public final class TradeKit {

  private final Vertx vertx;
  private final SupervisorVerticle supervisor;
  private final String deploymentId;

  private TradeKit(Vertx vertx, SupervisorVerticle supervisor, String deploymentId) {
    this.vertx = vertx;
    this.supervisor = supervisor;
    this.deploymentId = deploymentId;
  }

  /** Starts with an in-memory config; fails with the start-up cause (a ConfigException for bad config). */
  public static Future<TradeKit> start(Vertx vertx, JsonObject config) {
    return deploy(vertx, new SupervisorVerticle(config));
  }

  /** Starts with a config file read through Vert.x Config. */
  public static Future<TradeKit> start(Vertx vertx, String configPath) {
    return deploy(vertx, SupervisorVerticle.fromFile(configPath));
  }

  private static Future<TradeKit> deploy(Vertx vertx, SupervisorVerticle supervisor) {
    return vertx.deployVerticle(supervisor).map(id -> new TradeKit(vertx, supervisor, id));
  }

  /**
   * Ordered shutdown, then undeploys the supervisor. Idempotent.
   *
   * @return the exit code a process would have: 0 clean, 1 when something overran or failed
   */
  public Future<Integer> stop() {
    return supervisor.shutdown("stop requested").compose(code -> {
      if (!vertx.deploymentIDs().contains(deploymentId)) {
        return Future.succeededFuture(code);
      }
      return vertx.undeploy(deploymentId).transform(ar -> Future.succeededFuture(code));
    });
  }

  /** @return completes with the exit code when the kit has stopped, for any reason */
  public Future<Integer> terminated() {
    return supervisor.terminated();
  }

  /** @return the admin server's bound port, or -1 when the admin server is disabled */
  public int adminPort() {
    return supervisor.adminPort();
  }

  /** @return the supervisor's deployment id */
  public String deploymentId() {
    return deploymentId;
  }
}
