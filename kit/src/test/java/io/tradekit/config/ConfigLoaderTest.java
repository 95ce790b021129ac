package io.tradekit.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ConfigLoaderTest {

  @TempDir
  Path dir;

  private static JsonObject sample() {
    return new JsonObject()
      .put("admin", new JsonObject().put("port", 8080))
      .put("startup", new JsonObject().put("resourceWaitMs", 30_000))
      .put("services", new JsonArray()
        .add(new JsonObject().put("name", "receiver").put("enabled", true))
        .add(new JsonObject().put("name", "janitor").put("enabled", false)));
  }

  @Test
  void readsFileThenAppliesEnvironmentOverridesCaseInsensitively(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, sample().encodePrettily());
    Map<String, String> env = Map.of(
      "TRADEKIT__ADMIN__PORT", "9090",
      "TRADEKIT__STARTUP__RESOURCEWAITMS", "500",
      "TRADEKIT__SERVICES__JANITOR__ENABLED", "true",
      "TRADEKIT__SERVICES__0__ENABLED", "false",
      "TRADEKIT__SHUTDOWN__DRAINDELAYMS", "250",
      "OTHER__ADMIN__PORT", "1");
    ConfigLoader.load(vertx, file.toString(), env).onComplete(ctx.succeeding(json -> ctx.verify(() -> {
      assertThat(json.getJsonObject("admin").getValue("port")).isEqualTo(9090L);
      assertThat(json.getJsonObject("startup").getLong("resourceWaitMs")).isEqualTo(500L);
      assertThat(json.getJsonArray("services").getJsonObject(1).getBoolean("enabled")).isTrue();
      assertThat(json.getJsonArray("services").getJsonObject(0).getBoolean("enabled")).isFalse();
      assertThat(json.getJsonObject("shutdown").getLong("draindelayms")).as("absent keys are created lower-case").isEqualTo(250L);
      ctx.completeNow();
    })));
  }

  @Test
  void overridesNeverMutateTheCallersConfig() {
    JsonObject original = sample();
    JsonObject before = original.copy();
    JsonObject result = EnvOverrides.apply(original, Map.of("TRADEKIT__ADMIN__PORT", "1"));
    assertThat(original).isEqualTo(before);
    assertThat(result.getJsonObject("admin").getValue("port")).isEqualTo(1L);
  }

  @Test
  void wrongTypeFromEnvironmentNamesVariableAndKey(Vertx vertx, VertxTestContext ctx) {
    ConfigLoader.load(vertx, sample(), Map.of("TRADEKIT__ADMIN__PORT", "abc"))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(ConfigException.class)
          .hasMessage("admin.port: expected an integer from environment variable TRADEKIT__ADMIN__PORT, got \"abc\"");
        ctx.completeNow();
      })));
  }

  @Test
  void secretValueFromEnvironmentNeverAppearsInErrors(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("password", new JsonObject()));
    ConfigLoader.load(vertx, config, Map.of("TRADEKIT__REDIS__PASSWORD__X__Y", "hunter2"))
      .onComplete(ar -> ctx.verify(() -> {
        if (ar.failed()) {
          assertThat(ar.cause().getMessage()).doesNotContain("hunter2");
        }
        ConfigLoader.load(vertx, new JsonObject().put("api", new JsonObject().put("tokenTtl", 5)),
          Map.of("TRADEKIT__API__TOKENTTL", "s3cr3t-value")).onComplete(ctx.failing(err -> ctx.verify(() -> {
            assertThat(err.getMessage()).contains("api.tokenTtl").doesNotContain("s3cr3t-value");
            ctx.completeNow();
          })));
      }));
  }

  @Test
  void unknownArrayElementNamesTheVariable(Vertx vertx, VertxTestContext ctx) {
    ConfigLoader.load(vertx, sample(), Map.of("TRADEKIT__SERVICES__GHOST__ENABLED", "true"))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).hasMessageContaining("services").hasMessageContaining("TRADEKIT__SERVICES__GHOST__ENABLED")
          .hasMessageContaining("no element has that index or name");
        ctx.completeNow();
      })));
  }

  @Test
  void secretFilesReplaceTheirKeyAndStripTheTrailingNewline(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path secret = dir.resolve("pg_password");
    Files.writeString(secret, "correct horse\n");
    JsonObject config = new JsonObject().put("resources", new JsonObject().put("postgres", new JsonObject()
      .put("connect", new JsonObject().put("user", "tradekit").put("passwordFile", secret.toString()))));
    ConfigLoader.load(vertx, config, Map.of()).onComplete(ctx.succeeding(json -> ctx.verify(() -> {
      JsonObject connect = json.getJsonObject("resources").getJsonObject("postgres").getJsonObject("connect");
      assertThat(connect.getString("password")).isEqualTo("correct horse");
      assertThat(connect.containsKey("passwordFile")).isFalse();
      assertThat(ConfigLoader.redactedForLog(json).encode()).doesNotContain("correct horse");
      ctx.completeNow();
    })));
  }

  @Test
  void missingSecretFileNamesKeyAndPath(Vertx vertx, VertxTestContext ctx) {
    String missing = dir.resolve("nope").toString();
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("options",
      new JsonObject().put("passwordFile", missing)));
    ConfigLoader.load(vertx, config, Map.of()).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("redis.options.passwordFile: cannot read secret file " + missing);
      ctx.completeNow();
    })));
  }

  @Test
  void missingConfigFileIsAConfigError(Vertx vertx, VertxTestContext ctx) {
    ConfigLoader.load(vertx, dir.resolve("absent.json").toString(), Map.of())
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(ConfigException.class).hasMessageContaining("config file not found").hasMessageContaining("absent.json");
        ctx.completeNow();
      })));
  }

  @Test
  void invalidJsonNamesFileAndPositionButNotItsContent(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{\n  \"password\": \"hunter2\",\n  \"admin\": { port: 1 }\n}\n");
    ConfigLoader.load(vertx, file.toString(), Map.of()).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class);
      assertThat(err.getMessage()).startsWith(file.toString()).contains("line 3").doesNotContain("hunter2").doesNotContain("\n");
      ctx.completeNow();
    })));
  }
}
