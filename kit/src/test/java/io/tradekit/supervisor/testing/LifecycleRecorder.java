package io.tradekit.supervisor.testing;

import io.tradekit.supervisor.LifecycleEvents;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Collects the lifecycle events published on the event bus, in arrival order. */
public final class LifecycleRecorder {

  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final java.util.Map<String, java.util.function.Consumer<JsonObject>> callbacks = new java.util.concurrent.ConcurrentHashMap<>();

  public LifecycleRecorder(Vertx vertx) {
    vertx.eventBus().<JsonObject>consumer(LifecycleEvents.ADDRESS, msg -> {
      events.add(msg.body());
      java.util.function.Consumer<JsonObject> callback = callbacks.get(msg.body().getString("event"));
      if (callback != null) {
        callback.accept(msg.body());
      }
    });
  }

  /** Runs {@code callback} (on an event loop) when {@code event} arrives, after it was recorded. */
  public LifecycleRecorder on(String event, java.util.function.Consumer<JsonObject> callback) {
    callbacks.put(event, callback);
    return this;
  }

  /** @return the recorded events named {@code event}, in order */
  public List<JsonObject> named(String event) {
    return events.stream().filter(e -> e.getString("event").equals(event)).collect(Collectors.toList());
  }

  public List<JsonObject> all() {
    return List.copyOf(events);
  }

  /** @return e.g. {@code ["service.started:a", "resource.closed:postgres"]} for the given event names */
  public List<String> trace(String... names) {
    List<String> wanted = List.of(names);
    return events.stream().filter(e -> wanted.contains(e.getString("event")))
      .map(e -> e.getString("event") + ":" + subject(e)).collect(Collectors.toList());
  }

  public long count(String event, String subject) {
    return events.stream().filter(e -> e.getString("event").equals(event) && subject.equals(subject(e))).count();
  }

  private static String subject(JsonObject e) {
    if (e.containsKey("service")) {
      return e.getString("service");
    }
    if (e.containsKey("resource")) {
      return e.getString("resource");
    }
    return e.containsKey("exitCode") ? String.valueOf(e.getValue("exitCode")) : "";
  }
}
