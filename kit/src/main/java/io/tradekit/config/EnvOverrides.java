package io.tradekit.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies environment overrides to a config: {@code TRADEKIT__A__B=v} sets {@code a.b}.
 *
 * <p>Rules: segments are separated by a double underscore and matched case-insensitively against
 * existing keys ({@code TRADEKIT__STARTUP__RESOURCEWAITMS} sets {@code startup.resourceWaitMs});
 * a segment with no existing key is created in lower case (to set an absent camelCase key, put it
 * in the file). Array elements are addressed by index or by their {@code name} field
 * ({@code TRADEKIT__SERVICES__JANITOR__ENABLED=true}). A value replacing an existing boolean,
 * number or string is converted to that type; otherwise {@code true}/{@code false}, numbers and
 * JSON objects/arrays are recognised and anything else is a string; a new secret key (per
 * {@link SecretKeys}) always gets the literal string. Variables apply in sorted
 * order, so the result does not depend on the environment's iteration order.
 *
 * <p>Called by {@link ConfigLoader}; a pure function, any thread.
 */
public final class EnvOverrides {

  /** Prefix of the variables that override config. */
  public static final String PREFIX = "TRADEKIT__";

  private EnvOverrides() {
  }

  /** @return a new config with every {@code TRADEKIT__*} variable of {@code env} applied; the input is not modified */
  public static JsonObject apply(JsonObject config, Map<String, String> env) {
    JsonObject result = config.copy();
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      if (e.getKey().startsWith(PREFIX)) {
        applyOne(result, e.getKey(), e.getValue());
      }
    }
    return result;
  }

  private static void applyOne(JsonObject root, String variable, String value) {
    String[] segments = variable.substring(PREFIX.length()).split("__", -1);
    for (String segment : segments) {
      if (segment.isEmpty()) {
        throw new ConfigException("environment", "variable " + variable
          + " has an empty path segment; expected TRADEKIT__SEGMENT__SEGMENT=value");
      }
    }
    Object container = root;
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < segments.length; i++) {
      boolean last = i == segments.length - 1;
      String segment = segments[i];
      if (container instanceof JsonObject object) {
        String key = matchKey(object, segment);
        appendKey(path, key);
        if (last) {
          object.put(key, convert(object.getValue(key), value, path.toString(), variable, key));
        } else {
          Object next = object.getValue(key);
          if (next == null) {
            next = new JsonObject();
            object.put(key, next);
          } else if (!(next instanceof JsonObject) && !(next instanceof JsonArray)) {
            throw new ConfigException(path.toString(), "environment variable " + variable
              + " addresses a key below it, but it is not an object or array");
          }
          container = next;
        }
      } else {
        JsonArray array = (JsonArray) container;
        int index = matchIndex(array, segment, path.toString(), variable);
        path.append('[').append(index).append(']');
        if (last) {
          array.set(index, convert(array.getValue(index), value, path.toString(), variable, segment));
        } else {
          Object next = array.getValue(index);
          if (!(next instanceof JsonObject) && !(next instanceof JsonArray)) {
            throw new ConfigException(path.toString(), "environment variable " + variable
              + " addresses a key below it, but it is not an object or array");
          }
          container = next;
        }
      }
    }
  }

  private static void appendKey(StringBuilder path, String key) {
    if (path.length() > 0) {
      path.append('.');
    }
    path.append(key);
  }

  private static String matchKey(JsonObject object, String segment) {
    for (String key : object.fieldNames()) {
      if (key.equalsIgnoreCase(segment)) {
        return key;
      }
    }
    return segment.toLowerCase(Locale.ROOT);
  }

  private static int matchIndex(JsonArray array, String segment, String path, String variable) {
    if (segment.chars().allMatch(Character::isDigit)) {
      int index = Integer.parseInt(segment);
      if (index >= array.size()) {
        throw new ConfigException(path, "environment variable " + variable + " addresses element " + index
          + " but the array has " + array.size() + " element(s)");
      }
      return index;
    }
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      if (item instanceof JsonObject object && segment.equalsIgnoreCase(object.getString("name", ""))) {
        return i;
      }
    }
    throw new ConfigException(path, "environment variable " + variable + " addresses element \"" + segment
      + "\" but no element has that index or name");
  }

  private static Object convert(Object existing, String value, String path, String variable, String key) {
    String shown = SecretKeys.isSecret(key) ? SecretKeys.REDACTED : "\"" + value + "\"";
    if (existing instanceof Boolean) {
      if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(value.toLowerCase(Locale.ROOT));
      }
      throw new ConfigException(path, "expected true or false from environment variable " + variable + ", got " + shown);
    }
    if (existing instanceof Number) {
      try {
        BigDecimal number = new BigDecimal(value.trim());
        boolean integral = existing instanceof Integer || existing instanceof Long;
        if (integral) {
          return number.longValueExact();
        }
        return number.doubleValue();
      } catch (NumberFormatException | ArithmeticException e) {
        boolean integral = existing instanceof Integer || existing instanceof Long;
        throw new ConfigException(path, "expected " + (integral ? "an integer" : "a number")
          + " from environment variable " + variable + ", got " + shown);
      }
    }
    if (existing instanceof String || (existing == null && SecretKeys.isSecret(key))) {
      // A new secret stays the literal text: a password "0123" guessed as a number would be
      // silently dropped by clients that read password properties as strings.
      return value;
    }
    return guess(value);
  }

  private static Object guess(String value) {
    String v = value.trim();
    if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(v.toLowerCase(Locale.ROOT));
    }
    if (v.matches("-?\\d{1,18}")) {
      return Long.parseLong(v);
    }
    if (v.matches("-?\\d+\\.\\d+")) {
      return Double.parseDouble(v);
    }
    try {
      if (v.startsWith("{")) {
        return new JsonObject(v);
      }
      if (v.startsWith("[")) {
        return new JsonArray(v);
      }
    } catch (DecodeException e) {
      return value;
    }
    return value;
  }
}
