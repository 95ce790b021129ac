package io.tradekit.http;

import io.tradekit.resource.ResourceClosedException;
import io.tradekit.testing.TcpForwarder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP client resource against an in-test Vert.x HTTP server. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class HttpResourceTest {

  private static HttpResource create(Vertx vertx, String name, String baseUrl) {
    JsonObject block = new JsonObject().put("type", "http").put("baseUrl", baseUrl)
      .put("options", new JsonObject().put("connectTimeout", 2_000));
    return (HttpResource) new HttpResourceFactory().create(vertx, name, block, "resources." + name);
  }

  private static Future<HttpServer> server(Vertx vertx) {
    return vertx.createHttpServer()
      .requestHandler(req -> req.response().end("hello " + req.path()))
      .listen(0, "127.0.0.1");
  }

  @Test
  void opensRequestsAndCloses(Vertx vertx, VertxTestContext ctx) {
    server(vertx).compose(server -> {
      HttpResource http = create(vertx, "exchange", "http://127.0.0.1:" + server.actualPort() + "/");
      ctx.verify(() -> {
        assertThat(http.isOpen()).isFalse();
        assertThat(http.baseUrl()).as("trailing slash trimmed").isEqualTo("http://127.0.0.1:" + server.actualPort());
        assertThat(http.address()).isEqualTo(http.baseUrl());
      });
      return http.open()
        .compose(v -> http.client().getAbs(http.baseUrl() + "/api/v2/public/test").send())
        .compose(response -> {
          ctx.verify(() -> {
            assertThat(http.isOpen()).isTrue();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.bodyAsString()).isEqualTo("hello /api/v2/public/test");
          });
          return http.check();
        })
        .compose(v -> http.close())
        .eventually(server::close)
        .map(v -> http);
    }).onComplete(ctx.succeeding(http -> ctx.verify(() -> {
      assertThat(http.isOpen()).isFalse();
      ctx.completeNow();
    })));
  }

  @Test
  void closedClientFailsNamingTheResource(Vertx vertx, VertxTestContext ctx) {
    HttpResource http = create(vertx, "exchange-closed", "http://127.0.0.1:1");
    http.open().compose(v -> http.close()).compose(v -> http.close())
      .compose(v -> http.check().transform(Future::succeededFuture))
      .onComplete(ctx.succeeding(check -> ctx.verify(() -> {
        assertThat(check.failed()).as("check() after close").isTrue();
        assertThat(check.cause()).isInstanceOf(ResourceClosedException.class).hasMessageContaining("'exchange-closed'");
        assertThatThrownBy(http::client).isInstanceOf(ResourceClosedException.class).hasMessageContaining("'exchange-closed'");
        assertThat(http.isOpen()).isFalse();
        ctx.completeNow();
      })));
  }

  @Test
  void openDoesNotDependOnTheServerAndRequestsFailUntilItIsUp(Vertx vertx, VertxTestContext ctx) {
    // By design an HTTP dependency being down is the caller's retry decision, not a start-up blocker.
    int deadPort = TcpForwarder.unusedPort();
    HttpResource http = create(vertx, "exchange-later", "http://127.0.0.1:" + deadPort);
    http.open()
      .compose(v -> http.client().getAbs(http.baseUrl() + "/x").send().transform(Future::succeededFuture))
      .compose(first -> {
        ctx.verify(() -> {
          assertThat(http.isOpen()).isTrue();
          assertThat(first.failed()).as("request to a port nobody listens on").isTrue();
        });
        return server(vertx).compose(target -> TcpForwarder.start(vertx, deadPort, "127.0.0.1", target.actualPort())
          .compose(forwarder -> http.client().getAbs(http.baseUrl() + "/y").send()
            .eventually(forwarder::close).eventually(target::close)));
      })
      .eventually(http::close)
      .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
        assertThat(response.bodyAsString()).isEqualTo("hello /y");
        ctx.completeNow();
      })));
  }
}
