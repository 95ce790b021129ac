package io.tradekit.resource;

import io.tradekit.config.ConfigException;
import io.tradekit.config.SecretKeys;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.TCPSSLOptions;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Rejects unknown keys in a config block that is handed to a Vert.x data object such as
 * {@code PgConnectOptions}, {@code PoolOptions}, {@code RedisOptions} or {@code WebClientOptions}.
 * Their JSON constructors silently ignore keys they do not know, so {@code connect.pasword} would
 * start a client without a password; here it is a {@link ConfigException} naming the key path.
 *
 * <p>The known keys are derived from the class itself: the candidates are its JavaBean properties
 * and those of its superclasses (public {@code setX}, {@code getX}/{@code isX}) and the keys of
 * {@code new T().toJson()}; a candidate is known when the generated {@code <Class>Converter} of the
 * class or a superclass reads it (probed with a value of no matching type, so nothing is set),
 * plus the few keys a JSON constructor reads by hand. A property with a setter that the JSON
 * constructor ignores (e.g. {@code RedisOptions.connectionString}) is therefore unknown, as it
 * should be: it would be silently dropped. Nested blocks whose
 * property type is itself a data object (a public {@code T(JsonObject)} constructor, e.g.
 * {@code sslOptions}, {@code netClientOptions}, {@code proxyOptions}) are checked the same way.
 * Free-form maps ({@code properties}) are not.
 *
 * <p>Called by the resource factories while the supervisor validates config. Pure and
 * thread-safe (results are cached per class).
 */
public final class OptionKeys {

  private static final Map<Class<?>, Set<String>> KNOWN = new ConcurrentHashMap<>();
  private static final Object PROBE_VALUE = new Object();

  /**
   * Keys read by hand in a JSON constructor rather than by the generated converter (checked with
   * javap on Vert.x 5.0.10): {@code TCPSSLOptions(JsonObject)} reads the key/trust store and SSL
   * engine blocks, {@code ProxyOptions(JsonObject)} its {@code connectTimeout}.
   */
  private static final Map<Class<?>, Set<String>> HAND_READ = Map.of(
    TCPSSLOptions.class, Set.of("pemKeyCertOptions", "keyStoreOptions", "pfxKeyCertOptions", "pemTrustOptions",
      "pfxTrustOptions", "trustStoreOptions", "jdkSslEngineOptions", "openSslEngineOptions"),
    ProxyOptions.class, Set.of("connectTimeout"));

  private OptionKeys() {
  }

  /**
   * @param block the JSON given to the options class's {@code (JsonObject)} constructor
   * @param path the block's key path, e.g. {@code resources.postgres.connect}
   * @param optionsType the Vert.x options class
   * @param extraKeys keys the kit itself handles in this block (not passed to Vert.x)
   * @throws ConfigException for the first unknown key (in sorted order), e.g.
   *     {@code resources.postgres.connect.pasword: unknown key for PgConnectOptions (did you mean password?)}
   */
  public static void rejectUnknown(JsonObject block, String path, Class<?> optionsType, Set<String> extraKeys) {
    if (block == null) {
      return;
    }
    Set<String> known = known(optionsType);
    for (String key : new TreeSet<>(block.fieldNames())) {
      String keyPath = path + "." + key;
      if (extraKeys.contains(key) || isSecretFileOf(key, known)) {
        continue;
      }
      if (!known.contains(key)) {
        String suggestion = closest(key, known, extraKeys);
        throw new ConfigException(keyPath, "unknown key for " + optionsType.getSimpleName()
          + (suggestion == null ? "" : " (did you mean " + suggestion + "?)"));
      }
      Object value = block.getValue(key);
      Class<?> nested = nestedOptionsType(optionsType, key);
      if (value instanceof JsonObject nestedBlock && nested != null) {
        rejectUnknown(nestedBlock, keyPath, nested, Set.of());
      }
    }
  }

  /**
   * {@code passwordFile} next to a known secret property {@code password}: the config loader
   * replaces it by the file's content before resources are created; it is still present when a
   * shipped config file is validated without loading its secrets.
   */
  private static boolean isSecretFileOf(String key, Set<String> known) {
    if (!key.endsWith("File") || key.length() <= 4) {
      return false;
    }
    String stem = key.substring(0, key.length() - 4);
    return known.contains(stem) && SecretKeys.isSecret(stem);
  }

  /** @return the property names the class accepts in JSON, derived as described above */
  public static Set<String> known(Class<?> optionsType) {
    return KNOWN.computeIfAbsent(optionsType, OptionKeys::derive);
  }

  private static Set<String> derive(Class<?> type) {
    Set<String> candidates = new TreeSet<>();
    for (Method m : type.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
        continue;
      }
      String name = m.getName();
      if (name.startsWith("set") && name.length() > 3 && m.getParameterCount() == 1) {
        candidates.add(decapitalize(name.substring(3)));
      } else if (name.startsWith("get") && name.length() > 3 && m.getParameterCount() == 0) {
        candidates.add(decapitalize(name.substring(3))); // list properties have adders, not setters
      } else if (name.startsWith("is") && name.length() > 2 && m.getParameterCount() == 0) {
        candidates.add(decapitalize(name.substring(2)));
      }
    }
    Object instance = null;
    try {
      instance = type.getConstructor().newInstance();
      if (type.getMethod("toJson").invoke(instance) instanceof JsonObject json) {
        candidates.addAll(json.fieldNames());
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // no default instance or no toJson(): the bean properties are the candidates
    }
    Set<String> handRead = new TreeSet<>();
    HAND_READ.forEach((owner, keys) -> {
      if (owner.isAssignableFrom(type)) {
        handRead.addAll(keys);
      }
    });
    List<Method> converters = converters(type);
    if (instance == null || converters.isEmpty()) {
      candidates.addAll(handRead);
      return Collections.unmodifiableSet(candidates);
    }
    Set<String> known = new TreeSet<>(handRead);
    for (String key : candidates) {
      if (anyConverterReads(converters, instance, key)) {
        known.add(key);
      }
    }
    return Collections.unmodifiableSet(known);
  }

  /** The generated {@code <Class>Converter.fromJson(Iterable, Class)} of the class and each superclass. */
  private static List<Method> converters(Class<?> type) {
    List<Method> result = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      try {
        Class<?> converter = Class.forName(c.getName() + "Converter", false, c.getClassLoader());
        Method fromJson = converter.getDeclaredMethod("fromJson", Iterable.class, c);
        fromJson.setAccessible(true);
        result.add(fromJson);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // this level has no generated converter (or it is not accessible): nothing to probe
      }
    }
    return result;
  }

  /**
   * A generated converter switches on each entry's key and reads the value only for keys it knows;
   * the probe's value matches no expected type, so nothing is set on {@code instance}.
   */
  private static boolean anyConverterReads(List<Method> converters, Object instance, String key) {
    AtomicBoolean read = new AtomicBoolean();
    Map.Entry<String, Object> probe = new Map.Entry<>() {
      @Override
      public String getKey() {
        return key;
      }

      @Override
      public Object getValue() {
        read.set(true);
        return PROBE_VALUE;
      }

      @Override
      public Object setValue(Object value) {
        throw new UnsupportedOperationException();
      }
    };
    for (Method fromJson : converters) {
      try {
        fromJson.invoke(null, List.of(probe), instance);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // a converter that casts without checking still read the value first
      }
      if (read.get()) {
        return true;
      }
    }
    return false;
  }

  /** @return the data-object type of property {@code key} (its setter takes a class with a JSON constructor), or null */
  private static Class<?> nestedOptionsType(Class<?> type, String key) {
    String setter = "set" + Character.toUpperCase(key.charAt(0)) + key.substring(1);
    for (Method m : type.getMethods()) {
      if (m.getName().equals(setter) && m.getParameterCount() == 1) {
        Class<?> param = m.getParameterTypes()[0];
        if (!param.isInterface() && !Modifier.isAbstract(param.getModifiers()) && hasJsonConstructor(param)) {
          return param;
        }
      }
    }
    return null;
  }

  private static boolean hasJsonConstructor(Class<?> type) {
    try {
      Constructor<?> c = type.getConstructor(JsonObject.class);
      return Modifier.isPublic(c.getModifiers());
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static String decapitalize(String name) {
    return Character.toLowerCase(name.charAt(0)) + name.substring(1);
  }

  /** A cheap "did you mean": the known key within edit distance 2 (case-insensitive), if exactly one is nearest. */
  static String closest(String key, Set<String> known, Set<String> extraKeys) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    Set<String> candidates = new TreeSet<>(known);
    candidates.addAll(extraKeys);
    for (String candidate : candidates) {
      int d = distance(key.toLowerCase(), candidate.toLowerCase());
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return bestDistance <= 2 ? best : null;
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
