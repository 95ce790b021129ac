package io.tradekit.verticles.exchange;

/**
 * The malformed text frames of the {@code garbage} fault, one per kind, so a feed client's parser
 * meets every sort of junk: truncated JSON, a JSON array, a notification without {@code data},
 * and a trade missing its required fields (kind 4, binary junk, is written by the connection).
 *
 * <p>Pure static functions; any thread.
 */
final class Garbage {

  private Garbage() {
  }

  /** @return malformed frame number {@code kind} (0..3) mentioning {@code channel} where it has one */
  static String frame(int kind, String channel) {
    switch (kind) {
      case 0:
        return "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"" + channel + "\",\"da";
      case 1:
        return "[\"not\",\"a\",\"json-rpc\",\"object\"]";
      case 2:
        return "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"" + channel + "\"}}";
      default:
        return "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"" + channel
          + "\",\"data\":[{\"price\":\"garbage\",\"direction\":\"sideways\"}]}}";
    }
  }
}
