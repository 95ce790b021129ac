package io.tradekit.supervisor;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits lifecycle transitions: one log line each on logger {@value #LOGGER} of the form
 * {@code event=service.started service=receiver instances=1}, and the same data as a JSON message
 * published on the event bus address {@value #ADDRESS} ({@code {"event":"service.started",
 * "service":"receiver",...}}).
 *
 * <p>Event names are stable and part of the kit's contract: {@code supervisor.starting},
 * {@code supervisor.ready}, {@code supervisor.stopping}, {@code supervisor.stopped} (with
 * {@code exitCode}), {@code service.starting|started|stopping|stopped|failed|restarting|completed},
 * {@code resource.opening|opened|closed}. Called by the supervisor on its own context; anyone may
 * consume the address (tests use it to assert ordering).
 */
public final class LifecycleEvents {

  /** Event-bus address the events are published on. */
  public static final String ADDRESS = "tradekit.lifecycle";
  /** Logger name of the {@code event=} lines, so they can be routed separately. */
  public static final String LOGGER = "io.tradekit.lifecycle";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private final Vertx vertx;

  LifecycleEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * @param event the stable event name
   * @param keyValues alternating keys and values; values are rendered with {@code toString()}
   */
  void emit(String event, Object... keyValues) {
    StringBuilder line = new StringBuilder("event=").append(event);
    JsonObject json = new JsonObject().put("event", event).put("timeMs", System.currentTimeMillis());
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      String key = String.valueOf(keyValues[i]);
      Object value = keyValues[i + 1];
      line.append(' ').append(key).append('=').append(render(value));
      json.put(key, value instanceof Number || value instanceof Boolean ? value : String.valueOf(value));
    }
    if (event.endsWith(".failed")) {
      LOG.warn(line.toString());
    } else {
      LOG.info(line.toString());
    }
    vertx.eventBus().publish(ADDRESS, json);
  }

  private static String render(Object value) {
    String text = String.valueOf(value);
    // Quote values with spaces so the line stays machine-parseable as key=value pairs.
    return text.indexOf(' ') >= 0 || text.isEmpty() ? '"' + text.replace("\"", "'") + '"' : text;
  }
}
