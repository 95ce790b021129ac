package io.tradekit.verticles.exchange;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service wrapper. Deploying it for real needs the supervisor (ServiceVerticle.attach is
 * package-private in the kit), so this only pins the failure mode of a deployment without one.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeVerticleTest {

  @Test
  void deployingWithoutTheSupervisorFailsWithAMessageThatSaysSo(Vertx vertx, VertxTestContext ctx) {
    vertx.deployVerticle(new SimulatedExchangeVerticle()).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("supervisor");
      ctx.completeNow();
    })));
  }
}
