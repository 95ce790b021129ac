package io.tradekit.resource;

import io.tradekit.config.ConfigException;
import io.tradekit.http.HttpResource;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Picking a factory by {@code type}, and config errors that name the key path. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class ResourceFactoriesTest {

  private static ConfigException configError(Vertx vertx, String name, JsonObject block) {
    return catchThrowableOfType(ConfigException.class,
      () -> ResourceFactories.create(vertx, name, block, "resources." + name));
  }

  @Test
  void createsBuiltInTypesWithoutConnecting(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      Resource pg = ResourceFactories.create(vertx, "db", new JsonObject().put("type", "postgres")
        .put("connect", new JsonObject().put("host", "127.0.0.1").put("port", 1).put("database", "x")), "resources.db");
      Resource redis = ResourceFactories.create(vertx, "cache", new JsonObject().put("type", "redis"), "resources.cache");
      Resource http = ResourceFactories.create(vertx, "api", new JsonObject().put("type", "http")
        .put("baseUrl", "http://127.0.0.1:1"), "resources.api");
      assertThat(pg).isInstanceOf(PgResource.class);
      assertThat(pg.name()).isEqualTo("db");
      assertThat(pg.address()).isEqualTo("127.0.0.1:1/x");
      assertThat(redis).isInstanceOf(RedisResource.class);
      assertThat(http).isInstanceOf(HttpResource.class);
      assertThat(pg.isOpen()).isFalse();
      assertThat(redis.isOpen()).isFalse();
      assertThat(http.isOpen()).isFalse();
      ctx.completeNow();
    });
  }

  @Test
  void unknownTypeNamesThePathAndTheKnownTypes(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      ConfigException e = configError(vertx, "queue", new JsonObject().put("type", "kafka"));
      assertThat(e).isNotNull();
      assertThat(e.path()).isEqualTo("resources.queue.type");
      assertThat(e.getMessage()).startsWith("resources.queue.type:").contains("\"kafka\"")
        .contains("http").contains("postgres").contains("redis");
      ctx.completeNow();
    });
  }

  @Test
  void missingTypeNamesThePath(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      ConfigException e = configError(vertx, "db", new JsonObject().put("connect", new JsonObject()));
      assertThat(e).isNotNull();
      assertThat(e.path()).isEqualTo("resources.db.type");
      ctx.completeNow();
    });
  }

  @Test
  void unknownKeyNamesItsPath(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      ConfigException pg = configError(vertx, "db", new JsonObject().put("type", "postgres").put("conect", new JsonObject()));
      assertThat(pg).isNotNull();
      assertThat(pg.path()).isEqualTo("resources.db.conect");
      ConfigException migrations = configError(vertx, "db", new JsonObject().put("type", "postgres")
        .put("migrations", new JsonObject().put("enable", true)));
      assertThat(migrations).isNotNull();
      assertThat(migrations.path()).isEqualTo("resources.db.migrations.enable");
      ConfigException redis = configError(vertx, "cache", new JsonObject().put("type", "redis").put("endpoints", "x"));
      assertThat(redis).isNotNull();
      assertThat(redis.path()).isEqualTo("resources.cache.endpoints");
      ConfigException http = configError(vertx, "api", new JsonObject().put("type", "http")
        .put("baseUrl", "http://h").put("baseURL", "http://h"));
      assertThat(http).isNotNull();
      assertThat(http.path()).isEqualTo("resources.api.baseURL");
      ctx.completeNow();
    });
  }

  @Test
  void badValuesNameTheirPath(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      ConfigException missingUrl = configError(vertx, "api", new JsonObject().put("type", "http"));
      assertThat(missingUrl).isNotNull();
      assertThat(missingUrl.path()).isEqualTo("resources.api.baseUrl");
      ConfigException relativeUrl = configError(vertx, "api", new JsonObject().put("type", "http").put("baseUrl", "/v2"));
      assertThat(relativeUrl).isNotNull();
      assertThat(relativeUrl.path()).isEqualTo("resources.api.baseUrl");
      ConfigException pgbouncer = configError(vertx, "db", new JsonObject().put("type", "postgres").put("pgbouncer", "yes"));
      assertThat(pgbouncer).isNotNull();
      assertThat(pgbouncer.path()).isEqualTo("resources.db.pgbouncer");
      ConfigException connect = configError(vertx, "db", new JsonObject().put("type", "postgres").put("connect", "x"));
      assertThat(connect).isNotNull();
      assertThat(connect.path()).isEqualTo("resources.db.connect");
      ctx.completeNow();
    });
  }

  @Test
  void pgbouncerModeDisablesThePreparedStatementCache(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      PgResource pg = (PgResource) ResourceFactories.create(vertx, "db", new JsonObject().put("type", "postgres")
        .put("pgbouncer", true).put("connect", new JsonObject().put("cachePreparedStatements", true)), "resources.db");
      assertThat(pg.pgbouncer()).isTrue();
      assertThat(pg.connectOptions().getCachePreparedStatements()).isFalse();
      ctx.completeNow();
    });
  }
}
