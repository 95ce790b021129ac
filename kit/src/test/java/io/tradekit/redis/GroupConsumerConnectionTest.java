package io.tradekit.redis;

import io.tradekit.dev.DevServices;
import io.tradekit.dev.DevServicesOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer's reads use a connection of their own: a saturated shared pool does not starve
 * them, and a connect that completes after its timeout is closed instead of holding a slot.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class GroupConsumerConnectionTest {

  @BeforeAll
  static void startDevServicesOncePerJvm() {
    DevServices.retainForJvm();
  }

  private static RedisResource resource(Vertx vertx, String name, String endpoint, JsonObject extra) {
    JsonObject options = new JsonObject().put("endpoints", new JsonArray().add(endpoint)).mergeIn(extra);
    return (RedisResource) new RedisResourceFactory().create(vertx, name, new JsonObject().put("type", "redis")
      .put("options", options), "resources." + name);
  }

  private static Future<Void> write(RedisResource redis, String stream, int from, int to) {
    List<Request> adds = new ArrayList<>();
    for (int i = from; i < to; i++) {
      adds.add(GroupConsumer.xadd(stream, 0, List.of("n", Integer.toString(i))));
    }
    return redis.pipeline(adds, false).mapEmpty();
  }

  @Test
  void consumerReadsAndAcksWhileEveryConnectionOfTheSharedPoolIsHeldByOthers(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:saturated:" + System.nanoTime();
    Set<String> handled = new HashSet<>();
    Promise<Void> allHandled = Promise.promise();
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease -> {
      // The shared pool: ONE connection, and another user holds it for the whole test.
      RedisResource shared = resource(vertx, "redis-saturated", lease.redisEndpoint(),
        new JsonObject().put("maxPoolSize", 1).put("maxPoolWaiting", 1));
      RedisResource writer = resource(vertx, "redis-writer", lease.redisEndpoint(), new JsonObject());
      GroupConsumer consumer = new GroupConsumer(vertx, shared, new GroupConsumer.Settings("g", "c-saturated",
        List.of(stream), 10, 100, 60_000, 60_000, 10, 1_000), entries -> {
          entries.forEach(e -> handled.add(e.fields().get("n")));
          if (handled.size() == 25) {
            allHandled.tryComplete();
          }
          return Future.succeededFuture();
        });
      return shared.open().compose(v -> writer.open())
        .compose(v -> shared.client().connect())
        .compose(held -> consumer.start()
          .compose(v -> write(writer, stream, 0, 25))
          .compose(v -> allHandled.future())
          .compose(v -> consumer.stop())
          .compose(v -> writer.send(Request.cmd(Command.XPENDING).arg(stream).arg("g"), true))
          .eventually(held::close))
        .eventually(() -> shared.close().compose(v -> writer.close()).eventually(lease::release));
    }).onComplete(ctx.succeeding(pending -> ctx.verify(() -> {
      assertThat(handled).hasSize(25);
      assertThat(pending.get(0).toLong()).as("entries left unacknowledged").isZero();
      ctx.completeNow();
    })));
  }

  @Test
  void aConnectThatCompletesAfterItsTimeoutIsClosedAndTheConsumerGoesOn(Vertx vertx, VertxTestContext ctx) {
    String stream = "kittest:late-connect:" + System.nanoTime();
    Set<String> handled = new HashSet<>();
    Promise<Void> firstFive = Promise.promise();
    Promise<Void> allTen = Promise.promise();
    DevServices.acquire(vertx, new DevServicesOptions().setEnabled(true).setPostgresEnabled(false)).compose(lease -> {
      URI redisUri = URI.create(lease.redisEndpoint());
      RedisResource writer = resource(vertx, "redis-writer2", lease.redisEndpoint(), new JsonObject());
      return DelayingProxy.start(vertx, redisUri.getHost(), redisUri.getPort()).compose(proxy -> {
        // Everything the consumer does goes through the proxy; its connect timeout is 300 ms.
        RedisResource shared = resource(vertx, "redis-late", "redis://127.0.0.1:" + proxy.port(),
          new JsonObject().put("maxPoolSize", 1));
        GroupConsumer consumer = new GroupConsumer(vertx, shared, new GroupConsumer.Settings("g", "c-late",
          List.of(stream), 10, 100, 60_000, 60_000, 20, 300), entries -> {
            entries.forEach(e -> handled.add(e.fields().get("n")));
            if (handled.size() >= 5) {
              firstFive.tryComplete();
            }
            if (handled.size() == 10) {
              allTen.tryComplete();
            }
            return Future.succeededFuture();
          });
        return shared.open().compose(v -> writer.open())
          .compose(v -> consumer.start())
          .compose(v -> write(writer, stream, 0, 5))
          .compose(v -> firstFive.future())
          // The next connection through the proxy completes only after 1.5 s (5x the timeout); the
          // consumer loses its connection and must reconnect.
          .compose(v -> {
            Future<Void> lateClosed = proxy.delayNext(1_500);
            proxy.dropAll();
            return write(writer, stream, 5, 10)
              .compose(x -> allTen.future())
              .compose(x -> lateClosed);
          })
          .compose(v -> consumer.stop())
          .eventually(() -> shared.close().compose(v -> writer.close()).compose(v -> proxy.close()));
      }).eventually(lease::release);
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(handled).hasSize(10);
      ctx.completeNow();
    })));
  }

  /**
   * A TCP relay to Redis that can hold back the next connection it accepts (the TCP connect
   * succeeds, the Redis handshake waits) and drop every connection it relays.
   */
  static final class DelayingProxy {
    private final NetServer server;
    private final NetClient client;
    private final List<NetSocket> inbound = new ArrayList<>();
    private long nextDelayMs;
    private Promise<Void> delayedClosed;

    private DelayingProxy(Vertx vertx, String host, int port) {
      this.client = vertx.createNetClient();
      this.server = vertx.createNetServer().connectHandler(socket -> {
        socket.pause();
        inbound.add(socket);
        long delayMs = nextDelayMs;
        Promise<Void> closed = delayedClosed;
        nextDelayMs = 0;
        delayedClosed = null;
        socket.closeHandler(v -> {
          inbound.remove(socket);
          if (closed != null) {
            closed.tryComplete();
          }
        });
        Runnable relay = () -> client.connect(port, host).onComplete(ar -> {
          if (ar.failed()) {
            socket.close();
            return;
          }
          NetSocket upstream = ar.result();
          if (!inbound.contains(socket)) {
            upstream.close(); // the client gave up while held back
            return;
          }
          socket.handler(upstream::write);
          upstream.handler(socket::write);
          socket.closeHandler(v -> {
            inbound.remove(socket);
            upstream.close();
            if (closed != null) {
              closed.tryComplete();
            }
          });
          upstream.closeHandler(v -> socket.close());
          socket.resume();
        });
        if (delayMs > 0) {
          vertx.setTimer(delayMs, t -> relay.run());
        } else {
          relay.run();
        }
      });
    }

    static Future<DelayingProxy> start(Vertx vertx, String host, int port) {
      DelayingProxy proxy = new DelayingProxy(vertx, host, port);
      return proxy.server.listen(0, "127.0.0.1").map(s -> proxy);
    }

    int port() {
      return server.actualPort();
    }

    /** @return completes when the delayed connection's client side has been closed */
    Future<Void> delayNext(long delayMs) {
      nextDelayMs = delayMs;
      delayedClosed = Promise.promise();
      return delayedClosed.future();
    }

    void dropAll() {
      new ArrayList<>(inbound).forEach(NetSocket::close);
    }

    Future<Void> close() {
      dropAll();
      return server.close().compose(v -> client.close());
    }
  }
}
