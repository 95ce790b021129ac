package io.tradekit.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The Micrometer registry of ONE Vert.x instance, in which every kit component (clients, feed,
 * supervisor, services) registers its meters and which the admin server scrapes for
 * {@code /metrics}. Get it with {@link #of(Vertx)}; hold the meters you register in fields (a
 * lookup by name per message costs a map walk and a tag sort).
 *
 * <p>Where the registry comes from:
 * <ul>
 *   <li>{@code java -jar tradekit.jar} and the launcher's {@code run} command create Vert.x with
 *       Vert.x Micrometer metrics on a Prometheus registry ({@link #createVertx(VertxOptions)},
 *       {@link #metricsOptions()}), and that same registry is this one: {@code /metrics} shows
 *       Vert.x's own meters ({@code vertx_http_server_*}, {@code vertx_http_client_*} for the
 *       exchange WebSocket, {@code vertx_pool_*} and {@code vertx_sql_*} for PostgreSQL,
 *       {@code vertx_redis_*}, {@code vertx_eventbus_*}, {@code vertx_net_*}) beside the kit's
 *       {@code tradekit_*} ones.</li>
 *   <li>Embedding ({@code TradeKit.start(vertx, config)} on your own Vert.x): the kit creates a
 *       Prometheus registry for that Vert.x instance on first use and serves ITS meters; Vert.x's own
 *       meters appear only if you created Vert.x through {@link #createVertx(VertxOptions)}, or
 *       {@link #attach attached} the Prometheus registry your Vert.x metrics already use before
 *       starting the kit.</li>
 * </ul>
 *
 * <p>Why per Vert.x instance and not per JVM: two kits in one JVM (tests, an embedder running two)
 * must not add to each other's counters. Within one instance, resources and services are restarted
 * and re-created, and a meter registered twice under the same name and tags is simply reused by
 * Micrometer, so counters survive a restart instead of resetting. The instance lives in the Vert.x
 * instance's local shared data and goes away with it. Thread-safe; call from any thread.
 */
public final class KitMetrics implements Shareable {

  /** Local map (per Vert.x instance) holding the one {@code KitMetrics}. */
  static final String LOCAL_MAP = "tradekit.metrics";
  private static final String KEY = "registry";

  private final PrometheusMeterRegistry registry;
  /**
   * The latest source per gauge id ({@code name|tag|value...}). Bounded by the number of distinct
   * gauge ids the kit registers (a handful per feed, client, service and trimmed stream); a restart
   * replaces the entry of its id instead of adding one.
   */
  private final ConcurrentMap<String, Supplier<Number>> gaugeSources = new ConcurrentHashMap<>();

  private KitMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Vert.x Micrometer metrics options for a new Vert.x instance: enabled, Prometheus backend,
   * JVM meters on, and a registry name unique to that instance. Why unique: vertx-micrometer keeps
   * its backends in a JVM-wide map by registry name, so two instances with the default name would
   * share one registry. Labels stay the Vert.x defaults (HTTP method and code, pool type and name,
   * event-bus side): no per-address, per-path or per-remote label, so the number of series does
   * not grow with traffic. Called by {@code TradeKitLauncher} before Vert.x starts; find the
   * registry afterwards with {@code BackendRegistries.getNow(options.getRegistryName())}.
   */
  public static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
      .setEnabled(true)
      .setJvmMetricsEnabled(true)
      .setRegistryName("tradekit-" + UUID.randomUUID())
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
  }

  /**
   * Creates a Vert.x instance whose own metrics (HTTP, net, pools, SQL and Redis clients, event bus)
   * go to a new Prometheus registry that is also this instance's {@code KitMetrics}. The embedded
   * launcher uses it; embedders may too. Any metrics options in {@code options} are replaced.
   */
  public static Vertx createVertx(VertxOptions options) {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
      .with(new VertxOptions(options).setMetricsOptions(metricsOptions()))
      .withMetrics(new MicrometerMetricsFactory(prometheus))
      .build();
    attach(vertx, prometheus);
    return vertx;
  }

  /**
   * Makes {@code prometheus} the kit's registry for {@code vertx}: call it before anything of the
   * kit runs on that instance (typically with the registry Vert.x's own metrics use, so both end up
   * in one {@code /metrics}).
   *
   * @throws IllegalStateException when the instance already has a different registry (meters
   *     registered in the first one would silently stop being served)
   */
  public static KitMetrics attach(Vertx vertx, PrometheusMeterRegistry prometheus) {
    Objects.requireNonNull(prometheus, "prometheus registry");
    KitMetrics existing = map(vertx).putIfAbsent(KEY, new KitMetrics(prometheus));
    if (existing != null && existing.registry != prometheus) {
      throw new IllegalStateException("this Vert.x instance already has a kit metrics registry; attach before the kit starts");
    }
    return existing == null ? of(vertx) : existing;
  }

  /**
   * @return the kit metrics of {@code vertx}, created (with a Prometheus registry of its own) on
   *     first use when nothing was {@link #attach attached}
   */
  public static KitMetrics of(Vertx vertx) {
    LocalMap<String, KitMetrics> map = map(vertx);
    KitMetrics metrics = map.get(KEY);
    if (metrics != null) {
      return metrics;
    }
    KitMetrics created = new KitMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    KitMetrics raced = map.putIfAbsent(KEY, created);
    return raced == null ? created : raced;
  }

  private static LocalMap<String, KitMetrics> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(LOCAL_MAP);
  }

  /** @return this Vert.x instance's registry; tag meters with the component's name, e.g. {@code client=postgres} */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Registers (once) a gauge that reads from the LATEST {@code source} given for the same name and
   * tags. Why: Micrometer keeps the first gauge registered under an id, so a gauge bound directly to
   * an object would keep reporting a replaced instance (a restarted service, a re-created client).
   *
   * @param tags alternating tag keys and values
   */
  public void gauge(String name, Supplier<Number> source, String... tags) {
    String key = name + "|" + String.join("|", tags);
    boolean first = gaugeSources.put(key, source) == null;
    if (first) {
      Gauge.builder(name, () -> {
        Number value = gaugeSources.get(key).get();
        return value == null ? Double.NaN : value.doubleValue();
      }).tags(tags).register(registry);
    }
  }

  /** @return every meter of this Vert.x instance in the Prometheus text exposition format (0.0.4) */
  public String scrape() {
    return registry.scrape();
  }
}
