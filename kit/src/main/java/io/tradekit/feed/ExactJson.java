package io.tradekit.feed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;

/**
 * Decodes JSON text into Vert.x {@link JsonObject}/{@link JsonArray} keeping numbers exact:
 * integers as {@code Long} (or {@code BigInteger} when larger), fractions as {@code BigDecimal}.
 * Vert.x's own decoder turns {@code 97012.5} into a {@code Double}, which is not acceptable for
 * prices and amounts that are stored. Pure function, any thread.
 */
public final class ExactJson {

  private static final JsonFactory FACTORY = new JsonFactory();

  private ExactJson() {
  }

  /** @throws IllegalArgumentException when the text is not one JSON value */
  public static Object decode(String text) {
    try (JsonParser parser = FACTORY.createParser(text)) {
      return decode(parser);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + String.valueOf(e.getMessage()).split("\n", 2)[0]);
    }
  }

  /**
   * Decodes UTF-8 JSON text from {@code bytes[offset, offset + length)} (a WebSocket frame's
   * payload) without making a String of it first.
   *
   * @throws IllegalArgumentException when the bytes are not one JSON value
   */
  public static Object decode(byte[] bytes, int offset, int length) {
    try (JsonParser parser = FACTORY.createParser(bytes, offset, length)) {
      return decode(parser);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + String.valueOf(e.getMessage()).split("\n", 2)[0]);
    }
  }

  private static Object decode(JsonParser parser) throws IOException {
    JsonToken first = parser.nextToken();
    if (first == null) {
      throw new IllegalArgumentException("empty frame");
    }
    Object value = read(parser, first);
    if (parser.nextToken() != null) {
      throw new IllegalArgumentException("trailing content after the JSON value");
    }
    return value;
  }

  private static Object read(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT: {
        JsonObject object = new JsonObject();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
          String name = p.currentName();
          object.put(name, read(p, p.nextToken()));
        }
        return object;
      }
      case START_ARRAY: {
        JsonArray array = new JsonArray();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          array.add(read(p, t));
        }
        return array;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDecimalValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected token " + token);
    }
  }
}
