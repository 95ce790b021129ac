package io.tradekit.verticles.exchange;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The plain-HTTP side of the simulated exchange, on the same server as the WebSocket:
 * <ul>
 *   <li>{@code GET /api/v2/public/<method>?params} and {@code GET /api/v2/private/<method>?params}
 *   (Deribit's HTTP equivalents; {@code POST} to the same paths, or to {@code /api/v2/}, with a
 *   JSON-RPC body {@code {"jsonrpc":"2.0","id":..,"method":..,"params":{..}}} works too and echoes
 *   the {@code id}). Replies are JSON-RPC shaped; an error is HTTP 400 (404 for an unknown method)
 *   with {@code error.code}, {@code message} and {@code data.reason}. The http_429 / http_10028
 *   faults answer any of them with a rate-limit error instead.</li>
 *   <li>{@code public/auth} (all grants) answers over HTTP too. A private method needs
 *   {@code Authorization: Bearer <access_token>} or {@code Authorization: deri-hmac-sha256
 *   id=<ClientId>,ts=<ms>,sig=<hex>,nonce=<Nonce>}, signed over
 *   {@code ts\nnonce\nMETHOD\nURI\nBODY\n} (URI = path and query as sent), checked by
 *   {@link Accounts#verifySignature}: 13009 without usable authorization, 13004 for a bad signature.
 *   Methods that need a connection (subscriptions, heartbeats, cancel-on-disconnect with scope
 *   connection) are refused with 10030.</li>
 *   <li>Order faults over HTTP: a lost reply is never sent (the request waits until the client
 *   gives up, like a reply lost in the network); a delayed reply is sent late; order_disconnect
 *   cuts the TCP connection; order_too_many_requests answers 10028 and closes the connection.</li>
 *   <li>{@code POST|GET|DELETE /admin/faults}, {@code GET /admin/stats}, and the exchange's own
 *   records of the private API for tests ({@code GET /admin/private/orders|fills|positions},
 *   optionally {@code ?account=<clientId>}: every order kept with its label, state and filled
 *   amount, every own fill, every position, each with its {@code account}).</li>
 * </ul>
 *
 * <p>Called by {@link SimulatedExchange} for every non-WebSocket request, on the exchange's
 * event-loop context. Bad input gets a 4xx with a JSON body naming what was wrong; secrets,
 * tokens and signatures are never logged or echoed.
 */
final class ExchangeHttpApi {

  private static final String PUBLIC_PREFIX = "/api/v2/public/";
  private static final String PRIVATE_PREFIX = "/api/v2/private/";
  private static final String HMAC_SCHEME = "deri-hmac-sha256";
  /** Public methods that need a WebSocket connection: Deribit answers them over HTTP with 10030. */
  /**
   * One HTTP request as the transport of a private call: the reply ends the response; a lost
   * reply leaves it open; drop cuts the TCP connection through the relay.
   */
  private final class HttpTransport extends RpcTransport {
    private final HttpServerRequest request;
    /** Whether the reply carries the request's JSON-RPC id (POST with a body); GET replies have none. */
    private final boolean withId;

    HttpTransport(HttpServerRequest request, boolean withId) {
      super("h" + (++requestCounter));
      this.request = request;
      this.withId = withId;
    }

    @Override
    void reply(Object requestId, Object result, long usIn) {
      if (request.response().ended() || request.response().closed()) {
        return;
      }
      JsonObject reply = JsonRpc.result(requestId, result, usIn);
      if (!withId) {
        reply.remove("id");
      }
      json(request, 200, reply);
    }

    void error(Object requestId, RpcException e, long usIn) {
      if (request.response().ended() || request.response().closed()) {
        return;
      }
      exchange.stats().errorsSent.incrementAndGet();
      JsonObject reply = JsonRpc.error(requestId, e, usIn);
      if (!withId) {
        reply.remove("id");
      }
      json(request, e.code() == RpcException.METHOD_NOT_FOUND ? 404 : 400, reply);
    }

    @Override
    void rateLimitClose(Object requestId, long usIn, String reason) {
      error(requestId, new RpcException(RpcException.TOO_MANY_REQUESTS, "too_many_requests",
        new JsonObject().put("reason", reason)), usIn);
      // Deribit ends the session on 10028; over HTTP the session is the connection.
      request.connection().close();
    }

    @Override
    void drop() {
      exchange.relay().drop(request.remoteAddress());
    }
  }

  private final SimulatedExchange exchange;
  private long requestCounter;

  ExchangeHttpApi(SimulatedExchange exchange) {
    this.exchange = exchange;
  }

  void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.startsWith(PUBLIC_PREFIX) || path.startsWith(PRIVATE_PREFIX) || "/api/v2".equals(path) || "/api/v2/".equals(path)) {
      if (request.method() != HttpMethod.GET && request.method() != HttpMethod.POST) {
        error(request, 405, "method: use GET or POST for " + path);
        return;
      }
      long usIn = JsonRpc.micros();
      request.body().onSuccess(body -> api(request, path, body.toString(), usIn))
        .onFailure(e -> error(request, 400, "body: could not be read: " + e.getMessage()));
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

  /** A JSON-RPC method over HTTP: method and params from the path and query, or from a JSON-RPC body. */
  private void api(HttpServerRequest request, String path, String body, long usIn) {
    String pathMethod = path.startsWith(PUBLIC_PREFIX) || path.startsWith(PRIVATE_PREFIX) ? path.substring("/api/v2/".length()) : null;
    boolean rpcBody = request.method() == HttpMethod.POST && !body.isBlank();
    HttpTransport transport = new HttpTransport(request, rpcBody);
    Object id = null;
    try {
      String method = pathMethod;
      JsonObject params = new JsonObject();
      if (rpcBody) {
        JsonObject rpc = rpcRequest(body);
        id = rpc.getValue("id");
        Object bodyMethod = rpc.getValue("method");
        if (bodyMethod != null && !(bodyMethod instanceof String)) {
          throw RpcException.invalidRequest("method: expected a string");
        }
        if (method == null) {
          if (bodyMethod == null) {
            throw RpcException.invalidRequest("method: required in the body of POST /api/v2/");
          }
          method = (String) bodyMethod;
        } else if (bodyMethod != null && !method.equals(bodyMethod)) {
          throw RpcException.invalidRequest("method: body says " + bodyMethod + " but the path says " + method);
        }
        Object p = rpc.getValue("params");
        if (p != null && !(p instanceof JsonObject)) {
          throw RpcException.invalidParams("params", "expected an object of named parameters");
        }
        params = p == null ? new JsonObject() : ((JsonObject) p).copy();
      } else if (method == null) {
        throw RpcException.invalidRequest("POST /api/v2/ needs a JSON-RPC body with method and params");
      } else {
        for (Map.Entry<String, String> e : request.params()) {
          params.put(e.getKey(), e.getValue());
        }
      }
      Fault injected = exchange.faults().takeHttpFault();
      if (injected != null) {
        rateLimited(request, injected, usIn);
        return;
      }
      dispatch(transport, request, method, params, id, body, usIn);
    } catch (RpcException e) {
      transport.error(id, e, usIn);
    }
  }

  private void dispatch(HttpTransport transport, HttpServerRequest request, String method, JsonObject params, Object id,
                        String body, long usIn) {
    MethodTable.Method declared = exchange.methods().method(method);
    if (declared != null && declared.wsOnly()) {
      throw PrivateApi.websocketOnly(method, "needs a WebSocket connection");
    }
    // Query values are text, read as their declared types; a JSON-RPC body keeps its JSON types.
    params = exchange.methods().validate(method, params, body.isBlank() || request.method() != HttpMethod.POST);
    if ("public/auth".equals(method)) {
      transport.reply(id, exchange.privateApi().authOverHttp(params), usIn);
    } else if (method.startsWith("private/")) {
      String account = authenticate(request, params, body);
      exchange.privateApi().callOverHttp(transport, account, id, method, params, usIn);
    } else {
      transport.reply(id, exchange.api().call(method, params), usIn);
    }
  }

  private static JsonObject rpcRequest(String body) {
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new RpcException(RpcException.PARSE_ERROR, "Parse error",
        new JsonObject().put("reason", "body is not valid JSON: " + e.getMessage()));
    }
    if (!(parsed instanceof JsonObject)) {
      throw RpcException.invalidRequest("body: expected a JSON-RPC object, batch requests are not supported");
    }
    return (JsonObject) parsed;
  }

  /**
   * @return the account the request is authorized as: a bearer token (header, or an
   *     {@code access_token} parameter, which is then removed from {@code params}) or a
   *     deri-hmac-sha256 signature
   * @throws RpcException 13009 without usable authorization or with an expired token, 13004 for a bad signature
   */
  private String authenticate(HttpServerRequest request, JsonObject params, String body) {
    String header = request.getHeader("Authorization");
    Object tokenParam = params.remove("access_token");
    if (header == null || header.isBlank()) {
      if (tokenParam instanceof String && !((String) tokenParam).isBlank()) {
        return exchange.privateApi().accountOfBearer((String) tokenParam);
      }
      throw unauthorized("no Authorization header: send \"Bearer <access_token>\" or \"" + HMAC_SCHEME
        + " id=<ClientId>,ts=<ms>,sig=<hex>,nonce=<Nonce>\"");
    }
    String trimmed = header.trim();
    int space = trimmed.indexOf(' ');
    String scheme = space < 0 ? trimmed : trimmed.substring(0, space);
    String credentials = space < 0 ? "" : trimmed.substring(space + 1).trim();
    if ("bearer".equalsIgnoreCase(scheme)) {
      if (credentials.isEmpty()) {
        throw unauthorized("Authorization Bearer without a token");
      }
      return exchange.privateApi().accountOfBearer(credentials);
    }
    if (!HMAC_SCHEME.equalsIgnoreCase(scheme)) {
      // Only the scheme name is echoed, never the credentials after it.
      throw unauthorized("unsupported Authorization scheme \"" + scheme + "\": use Bearer or " + HMAC_SCHEME);
    }
    Map<String, String> fields = new HashMap<>();
    for (String part : credentials.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        fields.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
      }
    }
    for (String required : new String[] {"id", "ts", "sig"}) {
      if (fields.get(required) == null || fields.get(required).isEmpty()) {
        throw unauthorized(HMAC_SCHEME + " authorization lacks " + required + "= (expected id=<ClientId>,ts=<ms>,sig=<hex>,nonce=<Nonce>)");
      }
    }
    long timestampMs;
    try {
      timestampMs = Long.parseLong(fields.get("ts"));
    } catch (NumberFormatException e) {
      throw unauthorized(HMAC_SCHEME + " ts= must be a whole number of milliseconds");
    }
    String nonce = fields.getOrDefault("nonce", "");
    String requestData = request.method().name().toUpperCase(Locale.ROOT) + "\n" + request.uri() + "\n" + body + "\n";
    return exchange.privateApi().accountOfSignature(fields.get("id"), timestampMs, nonce,
      timestampMs + "\n" + nonce + "\n" + requestData, fields.get("sig"));
  }

  private static RpcException unauthorized(String reason) {
    return new RpcException(Accounts.UNAUTHORIZED, "unauthorized", new JsonObject().put("reason", reason));
  }

  private void rateLimited(HttpServerRequest request, Fault injected, long usIn) {
    exchange.stats().errorsSent.incrementAndGet();
    if (injected.type() == Fault.Type.HTTP_429) {
      request.response().putHeader("Retry-After", Long.toString(injected.retryAfterSeconds()));
      error(request, 429, "too many requests (simulated), retry after " + injected.retryAfterSeconds() + " s");
    } else {
      // Deribit's credit limit: a 400 whose body alone says "retry later".
      json(request, 400, JsonRpc.error(null, new RpcException(RpcException.TOO_MANY_REQUESTS, "too_many_requests",
        new JsonObject().put("reason", "request credits exhausted (simulated)")), usIn));
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
