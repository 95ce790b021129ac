package io.tradekit.health;

import io.tradekit.dev.DevServices;
import io.tradekit.supervisor.LifecycleEvents;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.supervisor.testing.IdleService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code /health/ready}, {@code /health/live} and {@code /metrics} of a kit started in-process. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class AdminServerReadinessTest {

  private static final JsonArray PG_AND_REDIS = new JsonArray().add("postgres").add("redis");

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static JsonObject config() {
    return withServices(
      service("idle-a", IdleService.class).put("uses", PG_AND_REDIS),
      service("idle-b", IdleService.class).put("dependsOn", new JsonArray().add("idle-a")));
  }

  private static Future<HttpResponse<Buffer>> get(WebClient client, TradeKit kit, String path) {
    return client.get(kit.adminPort(), "127.0.0.1", path).send();
  }

  /** @return "id" for every leaf procedure of a Vert.x health-check body, nested ids joined with "/" */
  private static List<String> procedures(JsonObject body) {
    List<String> out = new ArrayList<>();
    collect(body.getJsonArray("checks", new JsonArray()), "", out);
    return out;
  }

  private static void collect(JsonArray checks, String prefix, List<String> out) {
    for (int i = 0; i < checks.size(); i++) {
      JsonObject check = checks.getJsonObject(i);
      String id = prefix + check.getString("id");
      if (check.containsKey("checks")) {
        collect(check.getJsonArray("checks"), id + "/", out);
      } else {
        out.add(id + "=" + check.getString("status"));
      }
    }
  }

  @Test
  void readyReturns200ListingSupervisorServicesAndResources(Vertx vertx, VertxTestContext ctx) {
    WebClient client = WebClient.create(vertx);
    TradeKit.start(vertx, config()).compose(kit -> get(client, kit, "/health/ready").compose(response -> {
      ctx.verify(() -> {
        assertThat(response.statusCode()).as("body: %s", response.bodyAsString()).isEqualTo(200);
        JsonObject body = response.bodyAsJsonObject();
        assertThat(body.getString("status")).isEqualTo("UP");
        assertThat(procedures(body)).containsExactlyInAnyOrder(
          "supervisor=UP", "services/idle-a=UP", "services/idle-b=UP", "resources/postgres=UP", "resources/redis=UP");
      });
      return kit.stop();
    })).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(code).isZero();
      ctx.completeNow();
    })));
  }

  @Test
  void readinessGoesDownAtShutdownWhileLivenessStaysUp(Vertx vertx, VertxTestContext ctx) {
    WebClient client = WebClient.create(vertx);
    JsonObject config = config().put("shutdown", new JsonObject().put("drainDelayMs", 1_000));
    Checkpoint probed = ctx.checkpoint();
    Checkpoint stopped = ctx.checkpoint();
    TradeKit.start(vertx, config).onComplete(ctx.succeeding(kit -> {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(LifecycleEvents.ADDRESS);
      consumer.handler(msg -> {
        if (!"supervisor.stopping".equals(msg.body().getString("event"))) {
          return;
        }
        consumer.unregister();
        // Readiness must be DOWN from the moment shutdown begins, while the process still serves.
        get(client, kit, "/health/ready")
          .compose(ready -> get(client, kit, "/health/live").map(live -> List.of(ready, live)))
          .onComplete(ctx.succeeding(responses -> ctx.verify(() -> {
            HttpResponse<Buffer> ready = responses.get(0);
            HttpResponse<Buffer> live = responses.get(1);
            assertThat(ready.statusCode()).as("ready during drain: %s", ready.bodyAsString()).isEqualTo(503);
            assertThat(procedures(ready.bodyAsJsonObject())).contains("supervisor=DOWN");
            assertThat(live.statusCode()).as("live during drain").isEqualTo(200);
            probed.flag();
          })));
      });
      consumer.completion()
        .compose(v -> kit.stop())
        .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
          assertThat(code).isZero();
          stopped.flag();
        })));
    }));
  }

  @Test
  void metricsReturnsPrometheusText(Vertx vertx, VertxTestContext ctx) {
    KitMetrics.of(vertx).registry().counter("kittest_admin_probe", "component", "test").increment();
    WebClient client = WebClient.create(vertx);
    TradeKit.start(vertx, config()).compose(kit -> get(client, kit, "/metrics").compose(response -> {
      ctx.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.getHeader("content-type")).startsWith("text/plain").contains("version=0.0.4");
        assertThat(response.bodyAsString())
          .contains("# TYPE kittest_admin_probe_total counter")
          .containsPattern("kittest_admin_probe_total\\{component=\"test\",?\\} 1\\.0");
      });
      return kit.stop();
    })).onComplete(ctx.succeeding(code -> ctx.verify(() -> {
      assertThat(code).isZero();
      ctx.completeNow();
    })));
  }
}
