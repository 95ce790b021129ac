package io.tradekit.supervisor.testing;

import io.tradekit.pg.PgResource;
import io.tradekit.supervisor.TaskVerticle;
import io.vertx.core.Future;

/**
 * Test task: runs a query on {@code postgres} when {@code config.query} is true, then succeeds, or fails when
 * {@code config.fail} is true.
 */
public class ResultTask extends TaskVerticle {

  @Override
  protected Future<?> run() {
    Future<?> work = !config().getBoolean("query", false)
      ? Future.succeededFuture()
      : service().resource("postgres", PgResource.class).pool().query("SELECT 1").execute();
    return work.compose(v -> config().getBoolean("fail", false)
      ? Future.failedFuture(new IllegalStateException("task failed on purpose"))
      : Future.succeededFuture());
  }
}
