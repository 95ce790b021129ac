package io.tradekit.dev;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Config block {@code devServices}: {@code enabled} (false), {@code postgres.enabled} (true),
 * {@code postgres.database} ("tradekit"), {@code redis.enabled} (true). Read by the supervisor.
 */
public final class DevServicesOptions {

  public static final boolean DEFAULT_ENABLED = false;
  public static final String DEFAULT_DATABASE = "tradekit";

  private boolean enabled = DEFAULT_ENABLED;
  private boolean postgresEnabled = true;
  private String database = DEFAULT_DATABASE;
  private boolean redisEnabled = true;

  public DevServicesOptions() {
  }

  /** Parses and validates the block; throws ConfigException naming the key. */
  public DevServicesOptions(JsonObject json) {
    ConfigReader block = ConfigReader.of(json == null ? new JsonObject() : json, "devServices")
      .rejectUnknownKeys(Set.of("enabled", "postgres", "redis"));
    enabled = block.bool("enabled", DEFAULT_ENABLED);
    ConfigReader pg = block.object("postgres").rejectUnknownKeys(Set.of("enabled", "database"));
    postgresEnabled = pg.bool("enabled", true);
    database = pg.string("database", DEFAULT_DATABASE);
    if (!database.matches("[a-z_][a-z0-9_]*")) {
      throw new io.tradekit.config.ConfigException(pg.path("database"),
        "expected a lower-case SQL identifier, got \"" + database + "\"");
    }
    redisEnabled = block.object("redis").rejectUnknownKeys(Set.of("enabled")).bool("enabled", true);
  }

  public boolean isEnabled() {
    return enabled;
  }

  public DevServicesOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public boolean isPostgresEnabled() {
    return postgresEnabled;
  }

  public DevServicesOptions setPostgresEnabled(boolean postgresEnabled) {
    this.postgresEnabled = postgresEnabled;
    return this;
  }

  public String getDatabase() {
    return database;
  }

  public DevServicesOptions setDatabase(String database) {
    this.database = database;
    return this;
  }

  public boolean isRedisEnabled() {
    return redisEnabled;
  }

  public DevServicesOptions setRedisEnabled(boolean redisEnabled) {
    this.redisEnabled = redisEnabled;
    return this;
  }

  public JsonObject toJson() {
    return new JsonObject().put("enabled", enabled)
      .put("postgres", new JsonObject().put("enabled", postgresEnabled).put("database", database))
      .put("redis", new JsonObject().put("enabled", redisEnabled));
  }
}
