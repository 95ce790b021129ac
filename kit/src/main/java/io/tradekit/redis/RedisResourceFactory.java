package io.tradekit.redis;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.resource.OptionKeys;
import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisOptions;

import java.util.Set;

/**
 * Creates {@link RedisResource}s from blocks {@code {"type":"redis","options":{...}}} where
 * {@code options} uses the property names of Vert.x {@link RedisOptions} ({@code endpoints},
 * {@code maxPoolSize}, {@code maxPoolWaiting}, ...). Called during validation; never connects.
 */
public final class RedisResourceFactory implements ResourceFactory {

  /** Bound on every command sent through {@link RedisResource#send} and {@link RedisResource#pipeline}. */
  public static final long DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

  @Override
  public String type() {
    return RedisResource.TYPE;
  }

  @Override
  public Resource create(Vertx vertx, String name, JsonObject config, String path) {
    ConfigReader block = ConfigReader.of(config, path).rejectUnknownKeys(Set.of("type", "options", "retry", "breaker",
      "commandTimeoutMs"));
    io.tradekit.resilience.ResilienceOptions resilience = new io.tradekit.resilience.ResilienceOptions(block);
    long commandTimeoutMs = block.millis("commandTimeoutMs", DEFAULT_COMMAND_TIMEOUT_MS, 1);
    OptionKeys.rejectUnknown(block.rawObject("options"), block.path("options"), RedisOptions.class, Set.of());
    try {
      RedisOptions options = new RedisOptions(block.rawObject("options"));
      if (!block.rawObject("options").containsKey("poolName")) {
        options.setPoolName(name); // Vert.x's pool metrics label; its default is a random UUID per client
      }
      return new RedisResource(vertx, name, options, resilience, commandTimeoutMs);
    } catch (RuntimeException e) {
      throw new ConfigException(block.path("options"), "not valid RedisOptions: " + e.getMessage());
    }
  }
}
