package io.tradekit.supervisor;

import io.tradekit.supervisor.testing.ContextProbeService;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tradekit.supervisor.testing.KitConfigs.service;
import static io.tradekit.supervisor.testing.KitConfigs.withServices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A readiness procedure a service registers runs on that service's own context, so it may read
 * the service's state without locks (the admin server's event loop is another thread).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ReadinessContextTest {

  @Test
  void serviceReadinessProcedureRunsOnTheServicesOwnContext(Vertx vertx, VertxTestContext ctx) {
    Promise<String> serviceThread = Promise.promise();
    vertx.eventBus().<JsonObject>consumer(ContextProbeService.ADDRESS, msg -> serviceThread.tryComplete(msg.body().getString("thread")));
    JsonObject config = withServices(service("ctx-probe", ContextProbeService.class))
      .put("devServices", new JsonObject().put("enabled", false));
    WebClient client = WebClient.create(vertx);
    TradeKit.start(vertx, config)
      .compose(kit -> serviceThread.future()
        .compose(thread -> client.get(kit.adminPort(), "127.0.0.1", "/health/ready").send().map(response -> {
          ctx.verify(() -> {
            JsonObject body = response.bodyAsJsonObject();
            JsonObject check = find(body, List.of("checks", "ctx-probe", "x"));
            assertThat(check).as("procedure checks/ctx-probe/x in %s", body).isNotNull();
            JsonObject data = check.getJsonObject("data", new JsonObject());
            assertThat(data.getBoolean("onServiceContext")).as("ran on the service's context: %s", data).isTrue();
            assertThat(data.getString("thread")).isEqualTo(thread);
          });
          return kit;
        }))
        .compose(TradeKit::stop))
      .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
        assertThat(code).isZero();
        ctx.completeNow();
      })));
  }

  /** @return the health-check entry reached by following nested ids, or null */
  private static JsonObject find(JsonObject node, List<String> ids) {
    if (ids.isEmpty()) {
      return node;
    }
    JsonArray checks = node.getJsonArray("checks", new JsonArray());
    for (int i = 0; i < checks.size(); i++) {
      JsonObject child = checks.getJsonObject(i);
      if (ids.get(0).equals(child.getString("id"))) {
        return find(child, ids.subList(1, ids.size()));
      }
    }
    return null;
  }
}
