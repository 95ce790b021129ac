package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

import java.util.HashMap;
import java.util.Map;

/**
 * A byte relay in front of the exchange's HTTP server, so the {@code drop} fault can cut a client's
 * TCP connection with NO WebSocket close frame.
 *
 * <p>Why it exists: in Vert.x 5 every public way to close a WebSocket or its HTTP connection goes
 * through the WebSocket connection, which writes a close frame (1000) first; there is no public
 * access to the raw channel. Relaying bytes through a {@link NetSocket} pair makes the client's
 * socket ours to close. Each client socket is mapped by the relay's backend local port, which is
 * the remote port the HTTP server sees.
 *
 * <p>Created and used on the exchange's event-loop context; pipes keep back-pressure in both
 * directions, so the backend WebSocket's {@code writeQueueFull} still reflects a slow client.
 */
final class TcpRelay {

  private final Vertx vertx;
  /** One relayed client connection. */
  private static final class Pair {
    final NetSocket front;
    /** Whether any server bytes (at least the 101 handshake reply) reached the client yet. */
    boolean relayedToClient;
    boolean dropRequested;

    Pair(NetSocket front) {
      this.front = front;
    }
  }

  private final Map<Integer, Pair> clientsByBackendPort = new HashMap<>();
  private NetServer server;
  private NetClient client;

  TcpRelay(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Listens on {@code host:port} and relays every connection to {@code 127.0.0.1:backendPort}. */
  Future<Integer> start(String host, int port, int backendPort) {
    client = vertx.createNetClient();
    server = vertx.createNetServer(new NetServerOptions().setHost(host).setPort(port).setTcpNoDelay(true));
    server.connectHandler(front -> {
      // Hold inbound bytes until the backend is connected; pipeTo resumes the source.
      front.pause();
      client.connect(backendPort, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          front.close();
          return;
        }
        NetSocket back = ar.result();
        int key = back.localAddress().port();
        Pair pair = new Pair(front);
        clientsByBackendPort.put(key, pair);
        back.closeHandler(v -> {
          clientsByBackendPort.remove(key);
          front.close();
        });
        front.closeHandler(v -> back.close());
        front.pipeTo(back);
        back.handler(buffer -> {
          front.write(buffer);
          pair.relayedToClient = true;
          if (pair.dropRequested) {
            front.close();
            return;
          }
          if (front.writeQueueFull()) {
            // Back-pressure: the backend WebSocket then sees writeQueueFull for a slow client.
            back.pause();
            front.drainHandler(d -> back.resume());
          }
        });
      });
    });
    return server.listen().map(NetServer::actualPort);
  }

  /**
   * Cuts the client connection whose backend socket is {@code backendRemote}: TCP close, no frame.
   * A connection whose handshake reply has not reached the client yet is cut right after it does,
   * so a client connecting during a drop always sees "connected, then cut", never a half handshake.
   */
  void drop(SocketAddress backendRemote) {
    Pair pair = clientsByBackendPort.remove(backendRemote.port());
    if (pair == null) {
      return;
    }
    if (pair.relayedToClient) {
      pair.front.close();
    } else {
      pair.dropRequested = true;
    }
  }

  Future<Void> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> client == null ? Future.succeededFuture() : client.close());
  }
}
