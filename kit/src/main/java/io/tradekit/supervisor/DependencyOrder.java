package io.tradekit.supervisor;

import io.tradekit.config.ConfigException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Topological sort of services by {@code dependsOn}, stable with respect to config order. */
final class DependencyOrder {

  private DependencyOrder() {
  }

  /**
   * @return the services with every dependency before its dependents; ties keep config order
   * @throws ConfigException naming the cycle, e.g. {@code services: dependency cycle a -> b -> a}
   */
  static List<ServiceSpec> sort(List<ServiceSpec> services) {
    Map<String, ServiceSpec> byName = new LinkedHashMap<>();
    services.forEach(s -> byName.put(s.name(), s));
    Map<String, Integer> state = new HashMap<>(); // 1 = visiting, 2 = done
    List<ServiceSpec> order = new ArrayList<>();
    for (ServiceSpec spec : services) {
      visit(spec, byName, state, order, new ArrayList<>());
    }
    return order;
  }

  private static void visit(ServiceSpec spec, Map<String, ServiceSpec> byName, Map<String, Integer> state,
                            List<ServiceSpec> order, List<String> trail) {
    Integer s = state.get(spec.name());
    if (s != null && s == 2) {
      return;
    }
    trail.add(spec.name());
    if (s != null) {
      List<String> cycle = trail.subList(trail.indexOf(spec.name()), trail.size());
      throw new ConfigException("services", "dependency cycle " + String.join(" -> ", cycle));
    }
    state.put(spec.name(), 1);
    for (String dep : spec.dependsOn()) {
      ServiceSpec target = byName.get(dep);
      if (target != null) {
        visit(target, byName, state, order, trail);
      }
    }
    trail.remove(trail.size() - 1);
    state.put(spec.name(), 2);
    order.add(spec);
  }
}
