package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * Builds the simulated exchange's JSON-RPC replies the way Deribit does: {@code jsonrpc}, {@code id},
 * {@code result} or {@code error}, the server timestamps {@code usIn}/{@code usOut}/{@code usDiff}
 * (microseconds) and {@code testnet}. Pure static functions; any thread.
 */
final class JsonRpc {

  private JsonRpc() {
  }

  /** @return the wall clock in microseconds, as in {@code usIn}/{@code usOut} */
  static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  /** @return a success reply to request {@code id} (null over HTTP) received at {@code usIn} */
  static JsonObject result(Object id, Object result, long usIn) {
    return stamped(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result), usIn);
  }

  /** @return an error reply to request {@code id} (null when the request had no readable id) */
  static JsonObject error(Object id, RpcException error, long usIn) {
    return stamped(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error", error.toJson()), usIn);
  }

  private static JsonObject stamped(JsonObject reply, long usIn) {
    long usOut = micros();
    return reply.put("usIn", usIn).put("usOut", usOut).put("usDiff", usOut - usIn).put("testnet", false);
  }
}
