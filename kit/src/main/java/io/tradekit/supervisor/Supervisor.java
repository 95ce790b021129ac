package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigLoader;
import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.health.AdminServer;
import io.tradekit.pg.PgResource;
import io.tradekit.resource.OpenCancelledException;
import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceFactories;
import io.tradekit.resource.ResourceRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor's core: owns the start sequence, the ordered shutdown and the exit code.
 *
 * <p>Start: load config (file or inline, then environment overrides and secret files) → validate →
 * admin server (readiness DOWN) → dev services → open the resources enabled services use (waiting
 * with backoff) → migrations → deploy services in dependency order → ready. Any failure rolls back
 * what was started, in reverse. Shutdown: readiness DOWN → drain delay → services in reverse start
 * order, each within its stop timeout → resources in reverse open order → dev services → admin
 * server; one overall deadline. Created and driven by {@link SupervisorVerticle} on its context.
 */
final class Supervisor implements ServiceRunner.Owner {

  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  private final Vertx vertx;
  private final Context context;
  private final JsonObject inlineConfig;
  private final String configPath;
  private final String onlyService;
  private final LifecycleEvents events;
  private final Promise<Integer> terminated = Promise.promise();
  private final List<ServiceRunner> runners = new ArrayList<>();
  private final List<ServiceRunner> started = new ArrayList<>();
  private final ReadinessChecks readiness;

  // volatile: the process watchdog reads the stop deadline from the signal thread.
  private volatile SupervisorOptions options;
  private ResourceRegistry registry;
  private AdminServer admin;
  private DevServices.Lease devServices;
  private boolean ready;
  private boolean startupDone;
  private Future<Integer> shutdown;
  private String stopReason;
  private Throwable startFailure;
  private Phase phase = Phase.NEW;
  /** The start-up phases before READY, without the rollback; a stop waits for it to settle. */
  private Future<Void> steps;

  Supervisor(Vertx vertx, Context context, JsonObject inlineConfig, String configPath, String onlyService) {
    this.vertx = vertx;
    this.context = context;
    this.inlineConfig = inlineConfig;
    this.configPath = configPath;
    this.onlyService = onlyService;
    this.events = new LifecycleEvents(vertx);
    this.readiness = new ReadinessChecks(HealthChecks.create(vertx), context, this::isReady);
  }

  /** @return completes with the exit code once the supervisor has fully stopped */
  Future<Integer> terminated() {
    return terminated.future();
  }

  /** @return the failure that aborted start-up, or null */
  Throwable startFailure() {
    return startFailure;
  }

  int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  boolean isReady() {
    return ready && shutdown == null;
  }

  /** @return true once the ordered stop has begun */
  @Override
  public boolean stopRequested() {
    return shutdown != null;
  }

  /**
   * Start-up phases, in order. A stop may land in any of them: the phase in flight completes (an
   * open, a migration, a deploy, each bounded), no later phase begins, and the ordered stop then
   * undoes whatever was opened or deployed.
   */
  enum Phase { NEW, LOADING, VALIDATING, STARTING_ADMIN, STARTING_DEV_SERVICES, OPENING_RESOURCES, MIGRATING,
    DEPLOYING, READY, STOPPING, STOPPED }

  Future<Void> start() {
    if (shutdown != null) {
      // Stopped before start-up began: nothing to undo, nothing to start.
      startFailure = new StartupCancelledException(stopReason);
      return shutdown.transform(ar -> Future.failedFuture(startFailure));
    }
    events.emit("supervisor.starting", "config", configPath != null ? configPath : "inline",
      "only", onlyService == null ? "-" : onlyService);
    steps = step(Phase.LOADING, () -> configPath != null ? ConfigLoader.load(vertx, configPath)
        : ConfigLoader.load(vertx, inlineConfig))
      .compose(json -> step(Phase.VALIDATING, () -> validate(json)))
      .compose(v -> step(Phase.STARTING_ADMIN, this::startAdmin))
      .compose(v -> step(Phase.STARTING_DEV_SERVICES, this::startDevServices))
      .compose(v -> step(Phase.OPENING_RESOURCES, this::openResources))
      .compose(v -> step(Phase.MIGRATING, this::migrate))
      .compose(v -> step(Phase.DEPLOYING, this::deployServices));
    return steps
      .compose(v -> {
        if (shutdown != null) {
          return Future.failedFuture(new StartupCancelledException(stopReason));
        }
        phase = Phase.READY;
        ready = true;
        startupDone = true;
        events.emit("supervisor.ready", "services", started.size(), "resources", registry.all().size(),
          "adminPort", adminPort());
        maybeFinishTasks();
        return Future.<Void>succeededFuture();
      })
      .recover(this::rollback);
  }

  /**
   * Enters {@code next} unless a stop was requested, in which case start-up ends here: the stop
   * has already begun and will undo what the earlier phases did.
   */
  private <T> Future<T> step(Phase next, java.util.function.Supplier<Future<T>> action) {
    if (shutdown != null) {
      return Future.failedFuture(new StartupCancelledException(stopReason));
    }
    phase = next;
    try {
      return action.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Runs on a worker: validation loads every service and client class for the first time, which
   * reads jars and would stall the event loop for a few hundred milliseconds on a cold JVM.
   */
  private Future<Void> validate(JsonObject json) {
    return vertx.executeBlocking(() -> {
      SupervisorOptions parsed = SupervisorOptions.fromJson(json, onlyService);
      // Create (not open) every used resource now so a bad resource block is a config error
      // before anything starts; they are re-created after dev services rewrote their address.
      for (String name : parsed.usedResources()) {
        ResourceFactories.create(vertx, name, parsed.resources().get(name), "resources." + name);
      }
      new DevServicesOptions(parsed.devServices());
      return parsed;
    }, false).map(parsed -> {
      options = parsed;
      return null;
    });
  }

  private ResourceRegistry createResources(Map<String, JsonObject> blocks) {
    ResourceRegistry created = new ResourceRegistry(vertx, new ResourceEvents());
    for (String name : options.usedResources()) {
      created.add(ResourceFactories.create(vertx, name, blocks.get(name), "resources." + name));
    }
    return created;
  }

  private Future<Void> startAdmin() {
    if (!options.admin().isEnabled()) {
      return Future.succeededFuture();
    }
    readiness.registerSupervisor();
    admin = new AdminServer(vertx, options.admin(), readiness.checks());
    return admin.start().mapEmpty();
  }

  private Future<Void> startDevServices() {
    DevServicesOptions devOptions = new DevServicesOptions(options.devServices());
    if (!devOptions.isEnabled() || options.usedResources().isEmpty()) {
      registry = createResources(options.resources());
      return Future.succeededFuture();
    }
    return DevServices.acquire(vertx, devOptions).map(lease -> {
      devServices = lease;
      JsonObject resources = new JsonObject();
      options.resources().forEach(resources::put);
      JsonObject applied = lease.applyTo(resources);
      Map<String, JsonObject> blocks = new java.util.LinkedHashMap<>();
      applied.fieldNames().forEach(name -> blocks.put(name, applied.getJsonObject(name)));
      registry = createResources(blocks);
      return null;
    });
  }

  private Future<Void> openResources() {
    registry.all().forEach(readiness::registerResource);
    return registry.openAll(options.resourceWaitMs(), options.resourceRetryMinMs(), options.resourceRetryMaxMs());
  }

  private Future<Void> migrate() {
    Future<Void> chain = Future.succeededFuture();
    for (Resource resource : registry.all()) {
      if (resource instanceof PgResource pg && pg.migrationsEnabled()) {
        chain = chain.compose(v -> pg.migrate().map(applied -> {
          events.emit("resource.migrated", "resource", pg.name(), "applied", applied);
          return null;
        }));
      }
    }
    return chain;
  }

  private Future<Void> deployServices() {
    Future<Void> chain = Future.succeededFuture();
    for (ServiceSpec spec : options.services()) {
      ServiceRunner runner = new ServiceRunner(vertx, context, spec, events, this);
      runners.add(runner);
      readiness.registerService(runner);
      chain = chain.compose(v -> {
        if (shutdown != null) {
          return Future.failedFuture(new StartupCancelledException(stopReason));
        }
        // Recorded before its deploy begins, so a stop that lands during the deploy stops it too.
        started.add(runner);
        return runner.start();
      });
    }
    return chain;
  }

  private Future<Void> rollback(Throwable cause) {
    if (cause instanceof StartupCancelledException || shutdown != null) {
      // Not a start-up failure: a stop arrived during start-up and is already running; its exit code
      // stands. The phase that was in flight may still fail after the stop began (e.g. a dev service
      // whose start the stop interrupted): logged, and what it did open is undone by the stop.
      if (!(cause instanceof StartupCancelledException) && !(cause instanceof OpenCancelledException)) {
        LOG.warn("event=supervisor.phase-failed-while-stopping cause=\"{}\" (the phase supervisor.stopping named)",
          ServiceRunner.describe(cause));
      }
      Throwable cancelled = cause instanceof StartupCancelledException ? cause : new StartupCancelledException(stopReason);
      startFailure = cancelled;
      return shutdown.transform(ar -> Future.failedFuture(cancelled));
    }
    startFailure = cause;
    int exitCode = cause instanceof ConfigException ? ExitCodes.CONFIG_ERROR : ExitCodes.FAILURE;
    // A config error is reported once, as one line, by whoever started us (launcher: stderr;
    // embedding: the failed start future); anything else is logged here.
    if (!(cause instanceof ConfigException)) {
      LOG.error("start-up failed: {}", ServiceRunner.describe(cause));
    }
    return shutdown("start-up failed", exitCode).transform(ar -> Future.failedFuture(cause));
  }

  @Override
  public Resource resource(String name) {
    Resource resource = registry == null ? null : registry.get(name);
    if (resource == null) {
      throw new IllegalArgumentException("resource '" + name + "' is not open in this supervisor");
    }
    return resource;
  }

  @Override
  public void taskFinished(ServiceRunner runner, Throwable failureOrNull) {
    if (failureOrNull != null) {
      LOG.warn("task '{}' failed: {}", runner.spec().name(), ServiceRunner.describe(failureOrNull));
    }
    maybeFinishTasks();
  }

  /** When only tasks were deployed and all have finished, shut down with their combined result. */
  private void maybeFinishTasks() {
    if (!startupDone || shutdown != null || runners.isEmpty()) {
      return;
    }
    boolean anyFailed = false;
    for (ServiceRunner runner : runners) {
      if (runner.spec().kind() != ServiceKind.TASK) {
        return;
      }
      ServiceRunner.State state = runner.state();
      if (state != ServiceRunner.State.COMPLETED && state != ServiceRunner.State.FAILED) {
        return;
      }
      anyFailed |= state == ServiceRunner.State.FAILED;
    }
    shutdown(anyFailed ? "tasks finished with a failure" : "tasks completed",
      anyFailed ? ExitCodes.FAILURE : ExitCodes.OK);
  }

  @Override
  public void readinessCheck(String name, io.vertx.core.Handler<Promise<io.vertx.ext.healthchecks.Status>> procedure) {
    // Called from service contexts; the health checks object is thread-safe for registration.
    readiness.checks().unregister(name);
    readiness.checks().register(name, ReadinessChecks.RESOURCE_CHECK_TIMEOUT_MS, procedure);
  }

  @Override
  public void escalate(ServiceRunner runner, String reason) {
    LOG.error("escalating: {}", reason);
    shutdown(reason, ExitCodes.FAILURE);
  }

  /**
   * Runs the ordered shutdown once; later calls return the same future. Must be called on the
   * supervisor's context.
   *
   * @param requestedExitCode the code when everything stops cleanly; a stop overrun or a resource
   *     that fails to close raises it to at least 1
   */
  Future<Integer> shutdown(String reason, int requestedExitCode) {
    if (shutdown != null) {
      return shutdown;
    }
    long startNanos = System.nanoTime();
    stopReason = reason;
    Phase interrupted = phase;
    phase = Phase.STOPPING;
    events.emit("supervisor.stopping", "reason", reason, "phase", interrupted.name().toLowerCase());
    if (registry != null) {
      registry.cancelOpening(); // no new open attempt from here; one in flight is awaited below
    }
    ExitCode exitCode = new ExitCode(requestedExitCode);
    // Start-up phases in flight complete first (each is bounded); no later one begins because
    // shutdown is set. Only then is anything undone, so a pool is never closed under a migration
    // and a deploy that completes after the stop is still undeployed.
    Future<Void> startupSettled = steps == null ? Future.succeededFuture() : steps.otherwiseEmpty();
    long drainMs = startupDone ? options.drainDelayMs() : 0;
    Future<Void> ordered = startupSettled
      .compose(v -> drainMs > 0 ? delay(drainMs) : Future.<Void>succeededFuture())
      .compose(v -> stopServices())
      .compose(clean -> {
        if (!clean) {
          exitCode.raiseTo(ExitCodes.FAILURE);
        }
        return registry == null ? Future.succeededFuture()
          : registry.closeAll(options.resourceCloseTimeoutMs()).recover(err -> {
              LOG.error("{}", err.getMessage());
              exitCode.raiseTo(ExitCodes.FAILURE);
              return Future.succeededFuture();
            });
      })
      .compose(v -> releaseDevServices());
    long deadlineMs = shutdownDeadlineMs();
    shutdown = ordered
      .timeout(deadlineMs, TimeUnit.MILLISECONDS)
      .recover(err -> {
        LOG.error("shutdown did not complete within shutdown.deadlineMs={} ms: {}", deadlineMs, ServiceRunner.describe(err));
        exitCode.raiseTo(ExitCodes.FAILURE);
        return Future.succeededFuture();
      })
      .compose(v -> admin == null ? Future.succeededFuture() : admin.close().otherwiseEmpty())
      .map(v -> {
        phase = Phase.STOPPED;
        events.emit("supervisor.stopped", "exitCode", exitCode.value(), "reason", reason,
          "tookMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        terminated.tryComplete(exitCode.value());
        return exitCode.value();
      });
    return shutdown;
  }

  /** @return the overall bound of the ordered stop: the configured one, or the default before config was read */
  long shutdownDeadlineMs() {
    return options == null ? SupervisorOptions.DEFAULT_SHUTDOWN_DEADLINE_MS : options.shutdownDeadlineMs();
  }

  /** @return the process watchdog's margin past the stop deadline */
  long watchdogMarginMs() {
    return options == null ? SupervisorOptions.DEFAULT_WATCHDOG_MARGIN_MS : options.watchdogMarginMs();
  }

  private Future<Void> delay(long ms) {
    Promise<Void> elapsed = Promise.promise();
    vertx.setTimer(ms, t -> elapsed.complete());
    return elapsed.future();
  }

  /** The exit code of one shutdown: starts at the requested code and only ever rises. */
  private static final class ExitCode {
    private int value;

    ExitCode(int requested) {
      this.value = requested;
    }

    void raiseTo(int code) {
      value = Math.max(value, code);
    }

    int value() {
      return value;
    }
  }

  /** @return true when every service stopped within its timeout */
  private Future<Boolean> stopServices() {
    List<ServiceRunner> reverse = new ArrayList<>(started);
    Collections.reverse(reverse);
    Future<Boolean> chain = Future.succeededFuture(true);
    for (ServiceRunner runner : reverse) {
      chain = chain.compose(allClean -> runner.stop().map(clean -> allClean && clean && !runner.hadStopProblem()));
    }
    return chain;
  }

  private Future<Void> releaseDevServices() {
    DevServices.Lease lease = devServices;
    devServices = null;
    return lease == null ? Future.succeededFuture() : lease.release().recover(err -> {
      LOG.warn("dev services did not stop cleanly: {}", ServiceRunner.describe(err));
      return Future.succeededFuture();
    });
  }

  /** Turns registry transitions into lifecycle events. */
  private final class ResourceEvents implements ResourceRegistry.Listener {
    @Override
    public void opening(Resource resource) {
      events.emit("resource.opening", "resource", resource.name(), "type", resource.type(), "address", resource.address());
    }

    @Override
    public void opened(Resource resource, long tookMs) {
      events.emit("resource.opened", "resource", resource.name(), "type", resource.type(),
        "address", resource.address(), "tookMs", tookMs);
    }

    @Override
    public void closed(Resource resource, Throwable failureOrNull) {
      if (failureOrNull == null) {
        events.emit("resource.closed", "resource", resource.name());
      } else {
        events.emit("resource.closed", "resource", resource.name(), "error", ServiceRunner.describe(failureOrNull));
      }
    }
  }
}
