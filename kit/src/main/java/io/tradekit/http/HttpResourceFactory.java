package io.tradekit.http;

import io.tradekit.config.ConfigException;
import io.tradekit.config.ConfigReader;
import io.tradekit.resource.OptionKeys;
import io.tradekit.resource.Resource;
import io.tradekit.resource.ResourceFactory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClientOptions;

import java.net.URI;
import java.util.Set;

/**
 * Creates {@link HttpResource}s from blocks {@code {"type":"http","baseUrl":"http://host:port",
 * "options":{...}}} where {@code options} uses Vert.x {@link WebClientOptions} property names; any
 * other key is a {@link ConfigException} naming it ({@link OptionKeys}).
 */
public final class HttpResourceFactory implements ResourceFactory {

  @Override
  public String type() {
    return HttpResource.TYPE;
  }

  @Override
  public Resource create(Vertx vertx, String name, JsonObject config, String path) {
    ConfigReader block = ConfigReader.of(config, path).rejectUnknownKeys(Set.of("type", "options", "baseUrl"));
    String baseUrl = block.requiredString("baseUrl");
    try {
      URI uri = URI.create(baseUrl);
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new IllegalArgumentException("missing scheme or host");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(block.path("baseUrl"), "expected an absolute http(s) URL, got \"" + baseUrl + "\"");
    }
    OptionKeys.rejectUnknown(block.rawObject("options"), block.path("options"), WebClientOptions.class, Set.of());
    WebClientOptions options;
    try {
      options = new WebClientOptions(block.rawObject("options"));
    } catch (RuntimeException e) {
      throw new ConfigException(block.path("options"), "not valid WebClientOptions: " + e.getMessage());
    }
    String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    return new HttpResource(vertx, name, options, trimmed);
  }
}
