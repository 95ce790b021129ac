package io.tradekit.verticles.pipeline;

import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.function.Supplier;

/** Public access to the pipeline test fixture for tests in other packages (drills). */
public final class PipelineAccess {

  private final PipelineFixture fixture;

  private PipelineAccess(PipelineFixture fixture) {
    this.fixture = fixture;
  }

  public static Future<PipelineAccess> open(Vertx vertx) {
    return PipelineFixture.open(vertx).map(PipelineAccess::new);
  }

  public PgResource pg() {
    return fixture.pg;
  }

  public RedisResource redis() {
    return fixture.redis;
  }

  public Future<Void> close() {
    return fixture.close();
  }

  public static JsonObject config(JsonObject... services) {
    return PipelineFixture.config(services);
  }

  public static Future<Void> eventually(Vertx vertx, long timeoutMs, Supplier<Future<Boolean>> condition) {
    return PipelineFixture.eventually(vertx, timeoutMs, condition);
  }
}
