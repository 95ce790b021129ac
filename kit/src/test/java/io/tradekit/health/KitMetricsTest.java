package io.tradekit.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tradekit.dev.DevServices;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.supervisor.testing.IdleService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kit's metrics belong to a Vert.x instance, and {@code /metrics} shows Vert.x's own beside them. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class KitMetricsTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static JsonObject config() {
    return withServices(service("idle", IdleService.class).put("uses", new JsonArray().add("postgres").add("redis")));
  }

  private static Future<HttpResponse<Buffer>> get(WebClient client, TradeKit kit, String path) {
    return client.get(kit.adminPort(), "127.0.0.1", path).send();
  }

  @Test
  void aCounterOfOneVertxInstanceIsAbsentFromAnother(Vertx vertx, VertxTestContext ctx) {
    Vertx other = Vertx.vertx();
    Counter counter = KitMetrics.of(vertx).registry().counter("kittest.isolation", "component", "test");
    counter.increment();
    ctx.verify(() -> {
      assertThat(KitMetrics.of(vertx).registry().find("kittest.isolation").counter()).isSameAs(counter);
      assertThat(KitMetrics.of(other).registry()).isNotSameAs(KitMetrics.of(vertx).registry());
      assertThat(KitMetrics.of(other).registry().find("kittest.isolation").counter()).isNull();
      assertThat(KitMetrics.of(other).scrape()).doesNotContain("kittest_isolation");
      assertThat(KitMetrics.of(vertx).scrape()).contains("kittest_isolation_total{component=\"test\"} 1.0");
    });
    other.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aGaugeReadsTheLatestSourceRegisteredUnderItsId(Vertx vertx, VertxTestContext ctx) {
    KitMetrics metrics = KitMetrics.of(vertx);
    metrics.gauge("kittest.latest", () -> 1, "service", "restarted");
    // A restarted service registers the same gauge with its new instance as the source.
    metrics.gauge("kittest.latest", () -> 2, "service", "restarted");
    ctx.verify(() -> {
      assertThat(metrics.registry().find("kittest.latest").gauges()).hasSize(1);
      Gauge gauge = metrics.registry().find("kittest.latest").tag("service", "restarted").gauge();
      assertThat(gauge.value()).isEqualTo(2.0);
    });
    ctx.completeNow();
  }

  @Test
  void attachingASecondRegistryToTheSameVertxIsRefused(Vertx vertx, VertxTestContext ctx) {
    KitMetrics first = KitMetrics.of(vertx);
    ctx.verify(() -> {
      assertThat(KitMetrics.attach(vertx, (PrometheusMeterRegistry) first.registry()))
        .isSameAs(first);
      assertThatThrownBy(() -> KitMetrics.attach(vertx, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a kit metrics registry");
    });
    ctx.completeNow();
  }

  @Test
  void metricsOfAKitOnAVertxCreatedWithMetricsShowVertxMetersBesideTheKits(Vertx vertx, VertxTestContext ctx) {
    Vertx kitVertx = KitMetrics.createVertx(new VertxOptions());
    WebClient client = WebClient.create(vertx);
    TradeKit.start(kitVertx, config())
      .compose(kit -> get(client, kit, "/health/ready")
        .compose(ready -> get(client, kit, "/metrics"))
        .compose(response -> {
          ctx.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(200);
            String body = response.bodyAsString();
            assertThat(body)
              .as("Vert.x's HTTP server meters, after the /health/ready request")
              .containsPattern("vertx_http_server_requests_total\\{code=\"200\",method=\"GET\",?\\} [1-9]")
              .as("Vert.x's pool meters, labelled with the resource names (not a random or shared default)")
              .contains("vertx_pool_in_use{pool_name=\"postgres\",pool_type=\"sql\"}")
              .contains("vertx_pool_in_use{pool_name=\"redis\",pool_type=\"redis\"}")
              .as("the kit's own meters").containsPattern("tradekit_client_breaker_open\\{client=\"postgres\",?\\} 0\\.0")
              .as("no per-address event-bus label").doesNotContain("address=\"");
          });
          return kit.stop();
        }))
      .onComplete(ctx.succeeding(code -> {
        ctx.verify(() -> assertThat(code).isZero());
        // Closed from the test's context: callbacks on the kit's own, closed, event loop would be rejected.
        Future.fromCompletionStage(kitVertx.close().toCompletionStage(), vertx.getOrCreateContext())
          .onComplete(ctx.succeedingThenComplete());
      }));
  }

  @Test
  void metricsOfAKitEmbeddedInAVertxWithoutMetricsServeTheKitMetersOnly(Vertx vertx, VertxTestContext ctx) {
    WebClient client = WebClient.create(vertx);
    TradeKit.start(vertx, config())
      .compose(kit -> get(client, kit, "/health/ready")
        .compose(ready -> get(client, kit, "/metrics"))
        .compose(response -> {
          ctx.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.bodyAsString())
              .containsPattern("tradekit_client_breaker_open\\{client=\"redis\",?\\} 0\\.0")
              .doesNotContain("vertx_http_server_requests_total");
          });
          return kit.stop();
        }))
      .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
        assertThat(code).isZero();
        ctx.completeNow();
      })));
  }
}
