package io.tradekit.verticles.drills;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay in front of a real server that a drill can CUT: {@link #cut()} closes every relayed
 * connection and stops listening (new connects are refused, as for a stopped server);
 * {@link #restore()} listens again on the same port. Lets a drill stop "PostgreSQL" for a few
 * seconds without stopping the shared dev-services server the other tests use.
 */
final class CuttableProxy {

  private final Vertx vertx;
  private final int port;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private NetServer server;

  private CuttableProxy(Vertx vertx, int port, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.port = port;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  /** Listens on 127.0.0.1 on a free port, relaying to {@code targetHost:targetPort}. */
  static Future<CuttableProxy> start(Vertx vertx, String targetHost, int targetPort) {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    CuttableProxy proxy = new CuttableProxy(vertx, port, targetHost, targetPort);
    return proxy.restore().map(v -> proxy);
  }

  int port() {
    return port;
  }

  /** Listens (again) and relays new connections. */
  Future<Void> restore() {
    server = vertx.createNetServer().connectHandler(inbound -> {
      inbound.pause();
      client.connect(targetPort, targetHost).onComplete(ar -> {
        if (ar.failed()) {
          inbound.close();
          return;
        }
        NetSocket outbound = ar.result();
        sockets.add(inbound);
        sockets.add(outbound);
        inbound.closeHandler(v -> outbound.close());
        outbound.closeHandler(v -> inbound.close());
        inbound.pipeTo(outbound);
        outbound.pipeTo(inbound);
        inbound.resume();
      });
    });
    return server.listen(port, "127.0.0.1").mapEmpty();
  }

  /** Stops listening and closes every relayed connection. */
  Future<Void> cut() {
    List<Future<Void>> closing = new ArrayList<>();
    closing.add(server.close());
    for (NetSocket socket : sockets) {
      closing.add(socket.close());
    }
    sockets.clear();
    return Future.join(closing).mapEmpty();
  }

  Future<Void> close() {
    return cut().transform(ar -> client.close());
  }
}
