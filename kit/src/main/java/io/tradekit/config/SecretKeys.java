package io.tradekit.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;

/**
 * Decides which config keys hold secrets, and produces redacted copies of config for logs and dumps.
 *
 * <p>A key is secret when its lower-cased name contains {@code password}, {@code secret},
 * {@code token}, {@code credential} or ends in {@code key} (for example {@code apiKey}). Values of
 * secret keys never appear in logs, error messages or config dumps. Pure functions, any thread.
 */
public final class SecretKeys {

  /** Placeholder written instead of a secret value. */
  public static final String REDACTED = "***";

  private SecretKeys() {
  }

  public static boolean isSecret(String key) {
    if (key == null) {
      return false;
    }
    String k = key.toLowerCase(Locale.ROOT);
    if (k.endsWith("file")) {
      // passwordFile names a path, not the secret itself.
      return false;
    }
    return k.contains("password") || k.contains("secret") || k.contains("token")
      || k.contains("credential") || k.endsWith("key");
  }

  /** @return a deep copy of {@code config} with every secret value replaced by {@link #REDACTED} */
  public static JsonObject redact(JsonObject config) {
    JsonObject copy = new JsonObject();
    for (Map.Entry<String, Object> e : config) {
      copy.put(e.getKey(), isSecret(e.getKey()) && e.getValue() != null ? REDACTED : redactValue(e.getValue()));
    }
    return copy;
  }

  private static Object redactValue(Object value) {
    if (value instanceof JsonObject) {
      return redact((JsonObject) value);
    }
    if (value instanceof JsonArray) {
      JsonArray copy = new JsonArray();
      for (Object item : (JsonArray) value) {
        copy.add(redactValue(item));
      }
      return copy;
    }
    return value;
  }
}
