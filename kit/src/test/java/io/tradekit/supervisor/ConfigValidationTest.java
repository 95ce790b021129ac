package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.supervisor.testing.IdleService;
import io.tradekit.supervisor.testing.LifecycleRecorder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static org.assertj.core.api.Assertions.assertThat;

/** Invalid configs fail before anything starts, with one line naming the key path. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ConfigValidationTest {

  private static void expectConfigError(Vertx vertx, VertxTestContext ctx, JsonObject config, String expectedLine) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    TradeKit.start(vertx, config).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class);
      assertThat(err.getMessage()).contains(expectedLine).doesNotContain("\n");
      assertThat(err.getStackTrace()).as("config errors carry no stack trace").isEmpty();
      assertThat(events.named("resource.opening")).isEmpty();
      assertThat(events.named("service.starting")).isEmpty();
      ctx.completeNow();
    })));
  }

  private static JsonObject config(Consumer<JsonObject> change) {
    JsonObject config = withServices(service("idle-a", IdleService.class), service("idle-b", IdleService.class))
      .put("devServices", new JsonObject().put("enabled", false));
    change.accept(config);
    return config;
  }

  private static JsonObject svc(JsonObject config, int index) {
    return config.getJsonArray("services").getJsonObject(index);
  }

  @Test
  void unknownVerticleClassNamesTheKey(Vertx vertx, VertxTestContext ctx) {
    expectConfigError(vertx, ctx, config(c -> svc(c, 1).put("verticle", "com.example.Missing")),
      "services[1].verticle: unknown verticle class \"com.example.Missing\"");
  }

  @Test
  void missingServiceNameNamesTheKey(Vertx vertx, VertxTestContext ctx) {
    expectConfigError(vertx, ctx, config(c -> svc(c, 0).remove("name")), "services[0].name:");
  }

  @Test
  void wrongTypeNamesTheKeyAndExpectation(Vertx vertx, VertxTestContext ctx) {
    expectConfigError(vertx, ctx, config(c -> svc(c, 0).put("instances", "two")), "services[0].instances: expected");
  }

  @Test
  void dependencyCycleIsRejected(Vertx vertx, VertxTestContext ctx) {
    expectConfigError(vertx, ctx, config(c -> {
      svc(c, 0).put("dependsOn", new JsonArray().add("idle-b"));
      svc(c, 1).put("dependsOn", new JsonArray().add("idle-a"));
    }), "dependency cycle");
  }

  @Test
  void unknownDependencyNamesTheKey(Vertx vertx, VertxTestContext ctx) {
    expectConfigError(vertx, ctx, config(c -> svc(c, 1).put("dependsOn", new JsonArray().add("ghost"))),
      "services[1].dependsOn[0]: unknown service \"ghost\"");
  }

  @Test
  void unknownResourceInUsesNamesTheKey(Vertx vertx, VertxTestContext ctx) {
    expectConfigError(vertx, ctx, config(c -> svc(c, 0).put("uses", new JsonArray().add("mysql"))),
      "services[0].uses[0]: unknown resource \"mysql\"");
  }

  @Test
  void misspelledKeyIsRejectedNotIgnored(Vertx vertx, VertxTestContext ctx) {
    expectConfigError(vertx, ctx, config(c -> svc(c, 0).put("stopTimeoutMS", 5)), "services[0]");
  }

  @Test
  void unknownResourceTypeNamesTheKey(Vertx vertx, VertxTestContext ctx) {
    expectConfigError(vertx, ctx, config(c -> {
      c.getJsonObject("resources").put("cache", new JsonObject().put("type", "memcached"));
      svc(c, 0).put("uses", new JsonArray().add("cache"));
    }), "resources.cache.type");
  }
}
