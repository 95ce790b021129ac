package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * User notifications, resting orders filled by the simulated market, cancel-on-disconnect and the
 * exchange's own records ({@code /admin/private/*}), over real WebSocket and HTTP.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeUserStreamsTest {

  private static final String BTC = SimulatedExchangeOrdersTest.BTC;
  private static final String ORDERS = "user.orders." + BTC + ".raw";
  private static final String TRADES = "user.trades." + BTC + ".raw";
  private static final String PUBLIC_TRADES = "trades." + BTC + ".100ms";

  private SimulatedExchange exchange;

  private Future<TestClient> start(Vertx vertx, SimulatedExchangeOptions options) {
    exchange = new SimulatedExchange(options);
    return exchange.start(vertx).compose(port -> connect(vertx));
  }

  private Future<TestClient> connect(Vertx vertx) {
    return TestClient.connect(vertx, exchange.port()).compose(c -> c.auth().map(a -> c));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject data(TestClient.Frame f) {
    return f.object().getJsonObject("params").getJsonObject("data");
  }

  @Test
  void aTakerOrderIsNotifiedOnUserOrdersAndUserTrades(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0).setBookChangesPerSecond(0))
      .compose(c -> c.privateSubscribe(ORDERS, TRADES).compose(subscribed -> {
        ctx.verify(() -> assertThat(subscribed).containsExactly(ORDERS, TRADES));
        return c.rpc("private/buy", SimulatedExchangeOrdersTest.order("notify-1", 10, null));
      }).compose(placed -> c.awaitFrame(f -> TRADES.equals(f.channel()))
        .compose(trades -> c.awaitFrame(f -> ORDERS.equals(f.channel())).map(order -> List.of((JsonObject) placed, trades, order)))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonObject placed = (JsonObject) r.get(0);
        JsonArray fills = ((TestClient.Frame) r.get(1)).object().getJsonObject("params").getJsonArray("data");
        JsonObject order = data((TestClient.Frame) r.get(2));
        assertThat(order.getString("order_state")).isEqualTo("filled");
        assertThat(order.getString("label")).isEqualTo("notify-1");
        assertThat(order.getLong("last_update_timestamp")).isEqualTo(placed.getJsonObject("order").getLong("last_update_timestamp"));
        assertThat(fills.getJsonObject(0).getString("trade_id")).isEqualTo(placed.getJsonArray("trades").getJsonObject(0).getString("trade_id"));
        ctx.completeNow();
      })));
  }

  @Test
  void aRestingOrderFillsAsMakerAtItsPriceWhenTheMarketTradesThroughIt(Vertx vertx, VertxTestContext ctx) {
    // One post-only order on each side at the last price: whichever way the market walks, one is
    // traded through; a large amount makes the first fill partial (a public trade is <= 1000).
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(300))
      .compose(c -> c.privateSubscribe(ORDERS, TRADES, PUBLIC_TRADES)
        .compose(s -> c.awaitFrame(f -> PUBLIC_TRADES.equals(f.channel())))
        .compose(first -> {
          BigDecimal last = new BigDecimal(first.object().getJsonObject("params").getJsonArray("data").getJsonObject(0).getValue("price").toString());
          JsonObject buy = SimulatedExchangeOrdersTest.order("maker-buy", 100_000, last).put("post_only", true);
          JsonObject sell = SimulatedExchangeOrdersTest.order("maker-sell", 100_000, last.add(SimulatedExchangeOrdersTest.TICK)).put("post_only", true);
          return c.rpc("private/buy", buy).compose(b -> c.rpc("private/sell", sell).map(s -> List.of((JsonObject) b, (JsonObject) s)));
        })
        .compose(placed -> c.awaitFrame(f -> TRADES.equals(f.channel())).compose(fillFrame -> {
          JsonObject fill = fillFrame.object().getJsonObject("params").getJsonArray("data").getJsonObject(0);
          JsonObject order = placed.get(0).getJsonObject("order").getString("order_id").equals(fill.getString("order_id"))
            ? placed.get(0).getJsonObject("order") : placed.get(1).getJsonObject("order");
          BigDecimal price = new BigDecimal(order.getValue("price").toString());
          boolean buy = "buy".equals(order.getString("direction"));
          return c.awaitFrame(f -> PUBLIC_TRADES.equals(f.channel()) && f.object().getJsonObject("params").getJsonArray("data").stream()
              .map(t -> new BigDecimal(((JsonObject) t).getValue("price").toString()))
              .anyMatch(p -> buy ? p.compareTo(price) < 0 : p.compareTo(price) > 0))
            .compose(through -> c.awaitFrame(f -> ORDERS.equals(f.channel()) && data(f).getDouble("filled_amount") > 0))
            .map(orderUpdate -> {
              ctx.verify(() -> {
                assertThat(placed.get(0).getJsonArray("trades")).isEmpty();
                assertThat(placed.get(1).getJsonArray("trades")).isEmpty();
                assertThat(fill.getString("liquidity")).isEqualTo("M");
                assertThat(new BigDecimal(fill.getValue("price").toString())).isEqualByComparingTo(price);
                assertThat(fill.getDouble("fee")).isZero();
                JsonObject update = data(orderUpdate);
                assertThat(update.getString("order_state")).as("partially filled, still open").isEqualTo("open");
                assertThat(update.getDouble("filled_amount")).isEqualTo(fill.getDouble("amount"));
              });
              return orderUpdate;
            });
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void cancelOnDisconnectCancelsOnlyTheDroppedConnectionsOrders(Vertx vertx, VertxTestContext ctx) {
    JsonObject resting = SimulatedExchangeOrdersTest.order("cod-1", 10, new BigDecimal("1000"));
    JsonObject kept = SimulatedExchangeOrdersTest.order("no-cod", 10, new BigDecimal("1000"));
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0).setBookChangesPerSecond(0))
      .compose(watcher -> watcher.privateSubscribe(ORDERS)
        .compose(s -> connect(vertx)).compose(a -> a.rpc("private/enable_cancel_on_disconnect", new JsonObject())
          .compose(ok -> a.rpc("private/buy", resting)).map(placed -> a))
        .compose(a -> connect(vertx).compose(b -> b.rpc("private/buy", kept).map(placed -> b))
          .compose(b -> b.ws.close().compose(v -> a.ws.close())))
        .compose(v -> watcher.awaitFrame(f -> ORDERS.equals(f.channel()) && "cancelled".equals(data(f).getString("order_state"))))
        .compose(cancelled -> watcher.rpc("private/get_open_orders_by_instrument", new JsonObject().put("instrument_name", BTC))
          .map(open -> List.of(data(cancelled), (JsonArray) open))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonObject cancelled = (JsonObject) r.get(0);
        assertThat(cancelled.getString("label")).isEqualTo("cod-1");
        assertThat(cancelled.getString("cancel_reason")).isEqualTo("cancel_on_disconnect");
        assertThat(((JsonArray) r.get(1)).stream().map(o -> ((JsonObject) o).getString("label"))).containsExactly("no-cod");
        ctx.completeNow();
      })));
  }

  @Test
  void theAdminRecordsListEveryOrderFillAndPositionWithItsAccount(Vertx vertx, VertxTestContext ctx) {
    WebClient web = WebClient.create(vertx);
    start(vertx, new SimulatedExchangeOptions().setTradesPerSecond(0).setBookChangesPerSecond(0))
      .compose(c -> c.rpc("private/buy", SimulatedExchangeOrdersTest.order("adm-1", 20, null))
        .compose(b -> c.rpc("private/buy", SimulatedExchangeOrdersTest.order("adm-2", 10, new BigDecimal("1000")))))
      .compose(v -> Future.all(get(web, "/admin/private/orders"), get(web, "/admin/private/fills"),
        get(web, "/admin/private/positions"), get(web, "/admin/private/orders?account=someone-else")))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        JsonArray orders = all.<JsonObject>resultAt(0).getJsonArray("orders");
        JsonArray fills = all.<JsonObject>resultAt(1).getJsonArray("fills");
        JsonArray positions = all.<JsonObject>resultAt(2).getJsonArray("positions");
        assertThat(orders.stream().map(o -> ((JsonObject) o).getString("label"))).containsExactly("adm-1", "adm-2");
        assertThat(orders.stream().map(o -> ((JsonObject) o).getString("order_state"))).containsExactly("filled", "open");
        assertThat(orders.getJsonObject(0).getString("account")).isEqualTo(SimulatedExchangeOptions.DEFAULT_CLIENT_ID);
        assertThat(fills.stream().mapToDouble(f -> ((JsonObject) f).getDouble("amount")).sum()).isEqualTo(20.0);
        assertThat(fills.stream().map(f -> ((JsonObject) f).getString("label"))).containsOnly("adm-1");
        assertThat(positions).hasSize(1);
        assertThat(positions.getJsonObject(0).getDouble("size")).isEqualTo(20.0);
        assertThat(all.<JsonObject>resultAt(3).getJsonArray("orders")).isEmpty();
        ctx.completeNow();
      })));
  }

  private Future<JsonObject> get(WebClient web, String uri) {
    return web.get(exchange.port(), "127.0.0.1", uri).send().map(HttpResponse<Buffer>::bodyAsJsonObject);
  }
}
