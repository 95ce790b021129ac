package io.tradekit.feed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The feed's hot path: decodes a {@code trades.*} subscription notification straight from the
 * frame's UTF-8 bytes with Jackson's streaming parser into a {@link TradeBatch}: no intermediate
 * {@code JsonObject} tree, no {@code String} of the frame, decimals passed through verbatim as
 * text after Jackson's JSON number grammar check (and {@link Trade#isJsonNumber}), integers as
 * {@code long}. Fields of a trade that the kit does not keep ({@code mark_price},
 * {@code tick_direction}, ...) are skipped without being converted.
 *
 * <p>Anything that is not such a notification (replies, heartbeats, other channels, a frame whose
 * {@code params.data} comes before {@code params.channel}) is declined with {@code null} early,
 * and the caller decodes it with the generic {@link ExactJson}; both paths yield the same
 * {@link TradeBatch}. A malformed trade entry is dropped and counted in the batch with a reason
 * naming the entry and the field; a frame that is not JSON fails as a whole.
 *
 * <p>Used by the {@link FeedClient} on its transport's context (one instance per feed: it keeps a
 * scratch array and the instrument names seen, so it is NOT thread-safe). Public so benchmarks can
 * compare it with the generic path ({@code ExactJson.decode} + {@link TradeBatch#fromJson}).
 */
public final class TradeFrameDecoder {

  /** A decoded trades notification: the channel ({@code trades.BTC-PERPETUAL.100ms}) and its trades. */
  public record TradesNotification(String channel, TradeBatch trades) {
  }

  private static final JsonFactory FACTORY = new JsonFactory();
  /** Distinct instrument names kept to share one String per instrument; past this, new Strings are made. */
  private static final int MAX_CACHED_INSTRUMENTS = 256;
  private static final String BUY = "buy";
  private static final String SELL = "sell";

  private final List<String> instruments = new ArrayList<>();
  private String lastInstrument;
  private byte[] scratch = new byte[64 * 1024];
  private int lastBatchSize = 16;

  /**
   * Decodes a frame held in a {@link Buffer} (copied once into a reused array: the public Buffer
   * API exposes no backing array).
   *
   * @see #decode(byte[], int, int)
   */
  public TradesNotification decode(Buffer frame) {
    int length = frame.length();
    if (scratch.length < length) {
      scratch = new byte[Math.max(length, scratch.length * 2)];
    }
    frame.getBytes(0, length, scratch, 0);
    return decode(scratch, 0, length);
  }

  /**
   * @return the trades notification in {@code bytes[offset, offset + length)}, or null when the
   *     frame is something else (decode it with {@link ExactJson})
   * @throws IllegalArgumentException when the frame is not well-formed JSON (the message says where)
   */
  public TradesNotification decode(byte[] bytes, int offset, int length) {
    try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      boolean subscription = false;
      TradesNotification result = null;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "method" -> {
            if (value != JsonToken.VALUE_STRING || !"subscription".equals(p.getText())) {
              return null;
            }
            subscription = true;
          }
          case "params" -> {
            if (!subscription || value != JsonToken.START_OBJECT) {
              return null;
            }
            result = params(p);
            if (result == null) {
              return null;
            }
          }
          case "id", "error", "result" -> {
            return null;
          }
          default -> p.skipChildren();
        }
      }
      if (result != null && p.nextToken() != null) {
        throw new IllegalArgumentException("trailing content after the JSON value");
      }
      return result;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + String.valueOf(e.getMessage()).split("\n", 2)[0]);
    }
  }

  private TradesNotification params(JsonParser p) throws IOException {
    String channel = null;
    TradeBatch batch = null;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("channel")) {
        if (value != JsonToken.VALUE_STRING) {
          return null;
        }
        channel = p.getText();
        if (!channel.startsWith("trades.")) {
          return null;
        }
      } else if (name.equals("data")) {
        if (channel == null || value != JsonToken.START_ARRAY) {
          return null; // unusual order or shape: the generic path decides
        }
        batch = trades(p);
      } else {
        p.skipChildren();
      }
    }
    return channel == null || batch == null ? null : new TradesNotification(channel, batch);
  }

  private TradeBatch trades(JsonParser p) throws IOException {
    List<Trade> trades = new ArrayList<>(lastBatchSize);
    int malformed = 0;
    String firstError = null;
    int index = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), index++) {
      String error;
      if (t != JsonToken.START_OBJECT) {
        error = "expected an object, got " + describe(p, t);
        p.skipChildren();
      } else {
        Object trade = trade(p);
        if (trade instanceof Trade ok) {
          trades.add(ok);
          continue;
        }
        error = (String) trade;
      }
      malformed++;
      firstError = firstError != null ? firstError : TradeBatch.entryError(index, error);
    }
    lastBatchSize = Math.max(16, trades.size());
    return new TradeBatch(trades, malformed, firstError);
  }

  /** @return the trade, or the reason (naming the field) it is malformed; the object is consumed either way */
  private Object trade(JsonParser p) throws IOException {
    String instrument = null;
    String tradeId = null;
    String price = null;
    String amount = null;
    String direction = null;
    long seq = 0;
    long ts = 0;
    boolean hasSeq = false;
    boolean hasTs = false;
    String error = null;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "trade_seq" -> {
          if (isLong(p, v)) {
            seq = p.getLongValue();
            hasSeq = true;
          } else {
            error = error != null ? error : "trade_seq: expected an integer, got " + describe(p, v);
          }
        }
        case "timestamp" -> {
          if (isLong(p, v)) {
            ts = p.getLongValue();
            hasTs = true;
          } else {
            error = error != null ? error : "timestamp: expected an integer, got " + describe(p, v);
          }
        }
        case "price" -> {
          if (v == JsonToken.VALUE_NUMBER_FLOAT || v == JsonToken.VALUE_NUMBER_INT) {
            price = p.getText();
          } else {
            error = error != null ? error : "price: expected a number, got " + describe(p, v);
          }
        }
        case "amount" -> {
          if (v == JsonToken.VALUE_NUMBER_FLOAT || v == JsonToken.VALUE_NUMBER_INT) {
            amount = p.getText();
          } else {
            error = error != null ? error : "amount: expected a number, got " + describe(p, v);
          }
        }
        case "instrument_name" -> {
          if (v == JsonToken.VALUE_STRING) {
            instrument = instrument(p);
          } else {
            error = error != null ? error : "instrument_name: expected a string, got " + describe(p, v);
          }
        }
        case "trade_id" -> {
          // A string on Deribit; an integer id is kept as its text (as the generic path does).
          if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT) {
            tradeId = p.getText();
          } else {
            error = error != null ? error : "trade_id: expected a string, got " + describe(p, v);
          }
        }
        case "direction" -> {
          if (v == JsonToken.VALUE_STRING) {
            direction = direction(p);
          } else {
            error = error != null ? error : "direction: expected a string, got " + describe(p, v);
          }
        }
        default -> {
          // mark_price, index_price, tick_direction, ...: not kept, never converted
        }
      }
      p.skipChildren(); // a no-op for scalars; skips an object or array value of any field
    }
    if (error != null) {
      return error;
    }
    if (!hasSeq) {
      return "trade_seq: missing";
    }
    if (!hasTs) {
      return "timestamp: missing";
    }
    try {
      return new Trade(instrument, tradeId, seq, ts, price, amount, direction);
    } catch (IllegalArgumentException missingOrNotANumber) {
      return missingOrNotANumber.getMessage();
    }
  }

  private static boolean isLong(JsonParser p, JsonToken v) throws IOException {
    return v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
  }

  /** One String per instrument name: trades of a frame (and of every frame) share it. */
  private String instrument(JsonParser p) throws IOException {
    char[] chars = p.getTextCharacters();
    int offset = p.getTextOffset();
    int length = p.getTextLength();
    if (lastInstrument != null && matches(lastInstrument, chars, offset, length)) {
      return lastInstrument;
    }
    for (String known : instruments) {
      if (matches(known, chars, offset, length)) {
        lastInstrument = known;
        return known;
      }
    }
    String name = new String(chars, offset, length);
    if (instruments.size() < MAX_CACHED_INSTRUMENTS) {
      instruments.add(name);
    }
    lastInstrument = name;
    return name;
  }

  private static String direction(JsonParser p) throws IOException {
    char[] chars = p.getTextCharacters();
    int offset = p.getTextOffset();
    int length = p.getTextLength();
    if (matches(BUY, chars, offset, length)) {
      return BUY;
    }
    if (matches(SELL, chars, offset, length)) {
      return SELL;
    }
    return new String(chars, offset, length);
  }

  private static boolean matches(String s, char[] chars, int offset, int length) {
    if (s.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (s.charAt(i) != chars[offset + i]) {
        return false;
      }
    }
    return true;
  }

  private static String describe(JsonParser p, JsonToken v) throws IOException {
    return switch (v) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + Trade.shorten(p.getText());
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      default -> String.valueOf(v);
    };
  }
}
