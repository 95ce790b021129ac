package io.tradekit.bench;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Loopback HTTP of the harness (admin endpoints of the processes under test, the exchange's admin API). */
final class Http {

  // HTTP/1.1: the JDK client's default first tries an h2c upgrade per connection, which delayed the
  // first 200 from /health/ready by about 0.8 s after the kit was ready (curl saw it within 65 ms).
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(2)).build();

  private Http() {
  }

  static String get(int port, String path) throws Exception {
    HttpResponse<String> r = CLIENT.send(request(port, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + " on port " + port + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  static JsonObject getJson(int port, String path) throws Exception {
    return new JsonObject(get(port, path));
  }

  /** @return the status, or -1 when nothing answers (not started yet, or gone) */
  static int status(int port, String path) {
    try {
      return CLIENT.send(request(port, path).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static void post(int port, String path, JsonObject body) throws Exception {
    HttpResponse<String> r = CLIENT.send(request(port, path).POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
      HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("POST " + path + " " + body.encode() + ": HTTP " + r.statusCode() + " " + r.body());
    }
  }

  private static HttpRequest.Builder request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5));
  }
}
