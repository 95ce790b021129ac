package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated exchange's method table: every method it serves with its parameters (name, type,
 * required, enum, bounds), its access (public/private), whether it is WebSocket-only, and the
 * documented shape of its result, read from {@code deribit-methods.json} beside this class. That
 * file is derived from Deribit's own specification ({@code shared/protocol/deribit-methods.md}), so
 * the simulator accepts what Deribit accepts and refuses what it refuses, before any handler runs.
 *
 * <p>{@link #validate} answers like Deribit: {@code -32601} for an unknown method, {@code -32602}
 * with {@code data.param} and {@code data.reason} for a missing required parameter, a wrong type, a
 * value outside its enum or bounds, or a string over its length. Parameters the table does not list
 * are ignored, as Deribit ignores them. Over HTTP every value arrives as text and is read as its
 * declared type ({@code "true"} for a boolean, {@code "5"} for an integer).
 *
 * <p>Immutable after {@link #load()}; {@link #load()} reads a classpath resource (blocking: call it
 * off the event loop, once per exchange). {@link #validate} is cheap and runs on the exchange's
 * context for every request.
 */
final class MethodTable {

  static final String RESOURCE = "deribit-methods.json";

  /** One parameter of a method. */
  record Param(String name, String type, boolean required, List<String> allowed, Long min, Long max, Integer maxLength) {
  }

  /** One method: its access, transport restriction and parameters. */
  record Method(String name, boolean privateAccess, boolean wsOnly, List<Param> params) {
  }

  private final JsonObject json;
  private final Map<String, Method> methods;

  private MethodTable(JsonObject json) {
    this.json = json;
    JsonObject enums = json.getJsonObject("enums");
    JsonObject sets = json.getJsonObject("parameterSets", new JsonObject());
    Map<String, Method> byName = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json.getJsonObject("methods")) {
      JsonObject m = (JsonObject) e.getValue();
      Object declared = m.getValue("params");
      JsonArray params = declared instanceof String ? sets.getJsonArray((String) declared) : (JsonArray) declared;
      if (params == null) {
        throw new IllegalStateException(RESOURCE + ": methods." + e.getKey() + ".params: unknown parameter set " + declared);
      }
      List<Param> list = new ArrayList<>();
      for (Object p : params) {
        list.add(param(e.getKey(), (JsonObject) p, enums));
      }
      byName.put(e.getKey(), new Method(e.getKey(), "private".equals(m.getString("access")), m.getBoolean("wsOnly", false),
        List.copyOf(list)));
    }
    this.methods = Collections.unmodifiableMap(byName);
  }

  private static Param param(String method, JsonObject p, JsonObject enums) {
    Object e = p.getValue("enum");
    List<String> allowed = null;
    if (e instanceof String) {
      JsonArray values = enums.getJsonArray((String) e);
      if (values == null) {
        throw new IllegalStateException(RESOURCE + ": methods." + method + ": unknown enum " + e);
      }
      allowed = stringList(values);
    } else if (e instanceof JsonArray) {
      allowed = stringList((JsonArray) e);
    }
    return new Param(p.getString("name"), p.getString("type"), p.getBoolean("required", false), allowed,
      p.getLong("min"), p.getLong("max"), p.getInteger("maxLength"));
  }

  private static List<String> stringList(JsonArray values) {
    List<String> list = new ArrayList<>();
    values.forEach(v -> list.add(String.valueOf(v)));
    return List.copyOf(list);
  }

  /** Reads the table from the classpath (blocking I/O: not on an event loop). */
  static MethodTable load() {
    try (InputStream in = MethodTable.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the simulated exchange's method table " + RESOURCE + " is missing from the classpath");
      }
      return new MethodTable(new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + RESOURCE, e);
    }
  }

  /** @return the table as written (for the conformance test and documentation) */
  JsonObject json() {
    return json.copy();
  }

  /** @return the served method {@code name}, or null */
  Method method(String name) {
    return methods.get(name);
  }

  Map<String, Method> methods() {
    return methods;
  }

  /**
   * Checks {@code params} of {@code method} against the table.
   *
   * @param textValues whether the values arrived as text (HTTP query): each is read as its declared type
   * @return the parameters with the declared ones in their declared types (unlisted ones as given)
   * @throws RpcException -32601 for an unknown method, -32602 naming the first bad parameter
   */
  JsonObject validate(String method, JsonObject params, boolean textValues) {
    Method m = methods.get(method);
    if (m == null) {
      throw RpcException.methodNotFound(method);
    }
    JsonObject checked = params.copy();
    for (Param p : m.params()) {
      Object value = params.getValue(p.name());
      if (value == null) {
        if (p.required()) {
          throw RpcException.invalidParams(p.name(), "required parameter missing");
        }
        continue;
      }
      checked.put(p.name(), typed(p, value, textValues));
    }
    return checked;
  }

  private static Object typed(Param p, Object value, boolean text) {
    switch (p.type()) {
      case "string": {
        if (!(value instanceof String)) {
          throw wrongType(p, value, "a string");
        }
        String s = (String) value;
        if (p.allowed() != null && !p.allowed().contains(s)) {
          throw RpcException.invalidParams(p.name(), "expected one of " + String.join("|", p.allowed()) + ", got " + s);
        }
        if (p.maxLength() != null && s.length() > p.maxLength()) {
          throw RpcException.invalidParams(p.name(), "at most " + p.maxLength() + " characters, got " + s.length());
        }
        return s;
      }
      case "integer": {
        long v = integer(p, value, text);
        if ((p.min() != null && v < p.min()) || (p.max() != null && v > p.max())) {
          throw RpcException.invalidParams(p.name(), "expected a whole number in [" + p.min() + ", " + p.max() + "], got " + v);
        }
        return v;
      }
      case "number": {
        if (value instanceof Number) {
          return value;
        }
        if (text && value instanceof String) {
          try {
            return new BigDecimal((String) value);
          } catch (NumberFormatException e) {
            // fall through to the error
          }
        }
        throw wrongType(p, value, "a number");
      }
      case "boolean": {
        if (value instanceof Boolean) {
          return value;
        }
        if (text && ("true".equals(value) || "false".equals(value))) {
          return Boolean.valueOf((String) value);
        }
        throw wrongType(p, value, "true or false");
      }
      case "array<string>": {
        if (!(value instanceof JsonArray)) {
          throw wrongType(p, value, "an array of strings");
        }
        for (Object item : (JsonArray) value) {
          if (!(item instanceof String)) {
            throw wrongType(p, item, "an array of strings");
          }
        }
        return value;
      }
      case "array<object>": {
        if (!(value instanceof JsonArray)) {
          throw wrongType(p, value, "an array of objects");
        }
        for (Object item : (JsonArray) value) {
          if (!(item instanceof JsonObject)) {
            throw wrongType(p, item, "an array of objects");
          }
        }
        return value;
      }
      default:
        throw new IllegalStateException(RESOURCE + ": parameter " + p.name() + " has unknown type " + p.type());
    }
  }

  private static long integer(Param p, Object value, boolean text) {
    if (value instanceof Number n && !(value instanceof Double || value instanceof Float || value instanceof BigDecimal)) {
      return n.longValue();
    }
    if (value instanceof Number n && n.doubleValue() % 1 == 0 && Math.abs(n.doubleValue()) < 0x1p53) {
      return n.longValue();
    }
    if (text && value instanceof String) {
      try {
        return Long.parseLong((String) value);
      } catch (NumberFormatException e) {
        // fall through to the error
      }
    }
    throw wrongType(p, value, "a whole number");
  }

  private static RpcException wrongType(Param p, Object value, String expected) {
    String shown = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    if (shown.length() > 64) {
      shown = shown.substring(0, 64) + "...";
    }
    return RpcException.invalidParams(p.name(), "expected " + expected + ", got " + shown);
  }
}
