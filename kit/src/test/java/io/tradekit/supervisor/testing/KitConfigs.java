package io.tradekit.supervisor.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builds supervisor configs for tests: admin on a free port, dev services, postgres + redis. */
public final class KitConfigs {

  private KitConfigs() {
  }

  public static JsonObject withServices(JsonObject... services) {
    return new JsonObject()
      .put("admin", new JsonObject().put("port", 0))
      .put("devServices", new JsonObject().put("enabled", true))
      .put("startup", new JsonObject().put("resourceWaitMs", 5_000))
      .put("resources", new JsonObject()
        .put("postgres", new JsonObject().put("type", "postgres")
          .put("pool", new JsonObject().put("maxSize", 2)))
        .put("redis", new JsonObject().put("type", "redis")))
      .put("services", new JsonArray(java.util.List.of((Object[]) services)));
  }

  public static JsonObject service(String name, Class<?> verticle) {
    return new JsonObject().put("name", name).put("verticle", verticle.getName());
  }
}
