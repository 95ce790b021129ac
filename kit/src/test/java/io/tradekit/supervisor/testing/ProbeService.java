package io.tradekit.supervisor.testing;

import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Test daemon that, inside its own {@code stop()}, runs a PostgreSQL query and a Redis command on
 * the shared resources and publishes the outcome on {@code test.probe}: it proves resources are
 * still open while services stop.
 */
public class ProbeService extends ServiceVerticle {

  public static final String ADDRESS = "test.probe";

  @Override
  public Future<?> stop() {
    PgResource pg = service().resource("postgres", PgResource.class);
    RedisResource redis = service().resource("redis", RedisResource.class);
    return pg.pool().query("SELECT 41 + 1 AS answer").execute()
      .compose(rows -> redis.api().set(List.of("probe:" + service().name(), "stopped"))
        .map(ok -> rows.iterator().next().getInteger("answer")))
      .onComplete(ar -> vertx.eventBus().publish(ADDRESS, new JsonObject()
        .put("service", service().name())
        .put("ok", ar.succeeded())
        .put("answer", ar.succeeded() ? ar.result() : null)
        .put("error", ar.failed() ? String.valueOf(ar.cause()) : null)));
  }
}
