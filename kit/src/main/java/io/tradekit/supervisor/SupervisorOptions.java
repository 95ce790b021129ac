package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.health.AdminOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The whole supervisor configuration, validated: admin server, start-up and shutdown timing, dev
 * services, resources and services.
 *
 * <p>Built by the supervisor from the loaded config (after environment overrides and secret files)
 * before anything starts. Every problem is a {@link ConfigException} naming the key path; the
 * process launchers turn it into one line on stderr and exit code 2.
 *
 * <p>Top-level keys: {@code admin}, {@code startup} ({@code resourceWaitMs} 30000,
 * {@code resourceRetryMinMs} 200, {@code resourceRetryMaxMs} 2000), {@code shutdown}
 * ({@code drainDelayMs} 0, {@code deadlineMs} 60000, {@code resourceCloseTimeoutMs} 5000,
 * {@code watchdogMarginMs} 5000: in process mode a watchdog thread halts the JVM with exit code 1
 * and a thread dump when the ordered stop has not finished by {@code deadlineMs} plus this margin),
 * {@code devServices}, {@code resources} (name to block), {@code services} (array), and an
 * optional free-text {@code description}.
 */
public final class SupervisorOptions {

  public static final long DEFAULT_RESOURCE_WAIT_MS = 30_000;
  public static final long DEFAULT_RESOURCE_RETRY_MIN_MS = 200;
  public static final long DEFAULT_RESOURCE_RETRY_MAX_MS = 2_000;
  public static final long DEFAULT_DRAIN_DELAY_MS = 0;
  public static final long DEFAULT_SHUTDOWN_DEADLINE_MS = 60_000;
  public static final long DEFAULT_RESOURCE_CLOSE_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_WATCHDOG_MARGIN_MS = 5_000;

  private static final Set<String> KEYS = Set.of("description", "admin", "startup", "shutdown", "devServices",
    "resources", "services");

  private final AdminOptions admin;
  private final long resourceWaitMs;
  private final long resourceRetryMinMs;
  private final long resourceRetryMaxMs;
  private final long drainDelayMs;
  private final long shutdownDeadlineMs;
  private final long resourceCloseTimeoutMs;
  private final long watchdogMarginMs;
  private final JsonObject devServices;
  private final Map<String, JsonObject> resources;
  private final List<ServiceSpec> services;

  private SupervisorOptions(JsonObject json, String onlyService) {
    ConfigReader root = ConfigReader.of(json, "").rejectUnknownKeys(KEYS);
    this.admin = new AdminOptions(root.object("admin"));
    ConfigReader startup = root.object("startup")
      .rejectUnknownKeys(Set.of("resourceWaitMs", "resourceRetryMinMs", "resourceRetryMaxMs"));
    this.resourceWaitMs = startup.millis("resourceWaitMs", DEFAULT_RESOURCE_WAIT_MS, 0);
    this.resourceRetryMinMs = startup.millis("resourceRetryMinMs", DEFAULT_RESOURCE_RETRY_MIN_MS, 1);
    this.resourceRetryMaxMs = startup.millis("resourceRetryMaxMs", Math.max(resourceRetryMinMs, DEFAULT_RESOURCE_RETRY_MAX_MS), resourceRetryMinMs);
    ConfigReader shutdown = root.object("shutdown")
      .rejectUnknownKeys(Set.of("drainDelayMs", "deadlineMs", "resourceCloseTimeoutMs", "watchdogMarginMs"));
    this.drainDelayMs = shutdown.millis("drainDelayMs", DEFAULT_DRAIN_DELAY_MS, 0);
    this.shutdownDeadlineMs = shutdown.millis("deadlineMs", DEFAULT_SHUTDOWN_DEADLINE_MS, 1);
    this.resourceCloseTimeoutMs = shutdown.millis("resourceCloseTimeoutMs", DEFAULT_RESOURCE_CLOSE_TIMEOUT_MS, 1);
    this.watchdogMarginMs = shutdown.millis("watchdogMarginMs", DEFAULT_WATCHDOG_MARGIN_MS, 0);
    this.devServices = root.rawObject("devServices").copy();

    JsonObject resourcesBlock = root.rawObject("resources");
    Map<String, JsonObject> res = new LinkedHashMap<>();
    ConfigReader resourcesReader = root.object("resources");
    for (String name : resourcesBlock.fieldNames()) {
      JsonObject block = resourcesReader.rawObject(name);
      ConfigReader.of(block, resourcesReader.path(name)).requiredString("type");
      res.put(name, block.copy());
    }
    this.resources = Collections.unmodifiableMap(res);

    List<ServiceSpec> all = new ArrayList<>();
    for (ConfigReader block : root.objectList("services")) {
      all.add(ServiceSpec.fromConfig(block));
    }
    this.services = Collections.unmodifiableList(selectAndCheck(all, onlyService));
    if (services.isEmpty()) {
      // A supervisor with nothing to run is almost always a wrong or empty config file.
      throw new ConfigException("services", "expected at least one enabled service, got " + all.size()
        + " service(s), none enabled");
    }
    // Each service checks its own config block now, so a late service in a long dependency chain
    // cannot fail minutes into a start on a key that was wrong from the beginning.
    for (ServiceSpec spec : services) {
      spec.validateServiceConfig();
    }
  }

  /**
   * Parses and validates {@code json}.
   *
   * @param onlyService when non-null, keep only this service (enabled, its {@code dependsOn}
   *     ignored), for {@code run service:<name>}
   */
  public static SupervisorOptions fromJson(JsonObject json, String onlyService) {
    return new SupervisorOptions(json, onlyService);
  }

  private List<ServiceSpec> selectAndCheck(List<ServiceSpec> all, String onlyService) {
    Map<String, ServiceSpec> byName = new HashMap<>();
    for (ServiceSpec spec : all) {
      if (byName.put(spec.name(), spec) != null) {
        throw new ConfigException(spec.path() + ".name", "duplicate service name \"" + spec.name() + "\"");
      }
      for (int i = 0; i < spec.uses().size(); i++) {
        String use = spec.uses().get(i);
        if (!resources.containsKey(use)) {
          throw new ConfigException(spec.path() + ".uses[" + i + "]", "unknown resource \"" + use
            + "\", expected one of " + new TreeSet<>(resources.keySet()));
        }
      }
    }
    for (ServiceSpec spec : all) {
      for (int i = 0; i < spec.dependsOn().size(); i++) {
        String dep = spec.dependsOn().get(i);
        ServiceSpec target = byName.get(dep);
        if (target == null) {
          throw new ConfigException(spec.path() + ".dependsOn[" + i + "]", "unknown service \"" + dep
            + "\", expected one of " + new TreeSet<>(byName.keySet()));
        }
        if (spec.enabled() && !target.enabled() && onlyService == null) {
          throw new ConfigException(spec.path() + ".dependsOn[" + i + "]", "service \"" + dep
            + "\" is disabled but \"" + spec.name() + "\" depends on it");
        }
      }
    }
    if (onlyService != null) {
      ServiceSpec only = byName.get(onlyService);
      if (only == null) {
        throw new ConfigException("services", "unknown service \"" + onlyService + "\" in service:" + onlyService
          + ", expected one of " + new TreeSet<>(byName.keySet()));
      }
      return List.of(only);
    }
    List<ServiceSpec> enabled = new ArrayList<>();
    for (ServiceSpec spec : all) {
      if (spec.enabled()) {
        enabled.add(spec);
      }
    }
    return DependencyOrder.sort(enabled);
  }

  public AdminOptions admin() {
    return admin;
  }

  public long resourceWaitMs() {
    return resourceWaitMs;
  }

  public long resourceRetryMinMs() {
    return resourceRetryMinMs;
  }

  public long resourceRetryMaxMs() {
    return resourceRetryMaxMs;
  }

  public long drainDelayMs() {
    return drainDelayMs;
  }

  public long shutdownDeadlineMs() {
    return shutdownDeadlineMs;
  }

  public long resourceCloseTimeoutMs() {
    return resourceCloseTimeoutMs;
  }

  /** @return how long past {@link #shutdownDeadlineMs()} the process watchdog waits before halting */
  public long watchdogMarginMs() {
    return watchdogMarginMs;
  }

  /** @return the raw {@code devServices} block (a copy) */
  public JsonObject devServices() {
    return devServices.copy();
  }

  /** @return resource blocks by name, in config order */
  public Map<String, JsonObject> resources() {
    return resources;
  }

  /** @return the enabled services in dependency order (dependencies first) */
  public List<ServiceSpec> services() {
    return services;
  }

  /** @return the names of resources that at least one enabled service uses, in config order */
  public List<String> usedResources() {
    List<String> used = new ArrayList<>();
    for (String name : resources.keySet()) {
      for (ServiceSpec spec : services) {
        if (spec.uses().contains(name)) {
          used.add(name);
          break;
        }
      }
    }
    return used;
  }
}
