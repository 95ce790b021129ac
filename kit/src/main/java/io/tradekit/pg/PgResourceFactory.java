package io.tradekit.pg;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.resource.OptionKeys;
import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Creates {@link PgResource}s from blocks {@code {"type":"postgres","connect":{...},"pool":{...},
 * "migrations":{"enabled":false,"locations":["classpath:db/migration"]},"pgbouncer":false}}.
 * {@code connect} and {@code pool} use the property names of Vert.x {@link PgConnectOptions} and
 * {@link PoolOptions} (plus {@code connect.connectTimeout}, see {@link #CONNECT_TIMEOUT}); any other
 * key is a {@link ConfigException} naming it ({@link OptionKeys}). Called by the supervisor during
 * validation; never connects.
 */
public final class PgResourceFactory implements ResourceFactory {

  public static final String DEFAULT_MIGRATION_LOCATION = "classpath:db/migration";

  /**
   * {@code connect.connectTimeout} (ms, default Vert.x's 60000): the TCP connect timeout. It is not a
   * property of {@link PgConnectOptions} (Vert.x 5 moved it to the pool's transport
   * {@link NetClientOptions}); the kit reads it here so the documented key takes effect.
   */
  static final String CONNECT_TIMEOUT = "connectTimeout";

  /** Startup parameters PgBouncer tracks per client, so it accepts them in the startup packet. */
  static final Set<String> PGBOUNCER_STARTUP_PARAMETERS = Set.of("client_encoding", "datestyle",
    "timezone", "standard_conforming_strings", "application_name");

  @Override
  public String type() {
    return PgResource.TYPE;
  }

  @Override
  public Resource create(Vertx vertx, String name, JsonObject config, String path) {
    ConfigReader block = ConfigReader.of(config, path)
      .rejectUnknownKeys(Set.of("type", "connect", "pool", "migrations", "pgbouncer", "retry", "breaker"));
    JsonObject connectJson = block.rawObject("connect").copy();
    JsonObject poolJson = block.rawObject("pool");
    OptionKeys.rejectUnknown(connectJson, block.path("connect"), PgConnectOptions.class, Set.of(CONNECT_TIMEOUT));
    OptionKeys.rejectUnknown(poolJson, block.path("pool"), PoolOptions.class, Set.of());
    ConfigReader connectReader = block.object("connect");
    NetClientOptions transport = new NetClientOptions().setConnectTimeout(
      connectReader.intValue(CONNECT_TIMEOUT, NetClientOptions.DEFAULT_CONNECT_TIMEOUT, 1, Integer.MAX_VALUE));
    connectJson.remove(CONNECT_TIMEOUT);
    PgConnectOptions connect;
    PoolOptions pool;
    try {
      connect = new PgConnectOptions(connectJson);
    } catch (RuntimeException e) {
      throw new ConfigException(block.path("connect"), "not valid PgConnectOptions: " + e.getMessage());
    }
    try {
      pool = new PoolOptions(poolJson);
      if (!poolJson.containsKey("name")) {
        pool.setName(name); // Vert.x's pool metrics label (pool_name); unshared pools use the name for nothing else
      }
    } catch (RuntimeException e) {
      throw new ConfigException(block.path("pool"), "not valid PoolOptions: " + e.getMessage());
    }
    ConfigReader migrations = block.object("migrations").rejectUnknownKeys(Set.of("enabled", "locations"));
    boolean migrationsEnabled = migrations.bool("enabled", false);
    List<String> locations = migrations.has("locations") ? migrations.stringList("locations")
      : List.of(DEFAULT_MIGRATION_LOCATION);
    boolean pgbouncer = block.bool("pgbouncer", false);
    if (pgbouncer) {
      // PgBouncer in transaction mode hands each transaction to any server connection: a
      // statement prepared on one connection does not exist on the next, so nothing is cached,
      // the client treats the proxy as a layer-7 proxy, and requests are not pipelined across
      // what may be different server connections.
      connect.setCachePreparedStatements(false).setUseLayer7Proxy(true).setPipeliningLimit(1);
      // PgBouncer refuses startup parameters it does not track (1.18 rejects the client's default
      // extra_float_digits and IntervalStyle unless ignore_startup_parameters lists them): send only
      // the ones it accepts, keeping any the config set explicitly among them.
      Map<String, String> accepted = new HashMap<>();
      connect.getProperties().forEach((key, value) -> {
        if (PGBOUNCER_STARTUP_PARAMETERS.contains(key.toLowerCase(Locale.ROOT))) {
          accepted.put(key, value);
        }
      });
      connect.setProperties(accepted);
    }
    return new PgResource(vertx, name, connect, pool, transport, migrationsEnabled, locations, pgbouncer,
      new io.tradekit.resilience.ResilienceOptions(block));
  }
}
