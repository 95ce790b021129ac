package io.tradekit.verticles;

import io.tradekit.resource.ResourceFactories;
import io.tradekit.supervisor.SupervisorOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Every config shipped in conf/ passes the supervisor's validation (verticles exist, keys known). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ShippedConfigsTest {

  private static Path conf() {
    return Path.of(System.getProperty("tradekit.root", ".."), "conf");
  }

  private static void validate(Vertx vertx, String file) throws Exception {
    JsonObject json = new JsonObject(Files.readString(conf().resolve(file)));
    SupervisorOptions options = SupervisorOptions.fromJson(json, null);
    assertThat(options.services()).isNotEmpty();
    for (String name : options.usedResources()) {
      ResourceFactories.create(vertx, name, options.resources().get(name), "resources." + name);
    }
  }

  @Test
  void embeddedDefaultIsValid(Vertx vertx, VertxTestContext ctx) throws Exception {
    validate(vertx, "config.json");
    ctx.completeNow();
  }

  @Test
  void productionConfigIsValidAndHoldsNoSecrets(Vertx vertx, VertxTestContext ctx) throws Exception {
    validate(vertx, "production.json");
    String text = Files.readString(conf().resolve("production.json"));
    assertThat(text).doesNotContainPattern("\"password\"\\s*:").doesNotContainPattern("\"token\"\\s*:");
    ctx.completeNow();
  }
}
