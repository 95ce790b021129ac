package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of the config's {@code services} array: which verticle to deploy, how many instances,
 * what it depends on and uses, and how the supervisor restarts and stops it.
 *
 * <p>Immutable; parsed and validated by {@link SupervisorOptions} before anything starts. Keys:
 * {@code name} (required, {@code [a-z][a-z0-9-]*}), {@code verticle} (required, a
 * {@link ServiceVerticle} subclass), {@code instances} (1), {@code dependsOn} ([]), {@code uses}
 * ([]), {@code kind} (daemon), {@code restart} (permanent for daemons, temporary for tasks),
 * {@code backoff}, {@code intensity}, {@code startTimeoutMs} (30000), {@code stopTimeoutMs} (10000),
 * {@code enabled} (true), {@code config} ({}).
 *
 * <p>Tasks run once: their {@code restart} must be {@code temporary} (the default); any other
 * policy is a configuration error rather than a setting that would be silently ignored. The
 * service's own {@code config} block is checked by {@link #validateServiceConfig()}, which the
 * supervisor calls during validation, before anything opens.
 */
public final class ServiceSpec {

  public static final int DEFAULT_INSTANCES = 1;
  public static final long DEFAULT_STOP_TIMEOUT_MS = 10_000;
  public static final long DEFAULT_START_TIMEOUT_MS = 30_000;

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");
  private static final Set<String> KEYS = Set.of("name", "verticle", "instances", "dependsOn", "uses", "kind",
    "restart", "backoff", "intensity", "startTimeoutMs", "stopTimeoutMs", "enabled", "config");

  private final String name;
  private final String path;
  private final Class<? extends ServiceVerticle> verticle;
  private final int instances;
  private final List<String> dependsOn;
  private final List<String> uses;
  private final ServiceKind kind;
  private final RestartPolicy restart;
  private final BackoffOptions backoff;
  private final IntensityOptions intensity;
  private final long startTimeoutMs;
  private final long stopTimeoutMs;
  private final boolean enabled;
  private final JsonObject config;

  private ServiceSpec(ConfigReader block) {
    block.rejectUnknownKeys(KEYS);
    this.path = block.path();
    this.name = block.requiredString("name");
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException(block.path("name"), "expected lower-case letters, digits and '-', starting with a letter, got \"" + name + "\"");
    }
    this.verticle = loadVerticle(block.path("verticle"), block.requiredString("verticle"));
    this.instances = block.intValue("instances", DEFAULT_INSTANCES, 1, 1024);
    this.dependsOn = block.stringList("dependsOn");
    this.uses = block.stringList("uses");
    this.kind = block.enumValue("kind", ServiceKind.class, ServiceKind.DAEMON);
    this.restart = block.enumValue("restart", RestartPolicy.class,
      kind == ServiceKind.TASK ? RestartPolicy.TEMPORARY : RestartPolicy.PERMANENT);
    if (kind == ServiceKind.TASK && restart != RestartPolicy.TEMPORARY) {
      throw new ConfigException(block.path("restart"), "a task runs once and is never restarted; expected temporary"
        + " (or no restart key), got \"" + restart.name().toLowerCase() + "\"");
    }
    this.backoff = BackoffOptions.fromConfig(block.object("backoff"));
    this.intensity = IntensityOptions.fromConfig(block.object("intensity"));
    this.startTimeoutMs = block.millis("startTimeoutMs", DEFAULT_START_TIMEOUT_MS, 1);
    this.stopTimeoutMs = block.millis("stopTimeoutMs", DEFAULT_STOP_TIMEOUT_MS, 1);
    this.enabled = block.bool("enabled", true);
    this.config = block.rawObject("config").copy();
  }

  /** Parses {@code services[index]}; throws {@link ConfigException} naming the key on any error. */
  public static ServiceSpec fromConfig(ConfigReader block) {
    return new ServiceSpec(block);
  }

  @SuppressWarnings("unchecked")
  private static Class<? extends ServiceVerticle> loadVerticle(String path, String className) {
    Class<?> type;
    try {
      type = Class.forName(className, false, ServiceSpec.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigException(path, "unknown verticle class \"" + className + "\" (not on the classpath)");
    }
    if (!ServiceVerticle.class.isAssignableFrom(type)) {
      throw new ConfigException(path, "expected a subclass of " + ServiceVerticle.class.getName() + ", got " + className);
    }
    try {
      type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new ConfigException(path, "expected a public no-argument constructor in " + className);
    }
    return (Class<? extends ServiceVerticle>) type;
  }

  /**
   * Runs the service's own config check ({@link ServiceVerticle#validateConfig}) on a throwaway
   * instance, so a bad service key fails start-up before any resource opens. Errors name
   * {@code services[<name>].config.<key>}. Called by the supervisor during validation, on a worker.
   *
   * @throws ConfigException when the service rejects its config
   */
  public void validateServiceConfig() {
    ServiceVerticle probe = newVerticle();
    try {
      probe.validateConfig(ConfigReader.of(config.copy(), "services[" + name + "].config"));
    } catch (ConfigException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ConfigException("services[" + name + "].config", "rejected by " + verticle.getSimpleName() + ": "
        + e.getMessage());
    }
  }

  /** @return a new, not yet deployed instance of the service's verticle */
  ServiceVerticle newVerticle() {
    try {
      return verticle.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate " + verticle.getName() + " for service '" + name + "'", e);
    }
  }

  public String name() {
    return name;
  }

  /** @return this spec's key path in config, e.g. {@code services[2]} */
  public String path() {
    return path;
  }

  public Class<? extends ServiceVerticle> verticle() {
    return verticle;
  }

  public int instances() {
    return instances;
  }

  public List<String> dependsOn() {
    return dependsOn;
  }

  public List<String> uses() {
    return uses;
  }

  public ServiceKind kind() {
    return kind;
  }

  public RestartPolicy restart() {
    return restart;
  }

  public BackoffOptions backoff() {
    return backoff;
  }

  public IntensityOptions intensity() {
    return intensity;
  }

  /** @return how long one deployment's {@code start()} may take; an overrun is a start failure */
  public long startTimeoutMs() {
    return startTimeoutMs;
  }

  public long stopTimeoutMs() {
    return stopTimeoutMs;
  }

  public boolean enabled() {
    return enabled;
  }

  /** @return a copy of the service's {@code config} block */
  public JsonObject config() {
    return config.copy();
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("verticle", verticle.getName()).put("instances", instances)
      .put("dependsOn", new JsonArray(dependsOn)).put("uses", new JsonArray(uses))
      .put("kind", kind.name().toLowerCase()).put("restart", restart.name().toLowerCase())
      .put("backoff", backoff.toJson()).put("intensity", intensity.toJson())
      .put("startTimeoutMs", startTimeoutMs).put("stopTimeoutMs", stopTimeoutMs).put("enabled", enabled).put("config", config.copy());
  }
}
