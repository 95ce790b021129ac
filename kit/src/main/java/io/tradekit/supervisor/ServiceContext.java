package io.tradekit.supervisor;

import io.tradekit.resource.Resource;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;

/**
 * What the supervisor hands a service: its name, its {@code config} block and the resources it
 * declared in {@code uses}, plus the two ways to report its fate.
 *
 * <p>Created by the supervisor, one per service (shared by its instances), before the service's
 * verticle is deployed. Methods may be called from any thread; reports are handled on the
 * supervisor's context.
 */
public interface ServiceContext {

  /** @return the service name from config */
  String name();

  /** @return the service's {@code config} block (a copy; changing it changes nothing) */
  JsonObject config();

  /** @return whether this service is a long-running daemon or a run-once task */
  ServiceKind kind();

  /**
   * @return the open resource {@code name}, which the service must have declared in {@code uses}
   * @throws IllegalArgumentException naming the service and resource when it was not declared, or
   *     is not of the requested type
   */
  <R extends Resource> R resource(String name, Class<R> type);

  /**
   * Adds a readiness procedure to {@code /health/ready} under {@code checks/<service>/<name>}, e.g.
   * the receiver's feed connection: while it reports KO the process is not ready. Registering the
   * same name again (after a restart) replaces the previous procedure. Call it on the service's
   * context (e.g. from {@code start()}): the procedure then runs on that context at every probe, so
   * it may read state confined to the service.
   */
  void readinessCheck(String name, Handler<Promise<Status>> procedure);

  /**
   * Reports a fatal runtime failure. The supervisor undeploys the service and applies its restart
   * policy; for a task this is the task's failed result. Uncaught exceptions on the service's
   * Vert.x context are reported here automatically.
   */
  void fail(Throwable cause);

  /**
   * Reports that the service finished its work successfully. For a task this is its result; a
   * {@code transient} or {@code temporary} daemon that completes is not restarted.
   */
  void complete();
}
