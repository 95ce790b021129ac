package io.tradekit.supervisor.testing;

import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guarantees every stop must keep, checked on a recorded lifecycle: nothing new is opened or
 * started after {@code supervisor.stopping}; every {@code resource.opened} is followed by its
 * {@code resource.closed}; every {@code service.started} by its {@code service.stopped}; all
 * services stopped before the first resource closed; and {@code supervisor.stopped} comes last.
 */
public final class StopChecks {

  private StopChecks() {
  }

  public static void assertStoppedCleanly(LifecycleRecorder events) {
    List<JsonObject> all = events.all();
    List<String> trace = events.trace("supervisor.starting", "supervisor.ready", "supervisor.stopping",
      "supervisor.stopped", "resource.opening", "resource.opened", "resource.closed", "service.starting",
      "service.started", "service.stopping", "service.stopped", "service.failed");
    int stopping = indexOf(all, "supervisor.stopping", 0);
    assertThat(stopping).as("a supervisor.stopping event in %s", trace).isGreaterThanOrEqualTo(0);
    for (int i = stopping + 1; i < all.size(); i++) {
      String event = all.get(i).getString("event");
      assertThat(Set.of("resource.opening", "service.starting"))
        .as("nothing new may begin after supervisor.stopping, but %s:%s did; trace %s", event, subject(all.get(i)), trace)
        .doesNotContain(event);
    }
    // Per subject, each opened (started) must be followed by a closed (stopped).
    Map<String, Integer> openResources = new HashMap<>();
    Map<String, Integer> runningServices = new HashMap<>();
    int lastServiceStopped = -1;
    int firstResourceClosed = -1;
    for (int i = 0; i < all.size(); i++) {
      JsonObject e = all.get(i);
      String subject = subject(e);
      switch (e.getString("event")) {
        case "resource.opened" -> openResources.merge(subject, 1, Integer::sum);
        case "resource.closed" -> {
          openResources.merge(subject, -1, Integer::sum);
          if (firstResourceClosed < 0) {
            firstResourceClosed = i;
          }
        }
        case "service.started" -> runningServices.merge(subject, 1, Integer::sum);
        case "service.stopped" -> {
          runningServices.merge(subject, -1, Integer::sum);
          lastServiceStopped = i;
        }
        default -> { }
      }
    }
    openResources.forEach((name, balance) -> assertThat(balance)
      .as("resource '%s': every resource.opened needs a later resource.closed; trace %s", name, trace).isLessThanOrEqualTo(0));
    runningServices.forEach((name, balance) -> assertThat(balance)
      .as("service '%s': every service.started needs a later service.stopped; trace %s", name, trace).isLessThanOrEqualTo(0));
    if (lastServiceStopped >= 0 && firstResourceClosed >= 0) {
      assertThat(lastServiceStopped).as("services stop before the first resource closes; trace %s", trace)
        .isLessThan(firstResourceClosed);
    }
    int stopped = indexOf(all, "supervisor.stopped", 0);
    assertThat(stopped).as("a supervisor.stopped event in %s", trace).isGreaterThan(stopping);
    List<String> afterStopped = all.subList(stopped + 1, all.size()).stream()
      .map(e -> e.getString("event") + ":" + subject(e))
      .filter(e -> e.startsWith("resource.") || e.startsWith("service.")).toList();
    assertThat(afterStopped).as("no resource or service event after supervisor.stopped; trace %s", trace).isEmpty();
  }

  /** @return the index of the first event named {@code name} at or after {@code from}, or -1 */
  public static int indexOf(List<JsonObject> all, String name, int from) {
    for (int i = from; i < all.size(); i++) {
      if (name.equals(all.get(i).getString("event"))) {
        return i;
      }
    }
    return -1;
  }

  /** @return the trace (event:subject) of the events after the first supervisor.stopping */
  public static List<String> afterStopping(LifecycleRecorder events) {
    List<JsonObject> all = events.all();
    int stopping = indexOf(all, "supervisor.stopping", 0);
    return all.subList(stopping + 1, all.size()).stream().map(e -> e.getString("event") + ":" + subject(e)).toList();
  }

  static String subject(JsonObject e) {
    if (e.containsKey("service")) {
      return e.getString("service");
    }
    if (e.containsKey("resource")) {
      return e.getString("resource");
    }
    return e.containsKey("exitCode") ? String.valueOf(e.getValue("exitCode")) : "";
  }
}
