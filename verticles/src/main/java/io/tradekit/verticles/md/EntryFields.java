package io.tradekit.verticles.md;

import java.util.Map;

/**
 * Reads the flat string fields of a stream entry (trade records, gap entries) with errors that name
 * the field. Pure; any thread.
 */
public final class EntryFields {

  private EntryFields() {
  }

  /** @throws IllegalArgumentException {@code <name>: missing} when absent or empty */
  public static String required(Map<String, String> fields, String name) {
    String value = fields.get(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(name + ": missing");
    }
    return value;
  }

  /** @throws IllegalArgumentException naming the field when it is missing or not a whole number */
  public static long longValue(Map<String, String> fields, String name) {
    String value = required(fields, name);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": expected an integer, got \"" + shown(value) + "\"");
    }
  }

  /** The value for an error message, without NULs (they do not survive logs and text columns). */
  static String shown(String value) {
    return value.replace('\u0000', '?');
  }
}
