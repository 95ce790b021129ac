package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * Test daemon whose {@code start()} waits for the test: it sends {@code {"service": name}} as a
 * request to the event-bus address {@code config.gate} (default {@value #GATE}) and completes only
 * when the test replies. The moment the request arrives, the service is deterministically in the
 * middle of its deploy; the test chooses when (and how) the start ends by the reply:
 * {@code {}} starts normally, {@code {"failStart": true}} fails the start, and
 * {@code {"failAfterMs": n}} starts and then reports a failure after n ms.
 *
 * <p>No static state: every instance asks the gate, so each generation of a restarted service is
 * gated separately, and the test counts the requests to know which generation is asking.
 */
public class GatedService extends ServiceVerticle {

  public static final String GATE = "test.gate";

  @Override
  public Future<?> start() {
    String address = config().getString("gate", GATE);
    JsonObject request = new JsonObject().put("service", service().name());
    // The test may hold the gate across a whole shutdown; the default 30 s send timeout would
    // turn a held gate into a start failure the test did not ask for.
    return vertx.eventBus().<JsonObject>request(address, request, new DeliveryOptions().setSendTimeout(120_000))
      .compose(reply -> {
        JsonObject order = reply.body() == null ? new JsonObject() : reply.body();
        if (order.getBoolean("failStart", false)) {
          return Future.failedFuture(new IllegalStateException("start of '" + service().name() + "' failed on the gate's order"));
        }
        Long failAfterMs = order.getLong("failAfterMs");
        if (failAfterMs != null) {
          vertx.setTimer(failAfterMs, t -> service().fail(new IllegalStateException("'" + service().name()
            + "' failed on the gate's order after " + failAfterMs + " ms")));
        }
        return Future.succeededFuture();
      });
  }
}
