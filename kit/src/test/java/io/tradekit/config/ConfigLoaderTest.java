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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The config pipeline: file through Vert.x Config, then environment overrides, then secret files. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ConfigLoaderTest {

  private static final String FAKE_PASSWORD = "hunter2-Sup3rS3cret";

  @TempDir
  Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void loadsFileThroughVertxConfig(Vertx vertx, VertxTestContext ctx) throws IOException {
    Path file = write("config.json", "{\"admin\":{\"port\":9090},\"startup\":{\"resourceWaitMs\":1234}}");
    ConfigLoader.load(vertx, file.toString(), Map.of()).onComplete(ctx.succeeding(json -> ctx.verify(() -> {
      assertThat(json.getJsonObject("admin").getInteger("port")).isEqualTo(9090);
      assertThat(json.getJsonObject("startup").getLong("resourceWaitMs")).isEqualTo(1234L);
      ctx.completeNow();
    })));
  }

  @Test
  void missingFileFailsNamingThePath(Vertx vertx, VertxTestContext ctx) {
    String missing = dir.resolve("nope/absent.json").toString();
    ConfigLoader.load(vertx, missing, Map.of()).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class);
      assertThat(err.getMessage()).contains(missing).doesNotContain("\n");
      ctx.completeNow();
    })));
  }

  @Test
  void invalidJsonFailsWithOneLineNamingFileAndPositionButNotTheContent(Vertx vertx, VertxTestContext ctx) throws IOException {
    // A missing comma on line 3: the parser reports the position; the content must not leak.
    Path file = write("broken.json", "{\n  \"db\": {\"password\": \"" + FAKE_PASSWORD + "\"\n  \"user\": \"trader\"}\n}\n");
    expectInvalidJson(vertx, ctx, file, "line 3");
  }

  @Test
  void invalidJsonWithAnUnquotedSecretDoesNotLeakIt(Vertx vertx, VertxTestContext ctx) throws IOException {
    // Jackson names an unrecognized token in its message ("Unrecognized token 'hunter2...'").
    Path file = write("unquoted.json", "{\n  \"password\": " + FAKE_PASSWORD + "\n}\n");
    expectInvalidJson(vertx, ctx, file, "line 2");
  }

  @Test
  void invalidJsonWithAnUnterminatedSecretDoesNotLeakIt(Vertx vertx, VertxTestContext ctx) throws IOException {
    Path file = write("unterminated.json", "{\"password\": \"" + FAKE_PASSWORD);
    expectInvalidJson(vertx, ctx, file, "line 1");
  }

  private void expectInvalidJson(Vertx vertx, VertxTestContext ctx, Path file, String line) {
    ConfigLoader.load(vertx, file.toString(), Map.of()).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class);
      assertThat(err.getMessage())
        .contains(file.toString())
        .contains(line).containsPattern("column \\d+")
        .doesNotContain("\n")
        .doesNotContain(FAKE_PASSWORD).doesNotContain("hunter2");
      assertThat(err.getCause()).as("no cause that could carry the content").isNull();
      ctx.completeNow();
    })));
  }

  @Test
  void secretFileReplacesFileKeyWithContentWithoutTrailingNewline(Vertx vertx, VertxTestContext ctx) throws IOException {
    Path secret = write("pg-password", FAKE_PASSWORD + "\n");
    JsonObject config = new JsonObject().put("resources", new JsonObject().put("postgres", new JsonObject()
      .put("connect", new JsonObject().put("user", "trader").put("passwordFile", secret.toString()))));
    JsonObject original = config.copy();
    ConfigLoader.load(vertx, config, Map.of()).onComplete(ctx.succeeding(json -> ctx.verify(() -> {
      JsonObject connect = json.getJsonObject("resources").getJsonObject("postgres").getJsonObject("connect");
      assertThat(connect.getString("password")).isEqualTo(FAKE_PASSWORD);
      assertThat(connect.containsKey("passwordFile")).isFalse();
      assertThat(connect.getString("user")).isEqualTo("trader");
      assertThat(config).as("input not mutated").isEqualTo(original);
      ctx.completeNow();
    })));
  }

  @Test
  void secretFileInsideArrayElementIsResolved(Vertx vertx, VertxTestContext ctx) throws IOException {
    Path secret = write("token", "tok-123\r\n");
    JsonObject config = new JsonObject().put("services", new JsonArray()
      .add(new JsonObject().put("name", "a").put("tokenFile", secret.toString())));
    ConfigLoader.load(vertx, config, Map.of()).onComplete(ctx.succeeding(json -> ctx.verify(() -> {
      JsonObject service = json.getJsonArray("services").getJsonObject(0);
      assertThat(service.getString("token")).isEqualTo("tok-123");
      assertThat(service.containsKey("tokenFile")).isFalse();
      ctx.completeNow();
    })));
  }

  @Test
  void missingSecretFileFailsNamingKeyPathAndFile(Vertx vertx, VertxTestContext ctx) {
    String missing = dir.resolve("no-such-secret").toString();
    JsonObject config = new JsonObject().put("resources", new JsonObject().put("postgres", new JsonObject()
      .put("connect", new JsonObject().put("user", "trader").put("password", FAKE_PASSWORD)
        .put("passwordFile", missing))));
    ConfigLoader.load(vertx, config, Map.of()).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class);
      assertThat(((ConfigException) err).path()).isEqualTo("resources.postgres.connect.passwordFile");
      assertThat(err.getMessage()).contains("resources.postgres.connect.passwordFile").contains(missing)
        .doesNotContain("\n").doesNotContain(FAKE_PASSWORD);
      assertThat(err.getCause()).isNull();
      ctx.completeNow();
    })));
  }

  @Test
  void environmentOverridesApplyToTheLoadedFile(Vertx vertx, VertxTestContext ctx) throws IOException {
    Path file = write("config.json", "{\"startup\":{\"resourceWaitMs\":1000}}");
    ConfigLoader.load(vertx, file.toString(), Map.of("TRADEKIT__STARTUP__RESOURCEWAITMS", "2500"))
      .onComplete(ctx.succeeding(json -> ctx.verify(() -> {
        assertThat(json.getJsonObject("startup").getValue("resourceWaitMs")).isEqualTo(2500L);
        ctx.completeNow();
      })));
  }

  @Test
  void environmentCoercionErrorFailsTheLoad(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = new JsonObject().put("admin", new JsonObject().put("port", 8080));
    ConfigLoader.load(vertx, config, Map.of("TRADEKIT__ADMIN__PORT", "abc"))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(ConfigException.class);
        assertThat(err.getMessage()).startsWith("admin.port:").contains("TRADEKIT__ADMIN__PORT");
        ctx.completeNow();
      })));
  }

  @Test
  void redactedForLogHidesSecretsAndKeepsTheRest(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = new JsonObject()
      .put("connect", new JsonObject().put("user", "trader").put("password", FAKE_PASSWORD))
      .put("feeds", new JsonArray().add(new JsonObject().put("apiKey", "ak-1").put("token", "t-1").put("name", "deribit")));
    JsonObject original = config.copy();
    ctx.verify(() -> {
      JsonObject redacted = ConfigLoader.redactedForLog(config);
      assertThat(redacted.encode()).doesNotContain(FAKE_PASSWORD).doesNotContain("ak-1").doesNotContain("t-1")
        .contains("trader").contains("deribit");
      assertThat(redacted.getJsonObject("connect").getString("password")).isEqualTo(SecretKeys.REDACTED);
      assertThat(config).isEqualTo(original);
      ctx.completeNow();
    });
  }
}
