package io.tradekit.verticles.exchange;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * The plain-HTTP side of the simulated exchange, on the same server as the WebSocket:
 * {@code GET /api/v2/public/<method>?params} (Deribit's HTTP equivalents of the public methods;
 * the http_429 / http_10028 faults answer them with a rate-limit error instead),
 * {@code POST|GET|DELETE /admin/faults}, {@code GET /admin/stats}, and the exchange's own records of
 * the private API for tests ({@code GET /admin/private/orders|fills|positions}, optionally
 * {@code ?account=<clientId>}: every order kept with its label, state and filled amount, every own
 * fill, every position, each with its {@code account}).
 *
 * <p>Called by {@link SimulatedExchange} for every non-WebSocket request, on the exchange's
 * event-loop context. Bad input gets a 4xx with a JSON body naming what was wrong.
 */
final class ExchangeHttpApi {

  private static final String PUBLIC_PREFIX = "/api/v2/public/";

  private final SimulatedExchange exchange;

  ExchangeHttpApi(SimulatedExchange exchange) {
    this.exchange = exchange;
  }

  void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.startsWith(PUBLIC_PREFIX)) {
      if (request.method() != HttpMethod.GET) {
        error(request, 405, "method: use GET for " + path);
        return;
      }
      publicMethod(request, "public/" + path.substring(PUBLIC_PREFIX.length()));
    } else if ("/admin/faults".equals(path)) {
      faults(request);
    } else if (path.startsWith("/admin/private/")) {
      if (request.method() != HttpMethod.GET) {
        error(request, 405, "method: use GET for " + path);
        return;
      }
      privateRecords(request, path.substring("/admin/private/".length()));
    } else if ("/admin/stats".equals(path)) {
      if (request.method() != HttpMethod.GET) {
        error(request, 405, "method: use GET for /admin/stats");
        return;
      }
      json(request, 200, exchange.stats().toJson());
    } else {
      error(request, 404, "path: no route for " + request.method() + " " + path);
    }
  }

  private void publicMethod(HttpServerRequest request, String method) {
    long usIn = JsonRpc.micros();
    Fault injected = exchange.faults().takeHttpFault();
    if (injected != null) {
      exchange.stats().errorsSent.incrementAndGet();
      if (injected.type() == Fault.Type.HTTP_429) {
        request.response().putHeader("Retry-After", Long.toString(injected.retryAfterSeconds()));
        error(request, 429, "too many requests (simulated), retry after " + injected.retryAfterSeconds() + " s");
      } else {
        // Deribit's credit limit: a 400 whose body alone says "retry later".
        json(request, 400, JsonRpc.error(null, new RpcException(RpcException.TOO_MANY_REQUESTS, "too_many_requests",
          new JsonObject().put("reason", "request credits exhausted (simulated)")), usIn));
      }
      return;
    }
    JsonObject params = new JsonObject();
    MultiMap query = request.params();
    for (Map.Entry<String, String> e : query) {
      params.put(e.getKey(), e.getValue());
    }
    try {
      MethodTable.Method declared = exchange.methods().method(method);
      if (declared != null && declared.wsOnly()) {
        throw new RpcException(RpcException.METHOD_NOT_FOUND, "Method not found", new JsonObject()
          .put("reason", method + " is available over WebSocket only").put("method", method));
      }
      params = exchange.methods().validate(method, params, true);
      Object result = exchange.api().call(method, params);
      JsonObject reply = JsonRpc.result(null, result, usIn);
      reply.remove("id");
      json(request, 200, reply);
    } catch (RpcException e) {
      exchange.stats().errorsSent.incrementAndGet();
      json(request, e.code() == RpcException.METHOD_NOT_FOUND ? 404 : 400,
        JsonRpc.error(null, e, usIn));
    }
  }

  private void privateRecords(HttpServerRequest request, String what) {
    String account = request.getParam("account");
    PrivateLedger ledger = exchange.privateApi().ledger();
    switch (what) {
      case "orders":
        json(request, 200, new JsonObject().put("orders", ledger.ordersJson(account)));
        return;
      case "fills":
        json(request, 200, new JsonObject().put("fills", ledger.fillsJson(account)));
        return;
      case "positions":
        json(request, 200, new JsonObject().put("positions", ledger.positionsJson(account)));
        return;
      default:
        error(request, 404, "path: expected /admin/private/orders, /admin/private/fills or /admin/private/positions");
    }
  }

  private void faults(HttpServerRequest request) {
    HttpMethod method = request.method();
    if (method == HttpMethod.GET) {
      json(request, 200, new JsonObject().put("faults", exchange.faults().toJson()));
    } else if (method == HttpMethod.DELETE) {
      exchange.faults().clear();
      json(request, 200, new JsonObject().put("faults", exchange.faults().toJson()));
    } else if (method == HttpMethod.POST) {
      request.body().onSuccess(body -> {
        Fault fault;
        try {
          Object parsed = body.length() == 0 ? null : io.vertx.core.json.Json.decodeValue(body);
          if (!(parsed instanceof JsonObject)) {
            throw new IllegalArgumentException("body: expected a JSON object like {\"type\":\"stall\",\"durationMs\":1000}");
          }
          fault = Fault.fromJson((JsonObject) parsed);
        } catch (DecodeException e) {
          error(request, 400, "body: not valid JSON: " + e.getMessage());
          return;
        } catch (IllegalArgumentException e) {
          error(request, 400, e.getMessage());
          return;
        }
        exchange.faults().inject(fault);
        json(request, 200, new JsonObject().put("faults", exchange.faults().toJson()));
      }).onFailure(e -> error(request, 400, "body: could not be read: " + e.getMessage()));
    } else {
      error(request, 405, "method: use GET, POST or DELETE for /admin/faults");
    }
  }

  private static void error(HttpServerRequest request, int status, String message) {
    json(request, status, new JsonObject().put("error", message));
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
