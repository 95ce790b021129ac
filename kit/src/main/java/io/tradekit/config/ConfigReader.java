package io.tradekit.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, validating view of one JSON config block, used by every kit Options class.
 *
 * <p>Each accessor either returns a value of the right type or throws a {@link ConfigException}
 * naming the full key path (for example {@code services[2].backoff.maxMs}) and what was expected.
 * Absent keys and JSON {@code null} yield the given default. Stateless apart from the wrapped
 * block; safe to use from any thread.
 */
public final class ConfigReader {

  private final JsonObject json;
  private final String path;

  private ConfigReader(JsonObject json, String path) {
    this.json = json == null ? new JsonObject() : json;
    this.path = path == null ? "" : path;
  }

  /** Reads {@code json}, reporting keys under {@code path} ("" for the root). */
  public static ConfigReader of(JsonObject json, String path) {
    return new ConfigReader(json, path);
  }

  /** @return the full path of {@code key} inside this block */
  public String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** @return the path of this block itself ("" for the root) */
  public String path() {
    return path;
  }

  /** @return the wrapped block (not a copy) */
  public JsonObject json() {
    return json;
  }

  public boolean has(String key) {
    return json.getValue(key) != null;
  }

  public String requiredString(String key) {
    String value = string(key, null);
    if (value == null || value.isBlank()) {
      throw new ConfigException(path(key), "required, expected a non-empty string");
    }
    return value;
  }

  public String string(String key, String defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof String)) {
      throw wrongType(key, "a string", value);
    }
    return (String) value;
  }

  public boolean bool(String key, boolean defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Boolean)) {
      throw wrongType(key, "true or false", value);
    }
    return (Boolean) value;
  }

  /** An integer within {@code [min, max]}. */
  public int intValue(String key, int defaultValue, int min, int max) {
    long value = longValue(key, defaultValue, min, max);
    return (int) value;
  }

  /** A whole number within {@code [min, max]}; fractional or non-numeric values are rejected. */
  public long longValue(String key, long defaultValue, long min, long max) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Number) || value instanceof Double || value instanceof Float) {
      if (!(value instanceof Number) || ((Number) value).doubleValue() % 1 != 0) {
        throw wrongType(key, "a whole number", value);
      }
    }
    long v = ((Number) value).longValue();
    if (v < min || v > max) {
      throw new ConfigException(path(key), "expected a whole number in [" + min + ", " + max + "], got " + v);
    }
    return v;
  }

  /** A duration in milliseconds (the key should end in {@code Ms}); must be {@code >= minMs}. */
  public long millis(String key, long defaultValue, long minMs) {
    return longValue(key, defaultValue, minMs, Long.MAX_VALUE);
  }

  public double doubleValue(String key, double defaultValue, double min, double max) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Number)) {
      throw wrongType(key, "a number", value);
    }
    double v = ((Number) value).doubleValue();
    if (!(v >= min && v <= max)) {
      throw new ConfigException(path(key), "expected a number in [" + min + ", " + max + "], got " + v);
    }
    return v;
  }

  /** An enum written in lower case in config, e.g. {@code "permanent"}. */
  public <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
    String value = string(key, null);
    if (value == null) {
      return defaultValue;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(value)) {
        return constant;
      }
    }
    List<String> names = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      names.add(constant.name().toLowerCase(Locale.ROOT));
    }
    throw new ConfigException(path(key), "expected one of " + String.join("|", names) + ", got \"" + value + "\"");
  }

  /** A list of strings; absent means empty. The result is unmodifiable. */
  public List<String> stringList(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray)) {
      throw wrongType(key, "an array of strings", value);
    }
    JsonArray array = (JsonArray) value;
    List<String> result = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      if (!(item instanceof String)) {
        throw new ConfigException(path(key) + "[" + i + "]", "expected a string, got " + describe(item));
      }
      result.add((String) item);
    }
    return Collections.unmodifiableList(result);
  }

  /** A nested block; absent means an empty block. */
  public ConfigReader object(String key) {
    return new ConfigReader(rawObject(key), path(key));
  }

  /** A nested block as JSON (never null); the returned object is the config's own, not a copy. */
  public JsonObject rawObject(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject)) {
      throw wrongType(key, "an object", value);
    }
    return (JsonObject) value;
  }

  /** An array of objects; absent means empty. Each element comes back as a reader named {@code key[i]}. */
  public List<ConfigReader> objectList(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray)) {
      throw wrongType(key, "an array of objects", value);
    }
    JsonArray array = (JsonArray) value;
    List<ConfigReader> result = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      Object item = array.getValue(i);
      if (!(item instanceof JsonObject)) {
        throw new ConfigException(path(key) + "[" + i + "]", "expected an object, got " + describe(item));
      }
      result.add(new ConfigReader((JsonObject) item, path(key) + "[" + i + "]"));
    }
    return result;
  }

  /**
   * Rejects keys this block does not know, so a typo ({@code stopTimeoutMS}) is an error instead of
   * a silently ignored setting.
   */
  public ConfigReader rejectUnknownKeys(Set<String> known) {
    for (String key : new TreeSet<>(json.fieldNames())) {
      if (!known.contains(key)) {
        throw new ConfigException(path(key), "unknown key, expected one of " + new TreeSet<>(known));
      }
    }
    return this;
  }

  private ConfigException wrongType(String key, String expected, Object value) {
    String got = SecretKeys.isSecret(key) ? "a value of another type (hidden: secret key)" : describe(value);
    return new ConfigException(path(key), "expected " + expected + ", got " + got);
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "string \"" + value + "\"";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    if (value instanceof Boolean) {
      return "boolean " + value;
    }
    return "number " + value;
  }
}
