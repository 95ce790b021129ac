package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulated exchange against its method table ({@code deribit-methods.json}, derived from
 * Deribit's specification): for every method, each required parameter missing, each enum violated
 * and each wrong type is refused with -32602 naming the parameter; each valid call (the table's
 * example) returns the documented shape with only documented field names and every required one.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeConformanceTest {

  private static final String BTC = "BTC-PERPETUAL";
  private static final MethodTable TABLE = MethodTable.load();

  private SimulatedExchange exchange;
  private TestClient client;
  private final AtomicInteger labels = new AtomicInteger();

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setTradesPerSecond(50).setBookChangesPerSecond(0));
    exchange.start(vertx).compose(port -> TestClient.connect(vertx, port)).compose(c -> {
      client = c;
      return c.auth();
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    exchange.stop().onComplete(ctx.succeedingThenComplete());
  }

  /** A call and the parameter its error must name. */
  private record Probe(String method, JsonObject params, String param, String what) {
  }

  @Test
  void everyMissingRequiredParameterIsRefusedNamingIt(Vertx vertx, VertxTestContext ctx) {
    List<Probe> probes = new ArrayList<>();
    for (MethodTable.Method m : TABLE.methods().values()) {
      for (MethodTable.Param p : m.params()) {
        if (p.required()) {
          JsonObject params = example(m.name(), Map.of());
          params.remove(p.name());
          probes.add(new Probe(m.name(), params, p.name(), "missing"));
        }
      }
    }
    assertThat(probes).extracting(Probe::method).contains("private/get_order_state_by_label", "private/buy",
      "public/get_last_trades_by_instrument", "public/auth");
    runRefusals(probes, ctx);
  }

  @Test
  void everyEnumViolationIsRefusedNamingIt(Vertx vertx, VertxTestContext ctx) {
    List<Probe> probes = new ArrayList<>();
    for (MethodTable.Method m : TABLE.methods().values()) {
      for (MethodTable.Param p : m.params()) {
        if (p.allowed() != null) {
          probes.add(new Probe(m.name(), example(m.name(), Map.of()).put(p.name(), "not_a_deribit_value"), p.name(), "enum"));
        }
      }
    }
    assertThat(probes).extracting(Probe::param).contains("currency", "time_in_force", "type", "sorting", "grant_type");
    runRefusals(probes, ctx);
  }

  @Test
  void everyWrongTypeIsRefusedNamingIt(Vertx vertx, VertxTestContext ctx) {
    List<Probe> probes = new ArrayList<>();
    for (MethodTable.Method m : TABLE.methods().values()) {
      for (MethodTable.Param p : m.params()) {
        // A value no JSON reading could take for the declared type.
        Object wrong = switch (p.type()) {
          case "boolean" -> "yes";
          case "array<string>", "array<object>" -> "not-an-array";
          default -> Boolean.TRUE;
        };
        probes.add(new Probe(m.name(), example(m.name(), Map.of()).put(p.name(), wrong), p.name(), "type"));
      }
    }
    runRefusals(probes, ctx);
  }

  @Test
  void anUnknownMethodIsMethodNotFound(Vertx vertx, VertxTestContext ctx) {
    client.call("private/get_everything", new JsonObject()).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
      assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32601);
      ctx.completeNow();
    })));
  }

  @Test
  void getOrderStateByLabelWithoutCurrencyIsRefused(Vertx vertx, VertxTestContext ctx) {
    client.call("private/get_order_state_by_label", new JsonObject().put("label", "x"))
      .compose(none -> client.call("private/get_order_state_by_label", new JsonObject().put("label", "x").put("currency", "SOL"))
        .map(sol -> List.of(none, sol)))
      .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
        for (JsonObject reply : replies) {
          assertThat(reply.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
          assertThat(reply.getJsonObject("error").getJsonObject("data").getString("param")).isEqualTo("currency");
        }
        ctx.completeNow();
      })));
  }

  @Test
  void everyValidCallReturnsTheDocumentedShape(Vertx vertx, VertxTestContext ctx) {
    Future<Void> chain = Future.succeededFuture();
    List<String> checked = new ArrayList<>();
    for (String method : TABLE.methods().keySet()) {
      chain = chain.compose(v -> restingOrder()).compose(open -> {
        JsonObject params = example(method, open);
        return client.call(method, params).map(reply -> {
          ctx.verify(() -> {
            assertThat(reply.containsKey("error")).as(method + " " + params.encode() + " -> " + reply.encode()).isFalse();
            checkShape(method, reply.getValue("result"));
          });
          checked.add(method);
          return null;
        });
      });
    }
    chain.onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(checked).containsExactlyElementsOf(TABLE.methods().keySet());
      ctx.completeNow();
    })));
  }

  @Test
  void overHttpValuesAreReadAsTheirTypeAndWebSocketOnlyMethodsAreRefused(Vertx vertx, VertxTestContext ctx) {
    HttpClient http = vertx.createHttpClient();
    Future<JsonObject> badCount = get(http, "/api/v2/public/get_last_trades_by_instrument?instrument_name=" + BTC + "&count=abc");
    Future<JsonObject> goodCount = get(http, "/api/v2/public/get_last_trades_by_instrument?instrument_name=" + BTC + "&count=2&sorting=asc");
    Future<JsonObject> wsOnly = get(http, "/api/v2/public/set_heartbeat?interval=30");
    Future.all(badCount, goodCount, wsOnly).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      assertThat(badCount.result().getJsonObject("error").getJsonObject("data").getString("param")).isEqualTo("count");
      assertThat(goodCount.result().containsKey("result")).as(goodCount.result().encode()).isTrue();
      assertThat(wsOnly.result().getJsonObject("error").getInteger("code")).isEqualTo(10030);
      ctx.completeNow();
    })));
  }

  private Future<JsonObject> get(HttpClient http, String uri) {
    return http.request(HttpMethod.GET, exchange.port(), "127.0.0.1", uri)
      .compose(req -> req.send().compose(resp -> resp.body()))
      .map(Buffer::toJsonObject);
  }

  /** Sends every probe in turn and checks each is refused with -32602 naming its parameter. */
  private void runRefusals(List<Probe> probes, VertxTestContext ctx) {
    Future<Void> chain = Future.succeededFuture();
    for (Probe probe : probes) {
      chain = chain.compose(v -> client.call(probe.method(), probe.params()).map(reply -> {
        ctx.verify(() -> {
          String context = probe.what() + " " + probe.method() + " " + probe.params().encode() + " -> " + reply.encode();
          JsonObject error = reply.getJsonObject("error");
          assertThat(error).as(context).isNotNull();
          assertThat(error.getInteger("code")).as(context).isEqualTo(-32602);
          assertThat(error.getJsonObject("data").getString("param")).as(context).isEqualTo(probe.param());
          assertThat(error.getJsonObject("data").getString("reason")).as(context).isNotBlank();
        });
        return null;
      }));
    }
    chain.onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }

  /** Places a resting limit buy far below the market: the open order the examples refer to. */
  private Future<Map<String, String>> restingOrder() {
    String label = "conf-" + labels.incrementAndGet();
    return client.rpc("private/buy", new JsonObject().put("instrument_name", BTC).put("amount", 10).put("type", "limit")
      .put("price", 100).put("label", label).put("post_only", false)).map(r -> Map.of(
        "$open_order_id", ((JsonObject) r).getJsonObject("order").getString("order_id"),
        "$order_id", ((JsonObject) r).getJsonObject("order").getString("order_id"),
        "$open_label", label,
        "$label", label));
  }

  /** @return the table's example of {@code method} with its placeholders filled in */
  private JsonObject example(String method, Map<String, String> open) {
    String text = TABLE.json().getJsonObject("methods").getJsonObject(method).getJsonObject("example").encode()
      .replace("$instrument", BTC)
      .replace("$currency", "BTC")
      .replace("$client_id", SimulatedExchangeOptions.DEFAULT_CLIENT_ID)
      .replace("$client_secret", SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET);
    for (Map.Entry<String, String> e : open.entrySet()) {
      text = text.replace(e.getKey(), e.getValue());
    }
    // Negative probes need no live order: any id will do, the parameters are refused first.
    text = text.replace("$open_order_id", "BTC-1").replace("$order_id", "BTC-1").replace("$open_label", "none")
      .replace("$label", "none");
    return new JsonObject(text);
  }

  private static void checkShape(String method, Object result) {
    JsonObject spec = TABLE.json().getJsonObject("methods").getJsonObject(method).getJsonObject("result");
    switch (spec.getString("type")) {
      case "object" -> {
        assertThat(result).as(method).isInstanceOf(JsonObject.class);
        checkObject(method, spec.getString("object"), (JsonObject) result);
      }
      case "array" -> {
        assertThat(result).as(method).isInstanceOf(JsonArray.class);
        for (Object item : (JsonArray) result) {
          if ("string".equals(spec.getString("items"))) {
            assertThat(item).as(method).isInstanceOf(String.class);
          } else {
            checkObject(method, spec.getString("items"), (JsonObject) item);
          }
        }
      }
      case "string" -> assertThat(result).as(method).isInstanceOf(String.class);
      case "integer" -> assertThat(result).as(method).isInstanceOfAny(Integer.class, Long.class);
      default -> throw new AssertionError("unknown result type in the table: " + spec.encode());
    }
  }

  private static void checkObject(String context, String objectName, JsonObject value) {
    JsonObject def = TABLE.json().getJsonObject("objects").getJsonObject(objectName);
    assertThat(def).as("object " + objectName + " is defined in the table").isNotNull();
    String where = context + " " + objectName + " " + value.encode();
    assertThat(value.fieldNames()).as("undocumented fields in " + where).isSubsetOf(def.getJsonArray("fields").getList());
    assertThat(value.fieldNames()).as("missing required fields in " + where).containsAll(def.getJsonArray("required").getList());
    JsonObject nested = def.getJsonObject("nested", new JsonObject());
    for (String field : nested.fieldNames()) {
      Object inner = value.getValue(field);
      if (inner instanceof JsonArray array) {
        array.forEach(item -> checkObject(context + "." + field, nested.getString(field), (JsonObject) item));
      } else if (inner instanceof JsonObject object) {
        checkObject(context + "." + field, nested.getString(field), object);
      }
    }
  }
}
