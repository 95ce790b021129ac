package io.tradekit.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code TRADEKIT__A__B=v} overrides: matching, arrays, coercion, creation, secrets. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class EnvOverridesTest {

  private static final String SECRET = "s3cr3t-from-env";

  private static JsonObject config() {
    return new JsonObject()
      .put("admin", new JsonObject().put("port", 8080).put("host", "127.0.0.1"))
      .put("startup", new JsonObject().put("resourceWaitMs", 30_000))
      .put("services", new JsonArray()
        .add(new JsonObject().put("name", "receiver").put("enabled", true))
        .add(new JsonObject().put("name", "janitor").put("enabled", false).put("instances", 1)));
  }

  @Test
  void matchesExistingCamelCaseKeyCaseInsensitively(VertxTestContext ctx) {
    ctx.verify(() -> {
      JsonObject result = EnvOverrides.apply(config(), Map.of("TRADEKIT__STARTUP__RESOURCEWAITMS", "1500"));
      JsonObject startup = result.getJsonObject("startup");
      assertThat(startup.fieldNames()).containsExactly("resourceWaitMs");
      assertThat(startup.getValue("resourceWaitMs")).isEqualTo(1500L);
      ctx.completeNow();
    });
  }

  @Test
  void coercionErrorNamesVariableAndKeyPath(VertxTestContext ctx) {
    ctx.verify(() -> {
      ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> EnvOverrides.apply(config(), Map.of("TRADEKIT__ADMIN__PORT", "abc")));
      assertThat(e).isNotNull();
      assertThat(e.path()).isEqualTo("admin.port");
      assertThat(e.getMessage()).startsWith("admin.port:").contains("TRADEKIT__ADMIN__PORT").contains("\"abc\"")
        .doesNotContain("\n");
      ctx.completeNow();
    });
  }

  @Test
  void booleanCoercionErrorNamesVariableAndKeyPath(VertxTestContext ctx) {
    ctx.verify(() -> {
      ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> EnvOverrides.apply(config(), Map.of("TRADEKIT__SERVICES__JANITOR__ENABLED", "yes")));
      assertThat(e).isNotNull();
      assertThat(e.getMessage()).startsWith("services[1].enabled:").contains("TRADEKIT__SERVICES__JANITOR__ENABLED");
      ctx.completeNow();
    });
  }

  @Test
  void addressesArrayElementByName(VertxTestContext ctx) {
    ctx.verify(() -> {
      JsonObject result = EnvOverrides.apply(config(), Map.of("TRADEKIT__SERVICES__JANITOR__ENABLED", "true"));
      assertThat(result.getJsonArray("services").getJsonObject(1).getValue("enabled")).isEqualTo(true);
      assertThat(result.getJsonArray("services").getJsonObject(0).getValue("enabled")).isEqualTo(true);
      ctx.completeNow();
    });
  }

  @Test
  void addressesArrayElementByIndex(VertxTestContext ctx) {
    ctx.verify(() -> {
      JsonObject result = EnvOverrides.apply(config(), Map.of("TRADEKIT__SERVICES__1__INSTANCES", "3"));
      assertThat(result.getJsonArray("services").getJsonObject(1).getValue("instances")).isEqualTo(3L);
      ctx.completeNow();
    });
  }

  @Test
  void unknownArrayElementNamesVariableAndPath(VertxTestContext ctx) {
    ctx.verify(() -> {
      ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> EnvOverrides.apply(config(), Map.of("TRADEKIT__SERVICES__ANALYZER__ENABLED", "true")));
      assertThat(e).isNotNull();
      assertThat(e.path()).isEqualTo("services");
      assertThat(e.getMessage()).contains("TRADEKIT__SERVICES__ANALYZER__ENABLED").contains("ANALYZER");
      ctx.completeNow();
    });
  }

  @Test
  void absentKeysAreCreatedInLowerCaseWithGuessedTypes(VertxTestContext ctx) {
    ctx.verify(() -> {
      JsonObject result = EnvOverrides.apply(config(), Map.of(
        "TRADEKIT__SHUTDOWN__DRAINDELAYMS", "250",
        "TRADEKIT__ADMIN__ENABLED", "FALSE",
        "TRADEKIT__DESCRIPTION", "demo box"));
      assertThat(result.getJsonObject("shutdown").getMap()).containsExactly(Map.entry("draindelayms", 250L));
      assertThat(result.getJsonObject("admin").getValue("enabled")).isEqualTo(false);
      assertThat(result.getValue("description")).isEqualTo("demo box");
      ctx.completeNow();
    });
  }

  @Test
  void inputIsNotMutated(VertxTestContext ctx) {
    ctx.verify(() -> {
      JsonObject input = config();
      JsonObject before = input.copy();
      JsonObject result = EnvOverrides.apply(input, Map.of(
        "TRADEKIT__ADMIN__PORT", "9999",
        "TRADEKIT__SERVICES__JANITOR__ENABLED", "true",
        "TRADEKIT__NEW__KEY", "x"));
      assertThat(input).isEqualTo(before);
      assertThat(result).isNotEqualTo(before);
      ctx.completeNow();
    });
  }

  @Test
  void ignoresVariablesWithoutThePrefix(VertxTestContext ctx) {
    ctx.verify(() -> {
      JsonObject result = EnvOverrides.apply(config(), Map.of("TRADEKIT_ADMIN__PORT", "1", "PATH", "/bin"));
      assertThat(result).isEqualTo(config());
      ctx.completeNow();
    });
  }

  @Test
  void secretGivenViaEnvNeverAppearsInACoercionError(VertxTestContext ctx) {
    ctx.verify(() -> {
      JsonObject input = new JsonObject().put("feed", new JsonObject().put("apiKey", 0).put("clientSecret", false));
      for (String variable : new String[] {"TRADEKIT__FEED__APIKEY", "TRADEKIT__FEED__CLIENTSECRET"}) {
        ConfigException e = catchThrowableOfType(ConfigException.class,
          () -> EnvOverrides.apply(input, Map.of(variable, SECRET)));
        assertThat(e).as(variable).isNotNull();
        assertThat(e.getMessage()).contains(variable).contains(SecretKeys.REDACTED).doesNotContain(SECRET);
      }
      ctx.completeNow();
    });
  }

  @Test
  void secretGivenViaEnvNeverAppearsInALoadError(Vertx vertx, VertxTestContext ctx) {
    JsonObject input = new JsonObject().put("redis", new JsonObject().put("token", 1));
    ConfigLoader.load(vertx, input, Map.of("TRADEKIT__REDIS__TOKEN", SECRET)).onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(ConfigException.class);
      assertThat(err.getMessage()).contains("redis.token").doesNotContain(SECRET);
      ctx.completeNow();
    })));
  }

  @Test
  void secretGivenViaEnvStaysAString(VertxTestContext ctx) {
    // A password that looks like a number or a boolean must not be turned into one: clients read
    // password properties as strings and would silently drop it.
    ctx.verify(() -> {
      JsonObject result = EnvOverrides.apply(new JsonObject().put("connect", new JsonObject().put("user", "u")),
        Map.of("TRADEKIT__CONNECT__PASSWORD", "0123456", "TRADEKIT__CONNECT__APIKEY", "true"));
      assertThat(result.getJsonObject("connect").getValue("password")).isEqualTo("0123456");
      assertThat(result.getJsonObject("connect").getValue("apikey")).isEqualTo("true");
      ctx.completeNow();
    });
  }

  @Test
  void redactHidesPasswordTokenAndApiKeyValues(VertxTestContext ctx) {
    ctx.verify(() -> {
      JsonObject config = new JsonObject()
        .put("connect", new JsonObject().put("password", "pw-1").put("user", "trader").put("passwordFile", "/run/secrets/pg"))
        .put("feeds", new JsonArray().add(new JsonObject().put("apiKey", "ak-1").put("accessToken", "tok-1").put("name", "x")));
      JsonObject redacted = SecretKeys.redact(config);
      assertThat(redacted.encode()).doesNotContain("pw-1").doesNotContain("ak-1").doesNotContain("tok-1")
        .contains("trader").contains("/run/secrets/pg");
      JsonObject feed = redacted.getJsonArray("feeds").getJsonObject(0);
      assertThat(feed.getString("apiKey")).isEqualTo(SecretKeys.REDACTED);
      assertThat(feed.getString("accessToken")).isEqualTo(SecretKeys.REDACTED);
      assertThat(config.getJsonObject("connect").getString("password")).as("input kept").isEqualTo("pw-1");
      ctx.completeNow();
    });
  }
}
