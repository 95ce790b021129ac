package io.tradekit.pg;

import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceClosedException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;

import java.util.List;

/**
 * The shared PostgreSQL pool (Vert.x PG Client), as a supervisor resource of type
 * {@value #TYPE}.
 *
 * <p>Created by {@link PgResourceFactory} from the config block, opened and closed only by the
 * supervisor; services get it from their service context and call {@link #pool()}. The pool is
 * held in a field for the resource's whole life (Vert.x 5 may reclaim a client reachable only from
 * a local variable). {@link #migrate()} runs Flyway on a worker thread.
 */
public final class PgResource implements Resource {

  public static final String TYPE = "postgres";

  private final Vertx vertx;
  private final String name;
  private final PgConnectOptions connectOptions;
  private final PoolOptions poolOptions;
  private final boolean migrationsEnabled;
  private final List<String> migrationLocations;
  private final boolean pgbouncer;
  private volatile Pool pool;

  PgResource(Vertx vertx, String name, PgConnectOptions connectOptions, PoolOptions poolOptions,
             boolean migrationsEnabled, List<String> migrationLocations, boolean pgbouncer) {
    this.vertx = vertx;
    this.name = name;
    this.connectOptions = connectOptions;
    this.poolOptions = poolOptions;
    this.migrationsEnabled = migrationsEnabled;
    this.migrationLocations = List.copyOf(migrationLocations);
    this.pgbouncer = pgbouncer;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String address() {
    return connectOptions.getHost() + ":" + connectOptions.getPort() + "/" + connectOptions.getDatabase();
  }

  @Override
  public Future<Void> open() {
    if (pool != null) {
      return Future.succeededFuture();
    }
    Pool candidate = PgBuilder.pool().with(poolOptions).connectingTo(connectOptions).using(vertx).build();
    return candidate.query("SELECT 1").execute()
      .<Void>map(rows -> {
        pool = candidate;
        return null;
      })
      // Leave nothing behind on failure, so the registry can simply call open() again.
      .recover(err -> candidate.close().transform(ignored -> Future.failedFuture(err)));
  }

  /**
   * @return the open pool
   * @throws ResourceClosedException naming this resource when it is not open
   */
  public Pool pool() {
    Pool p = pool;
    if (p == null) {
      throw new ResourceClosedException(name);
    }
    return p;
  }

  /** @return a copy of the connect options (host, port, database, user; password included: do not log) */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(connectOptions);
  }

  /** @return true when {@code pgbouncer: true}: no prepared-statement cache, no session state */
  public boolean pgbouncer() {
    return pgbouncer;
  }

  public boolean migrationsEnabled() {
    return migrationsEnabled;
  }

  /**
   * Applies pending Flyway migrations from {@code migrations.locations}, on a worker thread
   * (Flyway uses blocking JDBC). Called by the supervisor after open, before services deploy.
   *
   * @return the number of migrations applied (0 when disabled or up to date)
   */
  public Future<Integer> migrate() {
    if (!migrationsEnabled) {
      return Future.succeededFuture(0);
    }
    String jdbcUrl = "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/"
      + connectOptions.getDatabase();
    return vertx.executeBlocking(() -> Flyway.configure(PgResource.class.getClassLoader())
      .dataSource(jdbcUrl, connectOptions.getUser(), connectOptions.getPassword())
      .locations(migrationLocations.toArray(new String[0]))
      .load()
      .migrate()
      .migrationsExecuted, false)
      .recover(err -> Future.failedFuture(new IllegalStateException("migrations of resource '" + name + "' at "
        + address() + " failed: " + err.getMessage(), err)));
  }

  @Override
  public Future<Void> close() {
    Pool p = pool;
    pool = null;
    return p == null ? Future.succeededFuture() : p.close();
  }

  @Override
  public boolean isOpen() {
    return pool != null;
  }

  @Override
  public Future<Void> check() {
    Pool p = pool;
    return p == null ? Future.failedFuture(new ResourceClosedException(name)) : p.query("SELECT 1").execute().mapEmpty();
  }
}
