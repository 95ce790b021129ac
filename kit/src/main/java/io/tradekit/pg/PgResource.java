package io.tradekit.pg;

import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceClosedException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import io.tradekit.resilience.Resilience;
import io.tradekit.resilience.ResilienceOptions;
import io.tradekit.pg.impl.MigrationsUpToDate;
import org.flywaydb.core.Flyway;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

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
  private final NetClientOptions transportOptions;
  private final boolean migrationsEnabled;
  private final List<String> migrationLocations;
  private final boolean pgbouncer;
  private final Resilience resilience;
  private volatile Pool pool;

  PgResource(Vertx vertx, String name, PgConnectOptions connectOptions, PoolOptions poolOptions,
             NetClientOptions transportOptions, boolean migrationsEnabled, List<String> migrationLocations, boolean pgbouncer,
             ResilienceOptions resilienceOptions) {
    this.vertx = vertx;
    this.name = name;
    this.connectOptions = connectOptions;
    this.poolOptions = poolOptions;
    this.transportOptions = transportOptions;
    this.migrationsEnabled = migrationsEnabled;
    this.migrationLocations = List.copyOf(migrationLocations);
    this.pgbouncer = pgbouncer;
    this.resilience = new Resilience(vertx, name, resilienceOptions);
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
    Pool candidate = PgBuilder.pool().with(poolOptions).with(transportOptions).connectingTo(connectOptions).using(vertx).build();
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

  /**
   * Runs one statement through this pool's breaker and classified retries.
   *
   * @param idempotent true when running it twice is harmless (e.g. SELECT, upsert with ON CONFLICT):
   *     only then is a statement lost in flight (AMBIGUOUS) retried
   */
  public Future<RowSet<Row>> query(String sql, Tuple params, boolean idempotent) {
    return resilience.call("query", idempotent, () -> pool().preparedQuery(sql).execute(params));
  }

  /**
   * Runs {@code work} in a transaction; a serialization failure or deadlock (40001, 40P01) or any
   * other TRANSIENT failure re-runs the WHOLE function in a new transaction. A connection lost
   * mid-transaction (AMBIGUOUS: the commit may have happened) is retried only when idempotent.
   */
  public <T> Future<T> withTransaction(boolean idempotent, Function<SqlConnection, Future<T>> work) {
    return resilience.call("transaction", idempotent, () -> pool().withTransaction(work));
  }

  /**
   * Bulk upsert of {@code rows} in batches of {@code spec.batchSize()}, each ONE statement with one
   * array parameter per column. Idempotent by construction (ON CONFLICT), so retried on any
   * non-permanent failure. Never modifies {@code rows}.
   *
   * @param columns extracts a row's values in the spec's column order
   * @return the number of rows inserted or updated
   */
  public <T> Future<Long> bulkUpsert(BulkUpsert spec, List<T> rows, Function<T, Object[]> columns) {
    String sql = spec.sql();
    Future<Long> chain = Future.succeededFuture(0L);
    for (int from = 0; from < rows.size(); from += spec.batchSize()) {
      List<T> batch = rows.subList(from, Math.min(rows.size(), from + spec.batchSize()));
      Tuple params = BulkParams.of(spec, batch, columns);
      chain = chain.compose(total -> resilience.call("bulkUpsert", true, () -> pool().preparedQuery(sql).execute(params))
        .map(result -> total + result.rowCount()));
    }
    return chain;
  }

  /**
   * Like {@link #bulkUpsert}, returning {@code returning} of the rows the statement inserted or
   * updated (with {@code DO NOTHING}: only the new ones), e.g. to announce each new row once. A
   * retry after an ambiguous failure that had committed returns none for those rows.
   *
   * @param returning the column list of the {@code RETURNING} clause, e.g. {@code "trade_id"}
   */
  public <T> Future<List<Row>> bulkUpsertReturning(BulkUpsert spec, List<T> rows, Function<T, Object[]> columns,
                                                   String returning) {
    String sql = spec.sql() + " RETURNING " + returning;
    Future<List<Row>> chain = Future.succeededFuture(new ArrayList<>());
    for (int from = 0; from < rows.size(); from += spec.batchSize()) {
      List<T> batch = rows.subList(from, Math.min(rows.size(), from + spec.batchSize()));
      Tuple params = BulkParams.of(spec, batch, columns);
      chain = chain.compose(all -> resilience.call("bulkUpsert", true, () -> pool().preparedQuery(sql).execute(params))
        .map(result -> {
          result.forEach(all::add);
          return all;
        }));
    }
    return chain;
  }

  /** @return this pool's retry/breaker executor (state for health and tests) */
  public Resilience resilience() {
    return resilience;
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
   * When the open pool shows the schema exactly at the local migrations
   * ({@link MigrationsUpToDate}), Flyway is not loaded at all: the common warm start.
   *
   * @return the number of migrations applied (0 when disabled or up to date)
   */
  public Future<Integer> migrate() {
    if (!migrationsEnabled) {
      return Future.succeededFuture(0);
    }
    Pool p = pool;
    Future<Boolean> upToDate = p == null ? Future.succeededFuture(false)
      : MigrationsUpToDate.check(vertx, p, PgResource.class.getClassLoader(), migrationLocations);
    return upToDate.compose(current -> current ? Future.succeededFuture(0) : runFlyway());
  }

  private Future<Integer> runFlyway() {
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
    if (p == null) {
      return Future.failedFuture(new ResourceClosedException(name));
    }
    if (resilience.breakerState() != io.vertx.circuitbreaker.CircuitBreakerState.CLOSED) {
      return Future.failedFuture("circuit breaker '" + name + "' is " + resilience.breakerState());
    }
    return p.query("SELECT 1").execute().mapEmpty();
  }
}
