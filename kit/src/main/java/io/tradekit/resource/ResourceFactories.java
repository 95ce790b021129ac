package io.tradekit.resource;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.http.HttpResourceFactory;
import io.tradekit.pg.PgResourceFactory;
import io.tradekit.redis.RedisResourceFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Picks the {@link ResourceFactory} for a resource block by its {@code type}: the built-in
 * {@code postgres}, {@code redis} and {@code http}, plus any factory registered in
 * {@code META-INF/services/io.tradekit.resource.ResourceFactory}. Called by the supervisor while it
 * validates config; thread-safe.
 */
public final class ResourceFactories {

  private static final Map<String, ResourceFactory> FACTORIES = load();

  private ResourceFactories() {
  }

  private static Map<String, ResourceFactory> load() {
    Map<String, ResourceFactory> factories = new TreeMap<>();
    for (ResourceFactory f : new ResourceFactory[] {new PgResourceFactory(), new RedisResourceFactory(), new HttpResourceFactory()}) {
      factories.put(f.type(), f);
    }
    for (ResourceFactory f : ServiceLoader.load(ResourceFactory.class, ResourceFactories.class.getClassLoader())) {
      factories.put(f.type(), f);
    }
    return factories;
  }

  /**
   * @param path the block's key path, e.g. {@code resources.postgres}
   * @throws ConfigException naming {@code <path>.type} when the type is unknown, or the key the
   *     factory rejected
   */
  public static Resource create(Vertx vertx, String name, JsonObject block, String path) {
    String type = ConfigReader.of(block, path).requiredString("type");
    ResourceFactory factory = FACTORIES.get(type);
    if (factory == null) {
      throw new ConfigException(path + ".type", "unknown resource type \"" + type + "\", expected one of "
        + FACTORIES.keySet());
    }
    return factory.create(vertx, name, block, path);
  }
}
