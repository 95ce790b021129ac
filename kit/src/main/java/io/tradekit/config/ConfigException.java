package io.tradekit.config;

/**
 * A configuration value is missing, has the wrong type or is out of range.
 *
 * <p>Thrown by config parsing and validation before anything starts. The message is ONE line
 * that names the key path and what was expected, e.g.
 * {@code services[1].restart: expected one of permanent|transient|temporary, got "always"}.
 * The process launchers print it without a stack trace and exit with code 2.
 */
public class ConfigException extends RuntimeException {

  private final String path;

  /**
   * @param path the key path, dot-separated, arrays as {@code name[index]}
   * @param problem what was expected and what was found
   */
  public ConfigException(String path, String problem) {
    super(path + ": " + problem, null, false, false);
    this.path = path;
  }

  /** @return the key path that was wrong, e.g. {@code admin.port} */
  public String path() {
    return path;
  }
}
