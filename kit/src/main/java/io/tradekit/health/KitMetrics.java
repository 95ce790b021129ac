package io.tradekit.health;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

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

  private KitMetrics() {
  }

  /** @return the shared registry; tag meters with the component's name, e.g. {@code client=postgres} */
  public static MeterRegistry registry() {
    return REGISTRY;
  }

  /** @return every meter in the Prometheus text exposition format */
  public static String scrape() {
    return REGISTRY.scrape();
  }
}
