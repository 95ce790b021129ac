package io.tradekit.feed;

import io.vertx.core.json.JsonObject;

/**
 * An error reply to a JSON-RPC request: the peer answered, so the request was processed (and, for
 * Deribit, refused). Carries the error {@code code} so callers classify it (e.g. 10028 back off,
 * 13009 re-authenticate, 10009 not enough funds) without parsing the message.
 *
 * <p>Created by {@link JsonRpcTransport} when it completes a request; extends
 * {@link IllegalStateException} so code written against the earlier plain exception still works.
 * The message holds the code, the peer's message and, when present, {@code data.reason}; never the
 * request's parameters (they may hold credentials).
 */
public final class JsonRpcErrorException extends IllegalStateException {

  private final long code;
  private final String errorMessage;

  public JsonRpcErrorException(JsonObject error) {
    super(describe(error));
    this.code = error.getValue("code") instanceof Number n ? n.longValue() : 0;
    this.errorMessage = String.valueOf(error.getValue("message"));
  }

  private static String describe(JsonObject error) {
    Object data = error.getValue("data");
    String reason = data instanceof JsonObject d && d.getValue("reason") != null ? " (" + d.getValue("reason") + ")" : "";
    return "error " + error.getValue("code") + ": " + error.getValue("message") + reason;
  }

  /** @return the JSON-RPC error code, 0 when the reply had none */
  public long code() {
    return code;
  }

  /** @return the peer's error message, e.g. {@code not_enough_funds} */
  public String errorMessage() {
    return errorMessage;
  }
}
