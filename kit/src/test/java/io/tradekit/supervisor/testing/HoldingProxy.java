package io.tradekit.supervisor.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A local TCP proxy that accepts connections but holds them, silent, until the test calls
 * {@link #release()}; from then on every held and every new connection is relayed to the target.
 *
 * <p>Why: a resource pointed at it is deterministically "in the middle of its open" from the
 * moment the first connection is accepted ({@link #firstConnection()}) until the test releases it,
 * so a test can stop the supervisor exactly then and afterwards check, with
 * {@link #whenNoConnections()}, that the client was closed even though its open completed after
 * the stop. Handlers run on Vert.x event loops; the state is guarded by this object's lock.
 */
public final class HoldingProxy {

  private final NetClient client;
  private final String targetHost;
  private final int targetPort;
  private final Promise<Void> firstConnection = Promise.promise();
  private final List<NetSocket> held = new ArrayList<>();
  private final Set<NetSocket> open = new HashSet<>();
  private final List<Promise<Void>> noConnectionWaiters = new ArrayList<>();
  private NetServer server;
  private boolean released;
  private int accepted;

  private HoldingProxy(Vertx vertx, String targetHost, int targetPort) {
    this.client = vertx.createNetClient();
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  /** Listens on a free port of 127.0.0.1, holding connections for {@code targetHost:targetPort}. */
  public static Future<HoldingProxy> start(Vertx vertx, String targetHost, int targetPort) {
    HoldingProxy proxy = new HoldingProxy(vertx, targetHost, targetPort);
    proxy.server = vertx.createNetServer().connectHandler(proxy::accept);
    return proxy.server.listen(0, "127.0.0.1").map(s -> proxy);
  }

  private void accept(NetSocket inbound) {
    inbound.pause();
    boolean relayNow;
    synchronized (this) {
      accepted++;
      open.add(inbound);
      relayNow = released;
      if (!relayNow) {
        held.add(inbound);
      }
    }
    inbound.closeHandler(v -> closed(inbound));
    firstConnection.tryComplete();
    if (relayNow) {
      relay(inbound);
    }
  }

  private void closed(NetSocket inbound) {
    List<Promise<Void>> toComplete = new ArrayList<>();
    synchronized (this) {
      open.remove(inbound);
      held.remove(inbound);
      if (open.isEmpty()) {
        toComplete.addAll(noConnectionWaiters);
        noConnectionWaiters.clear();
      }
    }
    toComplete.forEach(Promise::tryComplete);
  }

  private void relay(NetSocket inbound) {
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed()) {
        inbound.close();
        return;
      }
      NetSocket outbound = ar.result();
      inbound.pipeTo(outbound);
      outbound.pipeTo(inbound);
      inbound.resume();
    });
  }

  /** @return the local port to point a client at */
  public int port() {
    return server.actualPort();
  }

  /** @return completes when the first connection was accepted (and is being held) */
  public Future<Void> firstConnection() {
    return firstConnection.future();
  }

  /** Relays every held connection to the target, and every later one at once. Any thread. */
  public void release() {
    List<NetSocket> toRelay;
    synchronized (this) {
      released = true;
      toRelay = new ArrayList<>(held);
      held.clear();
    }
    toRelay.forEach(this::relay);
  }

  /** @return how many connections were accepted so far */
  public synchronized int accepted() {
    return accepted;
  }

  /** @return completes once no accepted connection is open any more (at once when none is) */
  public Future<Void> whenNoConnections() {
    Promise<Void> promise = Promise.promise();
    synchronized (this) {
      if (!open.isEmpty()) {
        noConnectionWaiters.add(promise);
        return promise.future();
      }
    }
    promise.complete();
    return promise.future();
  }

  public Future<Void> close() {
    return server.close().compose(v -> client.close());
  }
}
