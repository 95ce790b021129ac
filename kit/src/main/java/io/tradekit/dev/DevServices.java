package io.tradekit.dev;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Dev services: embedded PostgreSQL (io.zonky.test) and embedded Redis (codemonstur) on free
 * ports, so the kit runs on a machine with nothing installed.
 *
 * <p>JVM-wide and reference-counted: the supervisor {@link #acquire acquires} a lease before it
 * opens resources and releases it after they closed; the first acquire starts the servers, the
 * last release stops them. Tests call {@link #retainForJvm()} so the servers start once per test
 * JVM. Starting and stopping block (processes, files), so they run on worker threads.
 */
public final class DevServices {

  private static final Logger LOG = LoggerFactory.getLogger(DevServices.class);
  private static final Object LOCK = new Object();
  private static final String USER = "postgres";

  private static EmbeddedPostgres postgres;
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

  /** Starts what {@code options} asks for unless already running; completes on the caller's context. */
  public static Future<Lease> acquire(Vertx vertx, DevServicesOptions options) {
    return vertx.executeBlocking(() -> {
      synchronized (LOCK) {
        if (options.isPostgresEnabled() && postgres == null) {
          long start = System.nanoTime();
          postgres = EmbeddedPostgres.builder().setPort(freePort()).start();
          LOG.info("event=devservice.started kind=postgres port={} tookMs={}", postgres.getPort(), (System.nanoTime() - start) / 1_000_000);
        }
        if (options.isPostgresEnabled()) {
          createDatabase(options.getDatabase());
        }
        if (options.isRedisEnabled() && redis == null) {
          int port = freePort();
          RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
            .setting("save \"\"").setting("appendonly no").build();
          server.start();
          redis = server;
          redisPort = port;
          LOG.info("event=devservice.started kind=redis port={}", port);
        }
        references++;
        JsonObject pg = options.isPostgresEnabled() && postgres != null ? new JsonObject()
          .put("host", "127.0.0.1").put("port", postgres.getPort()).put("database", options.getDatabase())
          .put("user", USER).put("password", "") : null;
        String redisEndpoint = options.isRedisEnabled() && redis != null ? "redis://127.0.0.1:" + redisPort : null;
        return new Lease(vertx, pg, redisEndpoint);
      }
    }, false);
  }

  private static void createDatabase(String database) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
        if (rs.next()) {
          return;
        }
      }
      s.execute("CREATE DATABASE " + database); // validated identifier, see DevServicesOptions
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

  private static void stopAll() {
    if (redis != null) {
      try {
        redis.stop();
        LOG.info("event=devservice.stopped kind=redis");
      } catch (IOException | RuntimeException e) {
        LOG.warn("embedded redis did not stop cleanly: {}", e.toString());
      }
      redis = null;
    }
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
