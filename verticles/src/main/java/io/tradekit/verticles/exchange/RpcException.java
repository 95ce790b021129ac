package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

/**
 * A JSON-RPC error the simulated exchange answers with: code, message and a {@code data} object
 * naming what was wrong ({@code reason}, and {@code param} for bad parameters).
 *
 * <p>Thrown by the request handlers of {@link PublicApi} and turned into an error frame or an HTTP
 * error body by the caller. Unchecked, no stack trace (it is an answer, not a bug).
 */
final class RpcException extends RuntimeException {

  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int TOO_MANY_REQUESTS = 10028;

  private final int code;
  private final JsonObject data;

  RpcException(int code, String message, JsonObject data) {
    super(message, null, false, false);
    this.code = code;
    this.data = data;
  }

  static RpcException invalidParams(String param, String reason) {
    return new RpcException(INVALID_PARAMS, "Invalid params", new JsonObject().put("reason", reason).put("param", param));
  }

  static RpcException methodNotFound(String method) {
    return new RpcException(METHOD_NOT_FOUND, "Method not found",
      new JsonObject().put("reason", "unknown method \"" + method + "\"").put("method", method));
  }

  static RpcException invalidRequest(String reason) {
    return new RpcException(INVALID_REQUEST, "Invalid Request", new JsonObject().put("reason", reason));
  }

  int code() {
    return code;
  }

  /** @return the JSON-RPC {@code error} member */
  JsonObject toJson() {
    JsonObject error = new JsonObject().put("code", code).put("message", getMessage());
    if (data != null) {
      error.put("data", data);
    }
    return error;
  }
}
