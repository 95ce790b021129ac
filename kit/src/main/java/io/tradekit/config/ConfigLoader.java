package io.tradekit.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the supervisor config: the JSON file (or an in-memory object) through Vert.x Config, then
 * {@link EnvOverrides environment overrides}, then secret files.
 *
 * <p>Secret files: a key {@code <stem>File} whose stem is a secret per {@link SecretKeys} (e.g.
 * {@code passwordFile}) is replaced by {@code <stem>} holding the file's content without its
 * trailing newline. Contents are never logged or put in error messages; paths may be.
 *
 * <p>Called by the supervisor on its context; all I/O is asynchronous. Every problem fails the
 * future with a one-line {@link ConfigException} naming the key or file.
 */
public final class ConfigLoader {

  private static final Pattern LINE_COLUMN = Pattern.compile("line: (\\d+), column: (\\d+)");

  private ConfigLoader() {
  }

  /** Loads {@code path} with the process environment. */
  public static Future<JsonObject> load(Vertx vertx, String path) {
    return load(vertx, path, System.getenv());
  }

  /** Loads {@code path} with the given environment (tests). */
  public static Future<JsonObject> load(Vertx vertx, String path, Map<String, String> env) {
    return vertx.fileSystem().exists(path)
      .compose(exists -> exists ? read(vertx, fileStore(path), path)
        : Future.failedFuture(new ConfigException("-conf", "config file not found: " + path)))
      .compose(json -> resolve(vertx, json, env));
  }

  /** Runs an in-memory config through the same pipeline, with the process environment. */
  public static Future<JsonObject> load(Vertx vertx, JsonObject inline) {
    return load(vertx, inline, System.getenv());
  }

  /** Runs an in-memory config through the same pipeline, with the given environment (tests). */
  public static Future<JsonObject> load(Vertx vertx, JsonObject inline, Map<String, String> env) {
    ConfigStoreOptions store = new ConfigStoreOptions().setType("json").setConfig(inline == null ? new JsonObject() : inline.copy());
    return read(vertx, store, "inline config").compose(json -> resolve(vertx, json, env));
  }

  /** @return a deep copy safe to log or dump: secret values replaced */
  public static JsonObject redactedForLog(JsonObject config) {
    return SecretKeys.redact(config);
  }

  private static ConfigStoreOptions fileStore(String path) {
    return new ConfigStoreOptions().setType("file").setFormat("json").setConfig(new JsonObject().put("path", path));
  }

  private static Future<JsonObject> read(Vertx vertx, ConfigStoreOptions store, String source) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
      new ConfigRetrieverOptions().addStore(store).setScanPeriod(0).setIncludeDefaultStores(false));
    return retriever.getConfig()
      .recover(err -> Future.failedFuture(new ConfigException(source, "not a valid JSON object: " + parseProblem(err))))
      .onComplete(ar -> retriever.close());
  }

  /** Keeps the parser's line and column but never the source text, which may hold secrets. */
  private static String parseProblem(Throwable err) {
    Throwable cause = err;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = String.valueOf(cause.getMessage());
    Matcher position = LINE_COLUMN.matcher(message);
    String where = position.find() ? " at line " + position.group(1) + ", column " + position.group(2) : "";
    String what = message.split("\n", 2)[0];
    int source = what.indexOf(" at [Source");
    if (source >= 0) {
      what = what.substring(0, source);
    }
    // Parser messages quote the offending input ("Unrecognized token 'hunter2'", "Unexpected
    // character ('p' ...)"): keep only the kind of problem, before any quoted source text.
    for (int i = 0; i < what.length(); i++) {
      char c = what.charAt(i);
      if (c == '\'' || c == '"' || c == '(') {
        what = what.substring(0, i).trim();
        break;
      }
    }
    while (what.endsWith(":")) {
      what = what.substring(0, what.length() - 1).trim();
    }
    if (what.length() > 120) {
      what = what.substring(0, 120) + "...";
    }
    return what.replace("Failed to decode:", "").trim() + where;
  }

  private static Future<JsonObject> resolve(Vertx vertx, JsonObject json, Map<String, String> env) {
    JsonObject overridden;
    try {
      overridden = EnvOverrides.apply(json, env);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    List<SecretFile> files = new ArrayList<>();
    try {
      collect(overridden, "", files);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    Future<Void> chain = Future.succeededFuture();
    for (SecretFile file : files) {
      chain = chain.compose(v -> vertx.fileSystem().readFile(file.file)
        .recover(err -> Future.failedFuture(new ConfigException(file.keyPath,
          "cannot read secret file " + file.file + " (" + err.getClass().getSimpleName() + ")")))
        .map(buffer -> {
          String content = buffer.toString();
          if (content.endsWith("\n")) {
            content = content.substring(0, content.length() - (content.endsWith("\r\n") ? 2 : 1));
          }
          file.owner.remove(file.key);
          file.owner.put(file.stem, content);
          return null;
        }));
    }
    return chain.map(v -> overridden);
  }

  private static void collect(JsonObject object, String path, List<SecretFile> out) {
    for (String key : new ArrayList<>(object.fieldNames())) {
      Object value = object.getValue(key);
      String keyPath = path.isEmpty() ? key : path + "." + key;
      if (value instanceof JsonObject child) {
        collect(child, keyPath, out);
      } else if (value instanceof JsonArray array) {
        for (int i = 0; i < array.size(); i++) {
          if (array.getValue(i) instanceof JsonObject child) {
            collect(child, keyPath + "[" + i + "]", out);
          }
        }
      } else if (key.endsWith("File") && key.length() > 4 && SecretKeys.isSecret(key.substring(0, key.length() - 4))) {
        if (!(value instanceof String)) {
          throw new ConfigException(keyPath, "expected a file path string, got " + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        out.add(new SecretFile(object, key, key.substring(0, key.length() - 4), (String) value, keyPath));
      }
    }
  }

  private record SecretFile(JsonObject owner, String key, String stem, String file, String keyPath) {
  }
}
