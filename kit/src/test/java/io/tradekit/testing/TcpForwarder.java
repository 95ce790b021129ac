package io.tradekit.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * A plain TCP forwarder on a chosen local port, so a test can make a dead address come alive:
 * a resource first fails against the port, then the forwarder starts there and relays to the real
 * server. Closing it stops accepting.
 */
public final class TcpForwarder {

  private final Vertx vertx;
  private final NetClient client;
  private NetServer server;

  private TcpForwarder(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createNetClient();
  }

  /** @return a port nobody listens on right now (call from a test thread: it binds briefly) */
  public static int unusedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts listening on 127.0.0.1:{@code port}, relaying each connection to {@code targetHost:targetPort}. */
  public static Future<TcpForwarder> start(Vertx vertx, int port, String targetHost, int targetPort) {
    TcpForwarder forwarder = new TcpForwarder(vertx);
    forwarder.server = vertx.createNetServer().connectHandler(inbound -> {
      inbound.pause();
      forwarder.client.connect(targetPort, targetHost).onComplete(ar -> {
        if (ar.failed()) {
          inbound.close();
          return;
        }
        inbound.pipeTo(ar.result());
        ar.result().pipeTo(inbound);
        inbound.resume();
      });
    });
    return forwarder.server.listen(port, "127.0.0.1").map(s -> forwarder);
  }

  public Future<Void> close() {
    return server.close().compose(v -> client.close());
  }
}
