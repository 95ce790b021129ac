package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;
import io.tradekit.dev.DevServices;
import io.tradekit.supervisor.testing.CountedService;
import io.tradekit.supervisor.testing.IdleService;
import io.tradekit.supervisor.testing.LifecycleRecorder;
import io.tradekit.supervisor.testing.ResultTask;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

/**
 * Config errors a service brings with it are found before anything opens: a restart policy a task
 * cannot honour, and a bad key in the service's own {@code config} block (checked by the service's
 * validation hook during config validation, not when it starts minutes later).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ServiceConfigChecksTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  /** Deploys a supervisor that must fail with a ConfigException on {@code pathPattern}, exit 2, before opening anything. */
  private static void expectConfigErrorBeforeAnythingOpens(Vertx vertx, VertxTestContext ctx, JsonObject config, String pathPattern) {
    LifecycleRecorder events = new LifecycleRecorder(vertx);
    SupervisorVerticle supervisor = new SupervisorVerticle(config);
    vertx.deployVerticle(supervisor)
      .compose(id -> Future.<Integer>failedFuture(new AssertionError("start-up succeeded; expected a config error on " + pathPattern)),
        err -> supervisor.terminated().timeout(10, TimeUnit.SECONDS).map(code -> {
          ctx.verify(() -> {
            assertThat(err).isInstanceOf(ConfigException.class);
            assertThat(((ConfigException) err).path()).matches(pathPattern);
            assertThat(err.getMessage()).doesNotContain("\n");
            assertThat(code).as("config error exit code").isEqualTo(ExitCodes.CONFIG_ERROR);
            assertThat(events.named("resource.opening")).as("nothing opens before config is valid").isEmpty();
            assertThat(events.named("service.starting")).isEmpty();
          });
          return code;
        }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void restartPolicyOtherThanTemporaryOnATaskIsAConfigError(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(service("once", ResultTask.class).put("kind", "task").put("restart", "permanent")
      .put("uses", new JsonArray().add("postgres")));
    expectConfigErrorBeforeAnythingOpens(vertx, ctx, config, "services\\[0\\]\\.restart");
  }

  @Test
  void badKeyInAServicesOwnConfigIsAConfigErrorBeforeAnyResourceOpens(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = withServices(
      service("idle-a", IdleService.class).put("uses", new JsonArray().add("postgres")),
      service("counted", CountedService.class).put("uses", new JsonArray().add("postgres"))
        .put("dependsOn", new JsonArray().add("idle-a"))
        .put("config", new JsonObject().put("count", "many")));
    // services[counted] (by name) is what the issue asks for; services[1] (by index) is accepted too.
    expectConfigErrorBeforeAnythingOpens(vertx, ctx, config, "services\\[(counted|1)\\]\\.config\\.count");
  }
}
