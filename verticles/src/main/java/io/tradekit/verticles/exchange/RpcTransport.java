package io.tradekit.verticles.exchange;

/**
 * Where the answer to one private request goes: a WebSocket connection ({@link ExchangeConnection})
 * or one HTTP request ({@link ExchangeHttpApi}). {@link PrivateApi}'s order placement talks only to
 * this, so its faults (reply lost, delayed, connection cut, 10028 closing the session) behave the
 * same on both transports.
 *
 * <p>Used on the exchange's event-loop context only.
 */
abstract class RpcTransport {

  /** Names the transport in order records and logs: {@code c<n>} for a WebSocket, {@code h<n>} for an HTTP request. */
  final String id;

  RpcTransport(String id) {
    this.id = id;
  }

  /** Sends the result of request {@code requestId} (received at {@code usIn}), unless the transport is gone. */
  abstract void reply(Object requestId, Object result, long usIn);

  /** Answers {@code requestId} with 10028 too_many_requests and ends the session (closes the connection). */
  abstract void rateLimitClose(Object requestId, long usIn, String reason);

  /** Cuts the TCP connection without an answer, as a dead network would. */
  abstract void drop();
}
