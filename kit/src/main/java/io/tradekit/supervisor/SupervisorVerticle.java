package io.tradekit.supervisor;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The tradekit supervisor as a verticle: deploy it and it loads the config, starts dev services,
 * opens shared resources and deploys the configured services; undeploy it (or call
 * {@link #shutdown(String)}) and it stops them in the guaranteed order.
 *
 * <p>Deployed by the launchers ({@code java -jar tradekit.jar}, {@code run
 * io.tradekit.supervisor.SupervisorVerticle -conf f}, {@code run service:<name> -conf f}) or by
 * {@link TradeKit} when embedding. With the no-argument constructor the deployment's
 * {@code config()} is the supervisor config. Shared resources are created on this verticle's
 * context, so even a bare {@code vertx.close()} closes them only after the services (its child
 * deployments) were undeployed; the ordered path is {@link #shutdown(String)}, which the launchers
 * call on SIGTERM/SIGINT before closing Vert.x.
 */
public class SupervisorVerticle extends VerticleBase {

  private final JsonObject explicitConfig;
  private final String configPath;
  private final String onlyService;
  private final Promise<Integer> terminated = Promise.promise();
  private final AtomicReference<String> pendingStop = new AtomicReference<>();
  private volatile Supervisor supervisor;

  /** Uses the deployment's {@code config()} as the supervisor config. */
  public SupervisorVerticle() {
    this(null, null, null);
  }

  /** Uses {@code config} (environment overrides and secret files are still applied). */
  public SupervisorVerticle(JsonObject config) {
    this(config, null, null);
  }

  SupervisorVerticle(JsonObject config, String configPath, String onlyService) {
    this.explicitConfig = config == null ? null : config.copy();
    this.configPath = configPath;
    this.onlyService = onlyService;
  }

  /** A supervisor that reads its config from {@code path} with Vert.x Config. */
  public static SupervisorVerticle fromFile(String path) {
    return new SupervisorVerticle(null, path, null);
  }

  /**
   * A supervisor that runs only the service {@code name} of its config (enabled or not, its
   * {@code dependsOn} ignored) with the resources it uses: {@code run service:<name>}.
   */
  public static SupervisorVerticle forService(String name, JsonObject configOrNull) {
    return new SupervisorVerticle(configOrNull, null, name);
  }

  @Override
  public Future<?> start() {
    JsonObject inline = explicitConfig != null ? explicitConfig : config();
    Supervisor created = new Supervisor(vertx, context, inline, configPath, onlyService);
    created.terminated().onComplete(ar -> terminated.tryComplete(ar.succeeded() ? ar.result() : ExitCodes.FAILURE));
    supervisor = created;
    ProcessMode.track(this);
    String stopBeforeStart = pendingStop.get();
    if (stopBeforeStart != null) {
      // shutdown() was called between deployVerticle and this start(): honour it before anything starts.
      created.shutdown(stopBeforeStart, ExitCodes.OK);
    }
    return created.start();
  }

  @Override
  public Future<?> stop() {
    return supervisor.shutdown("undeployed", ExitCodes.OK);
  }

  /**
   * Runs the ordered shutdown (idempotent; may be called from any thread).
   *
   * @return the exit code: 0 clean, 1 when a service overran its stop timeout or something failed
   */
  public Future<Integer> shutdown(String reason) {
    Supervisor current = supervisor;
    if (current == null) {
      // Not started yet (deployVerticle was called, start() has not run): start() sees this and
      // stops before anything starts. Re-read after recording it, in case start() ran meanwhile.
      pendingStop.compareAndSet(null, reason);
      current = supervisor;
      if (current == null) {
        return terminated.future();
      }
    }
    Supervisor target = current;
    Promise<Integer> result = Promise.promise();
    context.runOnContext(v -> target.shutdown(reason, ExitCodes.OK).onComplete(result));
    return result.future();
  }

  /** @return completes with the exit code when the supervisor has stopped, for any reason */
  public Future<Integer> terminated() {
    return terminated.future();
  }

  /** @return why start-up failed, or null */
  public Throwable startFailure() {
    return supervisor == null ? null : supervisor.startFailure();
  }

  /**
   * @return how long after a stop request the process watchdog lets the ordered stop run before it
   *     halts the JVM: {@code shutdown.deadlineMs + shutdown.watchdogMarginMs} (defaults before the
   *     config was read). Any thread.
   */
  long watchdogBudgetMs() {
    Supervisor s = supervisor;
    return s == null ? SupervisorOptions.DEFAULT_SHUTDOWN_DEADLINE_MS + SupervisorOptions.DEFAULT_WATCHDOG_MARGIN_MS
      : s.shutdownDeadlineMs() + s.watchdogMarginMs();
  }

  /** @return the admin server's port, or -1 when disabled or not started */
  public int adminPort() {
    return supervisor == null ? -1 : supervisor.adminPort();
  }
}
