package io.tradekit.supervisor;

import io.vertx.core.Deployable;
import io.vertx.core.Promise;
import io.vertx.core.spi.VerticleFactory;

import java.util.concurrent.Callable;

/**
 * Resolves {@code service:<name>} verticle names to a {@link SupervisorVerticle} that runs only that
 * service of the deployment's config, with its resources and the full lifecycle guarantees. This is
 * what makes {@code java -jar tradekit.jar run service:janitor -conf conf/config.json} work.
 *
 * <p>Registered through {@code META-INF/services/io.vertx.core.spi.VerticleFactory}; Vert.x calls it
 * when a verticle name has the {@code service:} prefix.
 */
public final class ServiceVerticleFactory implements VerticleFactory {

  @Override
  public String prefix() {
    return "service";
  }

  @Override
  public void createVerticle2(String verticleName, ClassLoader classLoader, Promise<Callable<? extends Deployable>> promise) {
    String name = VerticleFactory.removePrefix(verticleName);
    promise.complete(() -> SupervisorVerticle.forService(name, null));
  }
}
