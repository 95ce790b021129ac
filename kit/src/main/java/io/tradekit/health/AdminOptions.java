package io.tradekit.health;

import io.tradekit.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Admin HTTP server settings, config block {@code admin}: {@code enabled} (true), {@code host}
 * ("127.0.0.1": loopback, because health and metrics are not for the internet), {@code port}
 * (8080; 0 picks a free port, which the {@code supervisor.ready} event reports).
 */
public final class AdminOptions {

  public static final boolean DEFAULT_ENABLED = true;
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;

  private boolean enabled = DEFAULT_ENABLED;
  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;

  public AdminOptions() {
  }

  /** Parses and validates the {@code admin} block; throws ConfigException naming the key. */
  public AdminOptions(JsonObject json) {
    this(ConfigReader.of(json, "admin"));
  }

  public AdminOptions(ConfigReader block) {
    block.rejectUnknownKeys(Set.of("enabled", "host", "port"));
    this.enabled = block.bool("enabled", DEFAULT_ENABLED);
    this.host = block.string("host", DEFAULT_HOST);
    this.port = block.intValue("port", DEFAULT_PORT, 0, 65535);
  }

  public boolean isEnabled() {
    return enabled;
  }

  public AdminOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public String getHost() {
    return host;
  }

  public AdminOptions setHost(String host) {
    this.host = host;
    return this;
  }

  public int getPort() {
    return port;
  }

  public AdminOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public JsonObject toJson() {
    return new JsonObject().put("enabled", enabled).put("host", host).put("port", port);
  }
}
