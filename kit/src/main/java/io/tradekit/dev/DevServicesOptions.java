package io.tradekit.dev;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Set;

/**
 * Config block {@code devServices}: {@code enabled} (false), {@code postgres.enabled} (true),
 * {@code postgres.database} ("tradekit"), {@code postgres.keepData} (false),
 * {@code postgres.dataDir} ({@link #defaultDataDir()}), {@code redis.enabled} (true). Read by the
 * supervisor during validation and again, on its context, when it starts dev services.
 *
 * <p>{@code keepData} keeps the PostgreSQL data directory between runs, so a warm start skips
 * {@code initdb} and the migrations already applied. Off by default: tests and ad-hoc configs get
 * an empty database each run; the shipped embedded default turns it on.
 */
public final class DevServicesOptions {

  public static final boolean DEFAULT_ENABLED = false;
  public static final String DEFAULT_DATABASE = "tradekit";

  private boolean enabled = DEFAULT_ENABLED;
  private boolean postgresEnabled = true;
  private String database = DEFAULT_DATABASE;
  private boolean redisEnabled = true;
  private boolean keepPostgresData;
  private Path postgresDataDir = defaultDataDir();

  public DevServicesOptions() {
  }

  /** Parses and validates the block; throws ConfigException naming the key. */
  public DevServicesOptions(JsonObject json) {
    ConfigReader block = ConfigReader.of(json == null ? new JsonObject() : json, "devServices")
      .rejectUnknownKeys(Set.of("enabled", "postgres", "redis"));
    enabled = block.bool("enabled", DEFAULT_ENABLED);
    ConfigReader pg = block.object("postgres").rejectUnknownKeys(Set.of("enabled", "database", "keepData", "dataDir"));
    postgresEnabled = pg.bool("enabled", true);
    database = pg.string("database", DEFAULT_DATABASE);
    if (!database.matches("[a-z_][a-z0-9_]*")) {
      throw new io.tradekit.config.ConfigException(pg.path("database"),
        "expected a lower-case SQL identifier, got \"" + database + "\"");
    }
    keepPostgresData = pg.bool("keepData", false);
    if (pg.has("dataDir")) {
      String dir = pg.string("dataDir", "");
      if (dir.isBlank()) {
        throw new io.tradekit.config.ConfigException(pg.path("dataDir"), "expected a directory path, got an empty string");
      }
      postgresDataDir = Path.of(dir).toAbsolutePath();
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

  /**
   * @return {@code <java.io.tmpdir>/tradekit-<user.name>/dev-postgres-16}: beside the PostgreSQL
   *     binaries the embedded server extracts to {@code <java.io.tmpdir>/embedded-pg}, so both live
   *     as long as the temp directory (a reboot that clears it makes the next start a cold one)
   */
  public static Path defaultDataDir() {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
    return Path.of(System.getProperty("java.io.tmpdir"), "tradekit-" + user, "dev-postgres-16").toAbsolutePath();
  }

  /** @return true when the PostgreSQL data directory is kept between runs at {@link #getPostgresDataDir()} */
  public boolean isKeepPostgresData() {
    return keepPostgresData;
  }

  public DevServicesOptions setKeepPostgresData(boolean keepPostgresData) {
    this.keepPostgresData = keepPostgresData;
    return this;
  }

  /** @return where the kept data directory lives (only used with {@link #isKeepPostgresData()}) */
  public Path getPostgresDataDir() {
    return postgresDataDir;
  }

  public DevServicesOptions setPostgresDataDir(Path postgresDataDir) {
    this.postgresDataDir = postgresDataDir.toAbsolutePath();
    return this;
  }

  public JsonObject toJson() {
    return new JsonObject().put("enabled", enabled)
      .put("postgres", new JsonObject().put("enabled", postgresEnabled).put("database", database)
        .put("keepData", keepPostgresData).put("dataDir", postgresDataDir.toString()))
      .put("redis", new JsonObject().put("enabled", redisEnabled));
  }
}
