package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
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

/**
 * Channels as Deribit has them: {@code user.*} only through {@code private/subscribe} on an
 * authenticated connection (left out of {@code public/subscribe}'s result), {@code raw} only when
 * authenticated (13778), the {@code .{kind}.{currency}.} and {@code any} forms, {@code user.changes}
 * and the array form of {@code user.orders} at {@code 100ms}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeChannelsTest {

  private static final String BTC = "BTC-PERPETUAL";
  private static final String SOL = "SOL_USDC-PERPETUAL";

  private SimulatedExchange exchange;

  private Future<TestClient> start(Vertx vertx) {
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setInstruments(List.of(BTC, SOL))
      .setTradesPerSecond(0).setBookChangesPerSecond(0));
    return exchange.start(vertx).compose(port -> TestClient.connect(vertx, port));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject marketBuy(String instrument, Object amount) {
    return new JsonObject().put("instrument_name", instrument).put("amount", amount).put("type", "market").put("label", "t");
  }

  @Test
  void publicSubscribeLeavesUserChannelsOutEvenWhenAuthenticated(Vertx vertx, VertxTestContext ctx) {
    String orders = "user.orders." + BTC + ".raw";
    String trades = "user.trades." + BTC + ".raw";
    start(vertx).compose(c -> c.auth()
      .compose(a -> c.subscribe(orders, "trades." + BTC + ".100ms"))
      .compose(publicResult -> c.privateSubscribe(trades).compose(privateResult ->
        c.rpc("private/buy", marketBuy(BTC, 10))
          // The exchange writes user.orders before user.trades for one change: once the trades
          // notification is here, an orders notification would have been too.
          .compose(r -> c.awaitFrame(f -> trades.equals(f.channel())))
          .map(f -> {
            ctx.verify(() -> {
              assertThat(publicResult).containsExactly("trades." + BTC + ".100ms");
              assertThat(privateResult).containsExactly(trades);
              assertThat(c.data(orders)).isEmpty();
            });
            return f;
          }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rawIntervalsNeedAnAuthenticatedConnection(Vertx vertx, VertxTestContext ctx) {
    start(vertx).compose(c -> c.call("public/subscribe", new JsonObject().put("channels", new JsonArray().add("trades." + BTC + ".raw")))
      .compose(unauthenticated -> c.auth().compose(a -> c.subscribe("trades." + BTC + ".raw"))
        .map(authenticated -> {
          ctx.verify(() -> {
            assertThat(unauthenticated.getJsonObject("error").getInteger("code")).isEqualTo(13778);
            assertThat(authenticated).containsExactly("trades." + BTC + ".raw");
          });
          return authenticated;
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anyAndCurrencyFormsAndUserChangesCarryTheAccountsEvents(Vertx vertx, VertxTestContext ctx) {
    String anyOrders = "user.orders.any.any.raw";
    String anyTrades = "user.trades.any.any.raw";
    String usdcOrders = "user.orders.future.USDC.100ms";
    String btcChanges = "user.changes." + BTC + ".100ms";
    start(vertx).compose(c -> c.auth()
      .compose(a -> c.privateSubscribe(anyOrders, anyTrades, usdcOrders, btcChanges, "user.orders.any.SOL.raw"))
      .compose(subscribed -> c.rpc("private/buy", marketBuy(BTC, 10))
        .compose(r -> c.awaitFrame(f -> btcChanges.equals(f.channel())))
        .compose(r -> c.rpc("private/buy", marketBuy(SOL, 1.5)))
        .compose(r -> c.awaitFrame(f -> usdcOrders.equals(f.channel())))
        .map(f -> {
          ctx.verify(() -> {
            // No SOL currency on Deribit: that form is rejected, simply missing from the result.
            assertThat(subscribed).containsExactly(anyOrders, anyTrades, usdcOrders, btcChanges);
            List<Object> orders = c.data(anyOrders);
            assertThat(orders).hasSize(2).allSatisfy(o -> assertThat(o).isInstanceOf(JsonObject.class));
            assertThat(((JsonObject) orders.get(1)).getString("instrument_name")).isEqualTo(SOL);
            assertThat(((JsonObject) orders.get(1)).getValue("amount").toString()).isEqualTo("1.5");
            assertThat(c.data(anyTrades)).hasSize(2).allSatisfy(t -> assertThat(t).isInstanceOf(JsonArray.class));
            JsonObject changes = (JsonObject) c.data(btcChanges).get(0);
            assertThat(changes.fieldNames()).containsExactlyInAnyOrder("instrument_name", "orders", "trades", "positions");
            assertThat(changes.getJsonArray("trades")).isNotEmpty();
            assertThat(changes.getJsonArray("positions").getJsonObject(0).getString("direction")).isEqualTo("buy");
            List<Object> usdc = c.data(usdcOrders);
            assertThat(usdc).hasSize(1);
            assertThat(usdc.get(0)).isInstanceOf(JsonArray.class);
            JsonArray usdcTrades = (JsonArray) c.data(anyTrades).get(1);
            assertThat(usdcTrades.getJsonObject(0).getString("fee_currency")).isEqualTo("USDC");
          });
          return f;
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void privateUnsubscribeRemovesUserChannelsAndPublicUnsubscribeDoesNot(Vertx vertx, VertxTestContext ctx) {
    String orders = "user.orders." + BTC + ".raw";
    start(vertx).compose(c -> c.auth().compose(a -> c.privateSubscribe(orders))
      .compose(s -> c.rpc("public/unsubscribe", new JsonObject().put("channels", new JsonArray().add(orders))))
      .compose(viaPublic -> c.rpc("private/unsubscribe", new JsonObject().put("channels", new JsonArray().add(orders)))
        .map(viaPrivate -> {
          ctx.verify(() -> {
            assertThat((JsonArray) viaPublic).isEmpty();
            assertThat((JsonArray) viaPrivate).containsExactly(orders);
          });
          return viaPrivate;
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPerpetualDeribitDoesNotListIsRefusedInTheConfigNamingTheLinearOne() {
    Throwable error = org.assertj.core.api.Assertions.catchThrowable(() -> new SimulatedExchangeOptions(
      new JsonObject().put("instruments", new JsonArray().add("SOL-PERPETUAL"))));
    assertThat(error).hasMessageContaining("instruments[0]").hasMessageContaining("SOL_USDC-PERPETUAL");
  }
}
