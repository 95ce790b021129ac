package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigLoader;
import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.tradekit.health.AdminServer;
import io.tradekit.pg.PgResource;
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

  private SupervisorOptions options;
  private ResourceRegistry registry;
  private AdminServer admin;
  private DevServices.Lease devServices;
  private boolean ready;
  private boolean startupDone;
  private Future<Integer> shutdown;
  private Throwable startFailure;

  Supervisor(Vertx vertx, Context context, JsonObject inlineConfig, String configPath, String onlyService) {
    this.vertx = vertx;
    this.context = context;
    this.inlineConfig = inlineConfig;
    this.configPath = configPath;
    this.onlyService = onlyService;
    this.events = new LifecycleEvents(vertx);
    this.readiness = new ReadinessChecks(HealthChecks.create(vertx), this::isReady);
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

  Future<Void> start() {
    events.emit("supervisor.starting", "config", configPath != null ? configPath : "inline",
      "only", onlyService == null ? "-" : onlyService);
    Future<JsonObject> loaded = configPath != null ? ConfigLoader.load(vertx, configPath) : ConfigLoader.load(vertx, inlineConfig);
    return loaded
      .compose(this::validate)
      .compose(v -> startAdmin())
      .compose(v -> startDevServices())
      .compose(v -> openResources())
      .compose(v -> migrate())
      .compose(v -> deployServices())
      .compose(v -> {
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
          return Future.failedFuture(new IllegalStateException("shutdown requested during start-up"));
        }
        started.add(runner);
        return runner.start();
      });
    }
    return chain;
  }

  private Future<Void> rollback(Throwable cause) {
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
    events.emit("supervisor.stopping", "reason", reason);
    int[] exitCode = {requestedExitCode};
    Promise<Void> drained = Promise.promise();
    long drainMs = startupDone ? options.drainDelayMs() : 0;
    if (drainMs > 0) {
      vertx.setTimer(drainMs, t -> drained.complete());
    } else {
      drained.complete();
    }
    Future<Void> ordered = drained.future()
      .compose(v -> stopServices())
      .compose(clean -> {
        if (!clean) {
          exitCode[0] = Math.max(exitCode[0], ExitCodes.FAILURE);
        }
        return registry == null ? Future.succeededFuture()
          : registry.closeAll(options.resourceCloseTimeoutMs()).recover(err -> {
              LOG.error("{}", err.getMessage());
              exitCode[0] = Math.max(exitCode[0], ExitCodes.FAILURE);
              return Future.succeededFuture();
            });
      })
      .compose(v -> releaseDevServices());
    long deadlineMs = options == null ? SupervisorOptions.DEFAULT_SHUTDOWN_DEADLINE_MS : options.shutdownDeadlineMs();
    shutdown = ordered
      .timeout(deadlineMs, TimeUnit.MILLISECONDS)
      .recover(err -> {
        LOG.error("shutdown did not complete within shutdown.deadlineMs={} ms: {}", deadlineMs, ServiceRunner.describe(err));
        exitCode[0] = Math.max(exitCode[0], ExitCodes.FAILURE);
        return Future.succeededFuture();
      })
      .compose(v -> admin == null ? Future.succeededFuture() : admin.close().otherwiseEmpty())
      .map(v -> {
        events.emit("supervisor.stopped", "exitCode", exitCode[0], "reason", reason,
          "tookMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        terminated.tryComplete(exitCode[0]);
        return exitCode[0];
      });
    return shutdown;
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
