package io.tradekit.dev;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.tradekit.dev.impl.DevPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Dev services: embedded PostgreSQL (io.zonky.test) and embedded Redis (codemonstur) on free
 * ports, so the kit runs on a machine with nothing installed.
 *
 * <p>JVM-wide and reference-counted: the supervisor {@link #acquire acquires} a lease before it
 * opens resources and releases it after they closed; the first acquire starts the servers, the
 * last release stops them. Tests call {@link #retainForJvm()} so the servers start once per test
 * JVM. Starting and stopping block (processes, files), so they run on worker threads; PostgreSQL
 * and Redis start in parallel, each on its own worker.
 *
 * <p>With {@code devServices.postgres.keepData} the PostgreSQL cluster lives in a kept directory
 * ({@link DevPostgres}): a warm start skips {@code initdb}, and the migrations already applied.
 * Event: {@code devservice.started kind=postgres port=... data=reused|created|recreated|temporary|in-use-fallback}.
 */
public final class DevServices {

  private static final Logger LOG = LoggerFactory.getLogger(DevServices.class);
  /** Guards the reference count and the stop; taken before (never while holding) a server lock. */
  private static final Object LOCK = new Object();
  private static final Object POSTGRES_LOCK = new Object();
  private static final Object REDIS_LOCK = new Object();

  private static DevPostgres postgres;
  private static RedisServer redis;
  private static int redisPort;
  private static int references;
  private static boolean retained;

  private DevServices() {
  }

  /** Keeps the servers running until the JVM exits (a shutdown hook stops them). For test suites. */
  public static void retainForJvm() {
    synchronized (LOCK) {
      if (!retained) {
        retained = true;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          synchronized (LOCK) {
            stopAll();
          }
        }, "tradekit-devservices-stop"));
      }
    }
  }

  /**
   * Starts what {@code options} asks for unless already running (PostgreSQL and Redis in
   * parallel); completes on the caller's context. A failed acquire holds nothing: what it started
   * is stopped again unless another lease uses it.
   */
  public static Future<Lease> acquire(Vertx vertx, DevServicesOptions options) {
    synchronized (LOCK) {
      // Counted before starting, so a concurrent last release cannot stop what this acquire starts.
      references++;
    }
    Future<JsonObject> pg = options.isPostgresEnabled()
      ? vertx.executeBlocking(() -> ensurePostgres(options), false) : Future.succeededFuture();
    Future<String> redisEndpoint = options.isRedisEnabled()
      ? vertx.executeBlocking(DevServices::ensureRedis, false) : Future.succeededFuture();
    return Future.join(pg, redisEndpoint).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(new Lease(vertx, pg.result(), redisEndpoint.result()));
      }
      Throwable cause = pg.failed() ? pg.cause() : redisEndpoint.cause();
      return vertx.executeBlocking(() -> {
        DevServices.release();
        return null;
      }, false).transform(ignored -> Future.failedFuture(cause));
    });
  }

  private static JsonObject ensurePostgres(DevServicesOptions options) throws Exception {
    synchronized (POSTGRES_LOCK) {
      if (postgres == null) {
        long start = System.nanoTime();
        postgres = DevPostgres.start(options.isKeepPostgresData() ? options.getPostgresDataDir() : null);
        LOG.info("event=devservice.started kind=postgres port={} data={} dataDir={} tookMs={}", postgres.port(),
          postgres.dataState().name().toLowerCase().replace('_', '-'),
          postgres.keptDataDir() == null ? "-" : postgres.keptDataDir(), (System.nanoTime() - start) / 1_000_000);
      }
      postgres.ensureDatabase(options.getDatabase());
      return new JsonObject().put("host", "127.0.0.1").put("port", postgres.port())
        .put("database", options.getDatabase()).put("user", DevPostgres.SUPERUSER).put("password", "");
    }
  }

  private static String ensureRedis() throws IOException {
    synchronized (REDIS_LOCK) {
      if (redis == null) {
        long start = System.nanoTime();
        int port = freePort();
        RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
          .setting("save \"\"").setting("appendonly no").build();
        server.start();
        redis = server;
        redisPort = port;
        LOG.info("event=devservice.started kind=redis port={} tookMs={}", port, (System.nanoTime() - start) / 1_000_000);
      }
      return "redis://127.0.0.1:" + redisPort;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void release() {
    synchronized (LOCK) {
      references--;
      if (references <= 0 && !retained) {
        stopAll();
      }
    }
  }

  /** Called holding LOCK with no acquire counted, so no start is in flight on either server. */
  private static void stopAll() {
    synchronized (REDIS_LOCK) {
      if (redis != null) {
        try {
          redis.stop();
          LOG.info("event=devservice.stopped kind=redis");
        } catch (IOException | RuntimeException e) {
          LOG.warn("embedded redis did not stop cleanly: {}", e.toString());
        }
        redis = null;
      }
    }
    synchronized (POSTGRES_LOCK) {
      if (postgres != null) {
        try {
          postgres.close();
          LOG.info("event=devservice.stopped kind=postgres");
        } catch (IOException | RuntimeException e) {
          LOG.warn("embedded postgres did not stop cleanly: {}", e.toString());
        }
        postgres = null;
      }
    }
  }

  /** One holder's use of the dev services; {@link #release()} once when done. */
  public static final class Lease {

    private final Vertx vertx;
    private final JsonObject postgresConnect;
    private final String redisEndpoint;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(Vertx vertx, JsonObject postgresConnect, String redisEndpoint) {
      this.vertx = vertx;
      this.postgresConnect = postgresConnect;
      this.redisEndpoint = redisEndpoint;
    }

    /** @return host, port, database, user, password for {@code PgConnectOptions}, or null when not started */
    public JsonObject postgresConnect() {
      return postgresConnect == null ? null : postgresConnect.copy();
    }

    /** @return e.g. {@code redis://127.0.0.1:6379}, or null when not started */
    public String redisEndpoint() {
      return redisEndpoint;
    }

    /**
     * @param resources a {@code resources} config map (name to block)
     * @return a copy in which every {@code postgres} block connects to the embedded PostgreSQL and
     *     every {@code redis} block to the embedded Redis; other settings are kept
     */
    public JsonObject applyTo(JsonObject resources) {
      JsonObject copy = resources.copy();
      for (String name : copy.fieldNames()) {
        Object value = copy.getValue(name);
        if (!(value instanceof JsonObject block)) {
          continue;
        }
        String type = block.getString("type", "");
        if (type.equals("postgres") && postgresConnect != null) {
          JsonObject connect = block.getJsonObject("connect", new JsonObject());
          connect.mergeIn(postgresConnect);
          connect.remove("passwordFile");
          block.put("connect", connect);
        } else if (type.equals("redis") && redisEndpoint != null) {
          JsonObject options = block.getJsonObject("options", new JsonObject());
          options.put("endpoints", new JsonArray().add(redisEndpoint));
          options.remove("connectionString");
          block.put("options", options);
        }
      }
      return copy;
    }

    /** Idempotent; the last release in the JVM stops the servers (unless retained). */
    public Future<Void> release() {
      if (!released.compareAndSet(false, true)) {
        return Future.succeededFuture();
      }
      return vertx.executeBlocking(() -> {
        DevServices.release();
        return null;
      }, false);
    }
  }
}
