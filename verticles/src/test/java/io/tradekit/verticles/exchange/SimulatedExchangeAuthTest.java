package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code public/auth} and the authentication rules of the private API, over a real WebSocket. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeAuthTest {

  private static final JsonObject POSITION = new JsonObject().put("instrument_name", "BTC-PERPETUAL");

  private SimulatedExchange exchange;

  private Future<TestClient> start(Vertx vertx, SimulatedExchangeOptions options) {
    exchange = new SimulatedExchange(options.setTradesPerSecond(0).setBookChangesPerSecond(0));
    return exchange.start(vertx).compose(port -> TestClient.connect(vertx, port));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> after(Vertx vertx, long ms) {
    Promise<Void> promise = Promise.promise();
    vertx.setTimer(ms, t -> promise.complete());
    return promise.future();
  }

  private static int errorCode(JsonObject reply) {
    return reply.getJsonObject("error").getInteger("code");
  }

  @Test
  void clientCredentialsAuthenticateTheConnectionForPrivateCalls(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTokenTtlMs(60_000))
      .compose(client -> client.auth().compose(auth -> client.rpc("private/get_position", POSITION).map(p -> List.of(auth, p))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonObject auth = (JsonObject) r.get(0);
        assertThat(auth.getString("access_token")).isNotBlank();
        assertThat(auth.getString("refresh_token")).isNotBlank().isNotEqualTo(auth.getString("access_token"));
        assertThat(auth.getLong("expires_in")).isEqualTo(60);
        assertThat(auth.getString("scope")).contains("trade:read_write");
        assertThat(((JsonObject) r.get(1)).getString("direction")).isEqualTo("zero");
        ctx.completeNow();
      })));
  }

  @Test
  void aWrongSecretIsInvalidCredentialsAndNeverEchoesTheSecret(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setAccounts(List.of(new SimulatedExchangeOptions.Account("bot", "right-secret"))))
      .compose(client -> client.auth("bot", "wrong-secret-xyz")
        .compose(wrong -> client.auth("nobody", "right-secret").map(unknown -> List.of(wrong, unknown))))
      .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
        for (JsonObject reply : replies) {
          assertThat(errorCode(reply)).isEqualTo(13004);
          assertThat(reply.getJsonObject("error").getString("message")).isEqualTo("invalid_credentials");
          assertThat(reply.encode()).doesNotContain("secret-xyz").doesNotContain("right-secret");
        }
        ctx.completeNow();
      })));
  }

  @Test
  void privateCallsAndUserChannelsOnAnUnauthenticatedConnectionAreRefused(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions())
      .compose(client -> client.call("private/buy", new JsonObject().put("instrument_name", "BTC-PERPETUAL")
          .put("amount", 10).put("type", "market"))
        .compose(buy -> client.call("private/subscribe", new JsonObject()
          .put("channels", new JsonArray().add("user.orders.BTC-PERPETUAL.raw")))
          .compose(sub -> client.call("public/subscribe", new JsonObject()
            .put("channels", new JsonArray().add("trades.BTC-PERPETUAL.raw")))
            .map(raw -> List.of(buy, sub, raw)))))
      .compose(replies -> exchange.privateOrders().map(orders -> {
        ctx.verify(() -> {
          assertThat(errorCode(replies.get(0))).isEqualTo(13009);
          assertThat(errorCode(replies.get(1))).isEqualTo(13009);
          assertThat(errorCode(replies.get(2))).isEqualTo(13778);
          assertThat(orders).isEmpty();
        });
        return orders;
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anExpiredTokenIsUnauthorizedUntilRenewedWithTheRefreshToken(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTokenTtlMs(300))
      .compose(client -> client.auth()
        .compose(auth -> client.rpc("private/get_position", POSITION)
          // The token's lifetime is the event under test: only the clock can end it.
          .compose(ok -> after(vertx, 400))
          .compose(v -> client.call("private/get_position", POSITION))
          .compose(expired -> client.call("public/auth", new JsonObject().put("grant_type", "refresh_token")
              .put("refresh_token", auth.getString("refresh_token")))
            .compose(renewed -> client.call("private/get_position", POSITION)
              .compose(after -> client.call("public/auth", new JsonObject().put("grant_type", "refresh_token")
                  .put("refresh_token", auth.getString("refresh_token")))
                .map(reused -> List.of(expired, renewed, after, reused)))))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(errorCode(r.get(0))).as("after expiry").isEqualTo(13009);
        assertThat(r.get(1).getJsonObject("result").getString("access_token")).as("renewed").isNotBlank();
        assertThat(r.get(2).containsKey("result")).as("private call after renewal").isTrue();
        assertThat(errorCode(r.get(3))).as("a refresh token is used once").isEqualTo(13004);
        ctx.completeNow();
      })));
  }

  @Test
  void aNewConnectionOfTheSameClientStartsUnauthenticated(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions())
      .compose(first -> first.auth())
      .compose(auth -> TestClient.connect(vertx, exchange.port()))
      .compose(second -> second.call("private/get_position", POSITION))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertThat(errorCode(reply)).isEqualTo(13009);
        ctx.completeNow();
      })));
  }
}
