package io.tradekit.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The process-wide Micrometer registry that every kit component (clients, feed, supervisor)
 * registers its meters in, and that the admin server scrapes for {@code /metrics}.
 *
 * <p>One registry per JVM on purpose: resources and services are restarted and re-created, and a
 * meter registered twice under the same name and tags is simply reused by Micrometer, so counters
 * survive a restart instead of resetting. Thread-safe; call from any thread.
 */
public final class KitMetrics {

  private static final PrometheusMeterRegistry REGISTRY = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private static final Map<String, Supplier<Number>> GAUGE_SOURCES = new ConcurrentHashMap<>();

  private KitMetrics() {
  }

  /** @return the shared registry; tag meters with the component's name, e.g. {@code client=postgres} */
  public static MeterRegistry registry() {
    return REGISTRY;
  }

  /**
   * Registers (once) a gauge that reads from the LATEST {@code source} given for the same name and
   * tags. Why: Micrometer keeps the first gauge registered under an id, so a gauge bound directly to
   * an object would keep reporting a replaced instance (a restarted service, a re-created client).
   *
   * @param tags alternating tag keys and values
   */
  public static void gauge(String name, Supplier<Number> source, String... tags) {
    String key = name + "|" + String.join("|", tags);
    boolean first = GAUGE_SOURCES.put(key, source) == null;
    if (first) {
      Gauge.builder(name, () -> {
        Number value = GAUGE_SOURCES.get(key).get();
        return value == null ? Double.NaN : value.doubleValue();
      }).tags(tags).register(REGISTRY);
    }
  }

  /** @return every meter in the Prometheus text exposition format */
  public static String scrape() {
    return REGISTRY.scrape();
  }
}
