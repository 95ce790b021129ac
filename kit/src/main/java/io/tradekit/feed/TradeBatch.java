package io.tradekit.feed;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The decoded {@code data} of a {@code trades.*} notification: the well-formed trades in the order
 * sent, and how many entries were malformed (dropped) with the first one's reason, which names the
 * entry and the field (e.g. {@code data[3].price: expected a JSON number, got a string}).
 *
 * <p>This is {@link FeedMessage#data()} for every trades message, whichever decoder built it: the
 * streaming {@link TradeFrameDecoder} (the hot path) or {@link #fromJson(JsonArray)} (the generic
 * path, e.g. a frame whose fields came in an unusual order). Immutable; any thread.
 *
 * @param trades the well-formed trades (unmodifiable)
 * @param malformed entries dropped because they were not a trade object with every field valid
 * @param firstError the reason of the first dropped entry, or null when none was dropped
 */
public record TradeBatch(List<Trade> trades, int malformed, String firstError) {

  public TradeBatch {
    trades = Collections.unmodifiableList(trades);
  }

  /** @return the number of well-formed trades */
  public int size() {
    return trades.size();
  }

  /** The generic path: converts an exactly-decoded array ({@link ExactJson}) with {@link Trade#fromJson}. */
  public static TradeBatch fromJson(JsonArray data) {
    List<Trade> trades = new ArrayList<>(data.size());
    int malformed = 0;
    String firstError = null;
    for (int i = 0; i < data.size(); i++) {
      try {
        if (!(data.getValue(i) instanceof JsonObject item)) {
          throw new IllegalArgumentException("expected an object");
        }
        trades.add(Trade.fromJson(item));
      } catch (IllegalArgumentException e) {
        malformed++;
        firstError = firstError != null ? firstError : entryError(i, e.getMessage());
      }
    }
    return new TradeBatch(trades, malformed, firstError);
  }

  /** @return {@code data[i].<field>: <reason>} for a field error, {@code data[i]: <reason>} otherwise */
  static String entryError(int index, String message) {
    return "data[" + index + "]" + (message.startsWith("expected") ? ": " : ".") + message;
  }
}
