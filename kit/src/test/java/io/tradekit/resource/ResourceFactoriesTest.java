package io.tradekit.resource;

import io.tradekit.config.ConfigException;
import io.tradekit.http.HttpResource;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
    // A real server stands where every resource points: had creating connected (PostgreSQL sends
    // its startup packet, Redis its HELLO at once), those connections would arrive before the
    // test's own probe connection.
    List<String> arrivals = new CopyOnWriteArrayList<>();
    Promise<Void> probed = Promise.promise();
    vertx.createNetServer().connectHandler(socket -> {
      int index = arrivals.size();
      arrivals.add("connection");
      socket.handler(data -> {
        boolean probe = data.toString().startsWith("probe");
        arrivals.set(index, probe ? "probe" : "client");
        if (probe) {
          probed.tryComplete();
        }
      });
    }).listen(0, "127.0.0.1").compose(server -> {
      int port = server.actualPort();
      Resource pg = ResourceFactories.create(vertx, "db", new JsonObject().put("type", "postgres")
        .put("connect", new JsonObject().put("host", "127.0.0.1").put("port", port).put("database", "x")), "resources.db");
      Resource redis = ResourceFactories.create(vertx, "cache", new JsonObject().put("type", "redis")
        .put("options", new JsonObject().put("endpoints", new JsonArray().add("redis://127.0.0.1:" + port))), "resources.cache");
      Resource http = ResourceFactories.create(vertx, "api", new JsonObject().put("type", "http")
        .put("baseUrl", "http://127.0.0.1:" + port), "resources.api");
      ctx.verify(() -> {
        assertThat(pg).isInstanceOf(PgResource.class);
        assertThat(pg.name()).isEqualTo("db");
        assertThat(pg.address()).isEqualTo("127.0.0.1:" + port + "/x");
        assertThat(redis).isInstanceOf(RedisResource.class);
        assertThat(http).isInstanceOf(HttpResource.class);
      });
      vertx.createNetClient().connect(port, "127.0.0.1").compose(probe -> probe.write("probe"))
        .onFailure(probed::tryFail);
      return probed.future().eventually(server::close);
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(arrivals).as("the only connection is the probe's").containsExactly("probe");
      ctx.completeNow();
    })));
  }

  @Test
  void unknownOptionKeysAreConfigErrorsNamingTheFullKeyPath(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      ConfigException connect = configError(vertx, "postgres", new JsonObject().put("type", "postgres")
        .put("connect", new JsonObject().put("user", "trader").put("pasword", "s3cret-value")));
      assertThat(connect).isNotNull();
      assertThat(connect.path()).isEqualTo("resources.postgres.connect.pasword");
      assertThat(connect.getMessage())
        .isEqualTo("resources.postgres.connect.pasword: unknown key for PgConnectOptions (did you mean password?)")
        .doesNotContain("s3cret-value");
      ConfigException pool = configError(vertx, "postgres", new JsonObject().put("type", "postgres")
        .put("pool", new JsonObject().put("maxSize", 4).put("maxSise", 8)));
      assertThat(pool).isNotNull();
      assertThat(pool.getMessage()).startsWith("resources.postgres.pool.maxSise: unknown key for PoolOptions")
        .contains("did you mean maxSize?");
      ConfigException redis = configError(vertx, "redis", new JsonObject().put("type", "redis")
        .put("options", new JsonObject().put("maxPoolSize", 8).put("endpoint", "redis://h:6379")));
      assertThat(redis).isNotNull();
      assertThat(redis.path()).as("a setter RedisOptions(JsonObject) ignores is unknown too")
        .isEqualTo("resources.redis.options.endpoint");
      assertThat(redis.getMessage()).contains("unknown key for RedisOptions").contains("did you mean endpoints?");
      ConfigException http = configError(vertx, "api", new JsonObject().put("type", "http").put("baseUrl", "http://h")
        .put("options", new JsonObject().put("conectTimeout", 2_000)));
      assertThat(http).isNotNull();
      assertThat(http.path()).isEqualTo("resources.api.options.conectTimeout");
      assertThat(http.getMessage()).contains("unknown key for WebClientOptions");
      ConfigException nested = configError(vertx, "api", new JsonObject().put("type", "http").put("baseUrl", "http://h")
        .put("options", new JsonObject().put("proxyOptions", new JsonObject().put("hots", "proxy"))));
      assertThat(nested).isNotNull();
      assertThat(nested.path()).isEqualTo("resources.api.options.proxyOptions.hots");
    });
    ctx.completeNow();
  }

  @Test
  void everyOptionKeyTheShippedConfigsAndTestsUseIsAccepted(Vertx vertx, VertxTestContext ctx) {
    ctx.verify(() -> {
      // conf/production.json (passwordFile as in the file, before the loader reads the secret)
      Resource pg = ResourceFactories.create(vertx, "postgres", new JsonObject().put("type", "postgres")
        .put("connect", new JsonObject().put("host", "postgres").put("port", 5432).put("database", "tradekit")
          .put("user", "tradekit").put("passwordFile", "/run/secrets/postgres_password").put("password", "x")
          .put("connectTimeout", 5000).put("properties", new JsonObject().put("application_name", "a"))
          .put("cachePreparedStatements", true).put("pipeliningLimit", 256).put("sslMode", "DISABLE"))
        .put("pool", new JsonObject().put("maxSize", 16).put("maxWaitQueueSize", 256).put("idleTimeout", 300)
          .put("idleTimeoutUnit", "SECONDS").put("maxLifetime", 1800).put("connectionTimeout", 30)
          .put("shared", false).put("name", "p")), "resources.postgres");
      assertThat(((PgResource) pg).connectOptions().getPassword()).isEqualTo("x");
      ResourceFactories.create(vertx, "redis", new JsonObject().put("type", "redis")
        .put("options", new JsonObject().put("endpoints", new JsonArray().add("redis://redis:6379"))
          .put("passwordFile", "/run/secrets/redis_password").put("maxPoolSize", 16).put("maxPoolWaiting", 256)
          .put("netClientOptions", new JsonObject().put("connectTimeout", 2000).put("tcpKeepAlive", true))),
        "resources.redis");
      ResourceFactories.create(vertx, "exchange-http", new JsonObject().put("type", "http").put("baseUrl", "https://h")
        .put("options", new JsonObject().put("ssl", true).put("connectTimeout", 5000).put("idleTimeout", 30)
          .put("keepAlive", true).put("trustAll", false)
          .put("pemTrustOptions", new JsonObject().put("certPaths", new JsonArray().add("/etc/ca.pem")))),
        "resources.exchange-http");
    });
    ctx.completeNow();
  }

  @Test
  void connectTimeoutReachesThePoolsTransport(Vertx vertx, VertxTestContext ctx) {
    // A black-holed address (TEST-NET-1, RFC 5737): only the connect timeout ends the attempt.
    PgResource pg = (PgResource) ResourceFactories.create(vertx, "db", new JsonObject().put("type", "postgres")
      .put("connect", new JsonObject().put("host", "192.0.2.1").put("port", 5432).put("database", "x")
        .put("user", "u").put("connectTimeout", 300)), "resources.db");
    long start = System.nanoTime();
    pg.open().onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("%s", err).isLessThan(5_000);
      ctx.completeNow();
    })));
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
