package io.tradekit.resource;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Creates a {@link Resource} of one {@link #type()} from its config block. Called by the supervisor
 * while it validates config, before anything starts; creating must not connect anywhere. A bad block
 * fails with a {@link io.tradekit.config.ConfigException} naming the key under {@code path}.
 */
public interface ResourceFactory {

  /** @return the value of {@code resources.<name>.type} this factory handles */
  String type();

  /**
   * @param vertx the supervisor's Vert.x instance
   * @param name the resource name (its key under {@code resources})
   * @param config the resource block, secrets already resolved
   * @param path the block's key path for error messages, e.g. {@code resources.postgres}
   */
  Resource create(Vertx vertx, String name, JsonObject config, String path);
}
