package io.tradekit.verticles.exchange;

import io.tradekit.config.ConfigReader;
import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;

/**
 * The simulated exchange as a tradekit service: the supervisor deploys it from the service spec in
 * {@code conf/config.json}, and its {@code config} block is parsed as
 * {@link SimulatedExchangeOptions}.
 *
 * <p>{@code start()} and {@code stop()} run on this verticle's event-loop context, which the
 * exchange then uses for all its connections and timers. Deploy ONE instance: several instances
 * on one port would share the listening socket but each run its own market, so clients would see
 * different trades depending on which instance accepted them. Tests and benchmarks use
 * {@link SimulatedExchange} directly.
 */
public class SimulatedExchangeVerticle extends ServiceVerticle {

  private SimulatedExchange exchange;

  /** Checks the whole config block up front, during the supervisor's config validation. */
  @Override
  protected void validateConfig(ConfigReader config) {
    new SimulatedExchangeOptions(config);
  }

  @Override
  public Future<?> start() {
    // Parse first: a bad config block fails the deployment with a ConfigException naming the key.
    SimulatedExchangeOptions options = new SimulatedExchangeOptions(service().config());
    exchange = new SimulatedExchange(options);
    return exchange.start(vertx);
  }

  @Override
  public Future<?> stop() {
    return exchange == null ? Future.succeededFuture() : exchange.stop();
  }

  /** @return the running exchange (for in-process tools), or null before start */
  public SimulatedExchange exchange() {
    return exchange;
  }
}
