package io.tradekit.pg.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Tells, without Flyway, that a database is exactly at the migrations on the classpath, so a warm
 * start skips Flyway: its few hundred classes, its JDBC connection and its classpath scan cost
 * several hundred milliseconds on a fresh JVM, for nothing to apply.
 *
 * <p>Conservative: true only when every file under the locations is a plain versioned SQL
 * migration ({@code V<version>__<description>.sql}, on the classpath) and
 * {@code flyway_schema_history} holds exactly those versions, each a successful {@code SQL} row
 * with the file's description and the checksum Flyway computes (CRC32 over each line's UTF-8 bytes, line breaks and a leading
 * BOM excluded). Anything else (no history table, a repeatable, undo, callback or Java migration,
 * a filesystem location, a failed, baseline or extra row, any error) answers false, and Flyway
 * runs and validates as it always did. A wrong "false" costs only time; a "true" implies Flyway
 * would have found nothing to apply and nothing to reject.
 *
 * <p>Called by {@link io.tradekit.pg.PgResource#migrate()} on the caller's context; the classpath
 * scan runs on a worker, the history query on the resource's pool.
 */
public final class MigrationsUpToDate {

  private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__([^/]*)\\.sql");

  private MigrationsUpToDate() {
  }

  /** @return true when Flyway would apply nothing; false (never a failure) when unsure */
  public static Future<Boolean> check(Vertx vertx, Pool pool, ClassLoader loader, List<String> locations) {
    return vertx.executeBlocking(() -> localMigrations(loader, locations), false)
      .compose(local -> local == null ? Future.succeededFuture(false)
        : pool.query("SELECT version, description, checksum, success, type FROM flyway_schema_history").execute()
          .map(rows -> {
            Map<String, String> applied = new HashMap<>();
            for (Row row : rows) {
              String version = row.getString("version");
              if (version == null || !"SQL".equals(row.getString("type")) || !Boolean.TRUE.equals(row.getBoolean("success"))
                  || row.getInteger("checksum") == null
                  || applied.put(version, identity(row.getString("description"), row.getInteger("checksum"))) != null) {
                return false;
              }
            }
            return applied.equals(local);
          }))
      .otherwise(false);
  }

  /**
   * @return version (dots, as Flyway stores it) to description and checksum of every migration under the
   *     locations, or null when any file is not a plain versioned SQL migration on the classpath
   */
  static Map<String, String> localMigrations(ClassLoader loader, List<String> locations) throws IOException, URISyntaxException {
    Map<String, String> found = new HashMap<>();
    for (String location : locations) {
      String path = location.startsWith("classpath:") ? location.substring("classpath:".length()) : location;
      if (path.contains(":")) {
        return null; // filesystem:, s3:, ...: Flyway's business
      }
      path = path.replaceAll("^/+", "").replaceAll("/+$", "");
      Enumeration<URL> roots = loader.getResources(path);
      while (roots.hasMoreElements()) {
        if (!collect(roots.nextElement(), path, found)) {
          return null;
        }
      }
    }
    return found;
  }

  private static boolean collect(URL root, String path, Map<String, String> found) throws IOException, URISyntaxException {
    if ("file".equals(root.getProtocol())) {
      Path dir = Path.of(root.toURI());
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          try (InputStream in = Files.newInputStream(file)) {
            if (!add(dir.relativize(file).toString().replace('\\', '/'), in, found)) {
              return false;
            }
          }
        }
      }
      return true;
    }
    if ("jar".equals(root.getProtocol())) {
      URLConnection connection = root.openConnection();
      if (!(connection instanceof JarURLConnection jarConnection)) {
        return false;
      }
      JarFile jar = jarConnection.getJarFile();
      String prefix = path + "/";
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        JarEntry entry = entries.nextElement();
        if (entry.isDirectory() || !entry.getName().startsWith(prefix)) {
          continue;
        }
        try (InputStream in = jar.getInputStream(entry)) {
          if (!add(entry.getName().substring(prefix.length()), in, found)) {
            return false;
          }
        }
      }
      return true;
    }
    return false;
  }

  private static boolean add(String relativeName, InputStream content, Map<String, String> found) throws IOException {
    String name = relativeName.substring(relativeName.lastIndexOf('/') + 1);
    Matcher m = VERSIONED.matcher(name);
    if (!m.matches()) {
      return false;
    }
    String version = m.group(1).replace('_', '.');
    String description = m.group(2).replace('_', ' ');
    return found.put(version, identity(description, checksum(content))) == null;
  }

  /** What Flyway's validation compares per applied version: description and checksum. */
  private static String identity(String description, int checksum) {
    return description + "\u0000" + checksum;
  }

  /** Flyway's checksum of a SQL migration: CRC32 over each line's UTF-8 bytes, without line breaks or a leading BOM. */
  static int checksum(InputStream content) throws IOException {
    CRC32 crc = new CRC32();
    BufferedReader reader = new BufferedReader(new InputStreamReader(content, StandardCharsets.UTF_8), 4096);
    String line = reader.readLine();
    if (line != null && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
      line = line.substring(1);
    }
    while (line != null) {
      crc.update(line.getBytes(StandardCharsets.UTF_8));
      line = reader.readLine();
    }
    return (int) crc.getValue();
  }
}
