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

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The matching engine through the private API on a real WebSocket. With no trades and no book
 * changes the simulated book is static, so taker fills are exact: the test reads the book
 * snapshot first and knows what each order must take.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeOrdersTest {

  static final String BTC = "BTC-PERPETUAL";
  static final BigDecimal TICK = new BigDecimal("0.5");

  /** The static book's best levels, read from the snapshot. */
  record Touch(BigDecimal bid, long bidAmount, BigDecimal ask, long askAmount) {
  }

  private SimulatedExchange exchange;
  private TestClient client;
  private Touch touch;

  private Future<TestClient> start(Vertx vertx) {
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setTradesPerSecond(0).setBookChangesPerSecond(0));
    return exchange.start(vertx).compose(port -> TestClient.connect(vertx, port)).compose(c -> {
      client = c;
      return c.subscribe("book." + BTC + ".100ms").compose(r -> c.awaitFrame(f -> f.channel() != null));
    }).compose(snapshot -> {
      JsonObject data = snapshot.object().getJsonObject("params").getJsonObject("data");
      JsonArray bid = data.getJsonArray("bids").getJsonArray(0);
      JsonArray ask = data.getJsonArray("asks").getJsonArray(0);
      touch = new Touch(new BigDecimal(bid.getValue(1).toString()), Math.round(bid.getDouble(2)),
        new BigDecimal(ask.getValue(1).toString()), Math.round(ask.getDouble(2)));
      return client.auth();
    }).map(auth -> client);
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  static JsonObject order(String label, long amount, BigDecimal price) {
    JsonObject o = new JsonObject().put("instrument_name", BTC).put("amount", amount).put("label", label);
    // post_only sent explicitly: omitted, Deribit's schema (and so the simulator) makes it true.
    return price == null ? o.put("type", "market") : o.put("type", "limit").put("price", price).put("post_only", false);
  }

  private Future<JsonObject> buy(JsonObject params) {
    return client.rpc("private/buy", params).map(r -> (JsonObject) r);
  }

  private Future<JsonObject> sell(JsonObject params) {
    return client.rpc("private/sell", params).map(r -> (JsonObject) r);
  }

  private static long amount(JsonObject o, String key) {
    return Math.round(o.getDouble(key));
  }

  @Test
  void aLimitBuyTakesTheBestAskThenRestsItsRemainder(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> buy(order("rest-1", touch.askAmount() + 100, touch.ask())))
      .compose(placed -> client.rpc("private/get_open_orders_by_instrument", new JsonObject().put("instrument_name", BTC))
        .map(open -> List.of(placed, open)))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonObject placed = (JsonObject) r.get(0);
        JsonObject order = placed.getJsonObject("order");
        JsonArray trades = placed.getJsonArray("trades");
        assertThat(order.getString("order_state")).isEqualTo("open");
        assertThat(amount(order, "filled_amount")).isEqualTo(touch.askAmount());
        assertThat(new BigDecimal(order.getValue("average_price").toString())).isEqualByComparingTo(touch.ask());
        assertThat(trades).hasSize(1);
        JsonObject trade = trades.getJsonObject(0);
        assertThat(trade.getString("liquidity")).isEqualTo("T");
        assertThat(trade.getString("label")).isEqualTo("rest-1");
        assertThat(trade.getString("order_id")).isEqualTo(order.getString("order_id"));
        assertThat(trade.getString("trade_id")).isNotBlank();
        assertThat(trade.getDouble("fee")).isPositive();
        assertThat(((JsonArray) r.get(1)).stream().map(o -> ((JsonObject) o).getString("label"))).containsExactly("rest-1");
        ctx.completeNow();
      })));
  }

  @Test
  void immediateOrCancelCancelsTheRemainderAndFillOrKillFillsAllOrNothing(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> buy(order("ioc", touch.askAmount() + 10, touch.ask()).put("time_in_force", "immediate_or_cancel")))
      .compose(ioc -> buy(order("fok-no", touch.askAmount() + 10, touch.ask()).put("time_in_force", "fill_or_kill"))
        .compose(fokNo -> buy(order("fok-yes", touch.askAmount(), touch.ask()).put("time_in_force", "fill_or_kill"))
          .map(fokYes -> List.of(ioc, fokNo, fokYes))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonObject ioc = r.get(0).getJsonObject("order");
        assertThat(ioc.getString("order_state")).isEqualTo("cancelled");
        assertThat(amount(ioc, "filled_amount")).isEqualTo(touch.askAmount());
        JsonObject fokNo = r.get(1).getJsonObject("order");
        assertThat(fokNo.getString("order_state")).isEqualTo("cancelled");
        assertThat(amount(fokNo, "filled_amount")).isZero();
        assertThat(r.get(1).getJsonArray("trades")).isEmpty();
        assertThat(r.get(2).getJsonObject("order").getString("order_state")).isEqualTo("filled");
        ctx.completeNow();
      })));
  }

  @Test
  void aMarketSellFillsAtTheBidsAndMovesThePosition(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> sell(order("mkt", 10, null)))
      .compose(placed -> client.rpc("private/get_position", new JsonObject().put("instrument_name", BTC))
        .map(position -> List.of(placed, (JsonObject) position)))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonObject order = r.get(0).getJsonObject("order");
        assertThat(order.getString("order_state")).isEqualTo("filled");
        assertThat(order.getString("order_type")).isEqualTo("market");
        assertThat(new BigDecimal(order.getValue("average_price").toString())).isEqualByComparingTo(touch.bid());
        assertThat(new BigDecimal(order.getValue("price").toString())).as("a number: the worst fill price").isEqualByComparingTo(touch.bid());
        assertThat(amount(r.get(1), "size")).isEqualTo(-10);
        assertThat(r.get(1).getString("direction")).isEqualTo("sell");
        ctx.completeNow();
      })));
  }

  @Test
  void postOnlyIsRejectedOrRepricedInsideTheSpread(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> client.call("private/buy", order("po-reject", 10, touch.ask()).put("post_only", true).put("reject_post_only", true)))
      .compose(rejected -> buy(order("po-reprice", 10, touch.ask()).put("post_only", true)).map(repriced -> List.of(rejected, repriced)))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(r.get(0).getJsonObject("error").getInteger("code")).isEqualTo(11054);
        JsonObject order = r.get(1).getJsonObject("order");
        assertThat(order.getString("order_state")).isEqualTo("open");
        assertThat(new BigDecimal(order.getValue("price").toString())).isEqualByComparingTo(touch.ask().subtract(TICK));
        assertThat(r.get(1).getJsonArray("trades")).isEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  void reduceOnlyCannotOpenOrIncreaseAPosition(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> client.call("private/sell", order("ro-open", 10, null).put("reduce_only", true)))
      .compose(open -> buy(order("long", 20, null))
        .compose(b -> client.call("private/sell", order("ro-too-much", 30, null).put("reduce_only", true)))
        .compose(tooMuch -> sell(order("ro-ok", 20, null).put("reduce_only", true))
          .compose(ok -> client.rpc("private/get_position", new JsonObject().put("instrument_name", BTC))
            .map(p -> List.of(open, tooMuch, ok, (JsonObject) p)))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(r.get(0).getJsonObject("error").getInteger("code")).isEqualTo(11030);
        assertThat(r.get(1).getJsonObject("error").getInteger("code")).isEqualTo(11030);
        assertThat(r.get(2).getJsonObject("order").getString("order_state")).isEqualTo("filled");
        assertThat(amount(r.get(3), "size")).isZero();
        ctx.completeNow();
      })));
  }

  @Test
  void cancelAndEditChangeOnlyOpenOrders(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> buy(order("edit-me", 10, touch.bid())))
      .compose(placed -> {
        String id = placed.getJsonObject("order").getString("order_id");
        return client.rpc("private/edit", new JsonObject().put("order_id", id).put("amount", 30).put("price", touch.bid().subtract(TICK)))
          .compose(edited -> client.rpc("private/cancel", new JsonObject().put("order_id", id))
            .compose(cancelled -> client.call("private/cancel", new JsonObject().put("order_id", id))
              .compose(again -> client.call("private/cancel", new JsonObject().put("order_id", "BTC-1"))
                .compose(unknown -> client.rpc("private/edit_by_label", new JsonObject().put("label", "nothing-open")
                    .put("instrument_name", BTC).put("amount", 10).put("price", touch.bid()))
                  .recover(e -> Future.succeededFuture(e.getMessage()))
                  .map(byLabel -> List.of(edited, cancelled, again, unknown, byLabel))))));
      })
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonObject edited = ((JsonObject) r.get(0)).getJsonObject("order");
        assertThat(amount(edited, "amount")).isEqualTo(30);
        assertThat(new BigDecimal(edited.getValue("price").toString())).isEqualByComparingTo(touch.bid().subtract(TICK));
        assertThat(edited.getBoolean("replaced")).isTrue();
        JsonObject cancelled = (JsonObject) r.get(1);
        assertThat(cancelled.getString("order_state")).isEqualTo("cancelled");
        // Never earlier; equal when both happened in one millisecond, as on Deribit.
        assertThat(cancelled.getLong("last_update_timestamp")).isGreaterThanOrEqualTo(edited.getLong("last_update_timestamp"));
        assertThat(((JsonObject) r.get(2)).getJsonObject("error").getInteger("code")).isEqualTo(11044);
        assertThat(((JsonObject) r.get(3)).getJsonObject("error").getInteger("code")).isEqualTo(10004);
        assertThat((String) r.get(4)).contains("10004");
        ctx.completeNow();
      })));
  }

  @Test
  void anEditThatCrossesTheBookFillsAtOnce(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> sell(order("edit-cross", 10, touch.ask().add(TICK))))
      .compose(placed -> client.rpc("private/edit_by_label", new JsonObject().put("label", "edit-cross")
        // post_only false said again: an edit that omits it makes the order post-only (Deribit's default).
        .put("instrument_name", BTC).put("amount", 10).put("price", touch.bid()).put("post_only", false)))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonObject edited = (JsonObject) r;
        assertThat(edited.getJsonObject("order").getString("order_state")).isEqualTo("filled");
        assertThat(edited.getJsonArray("trades").getJsonObject(0).getString("liquidity")).isEqualTo("T");
        ctx.completeNow();
      })));
  }

  @Test
  void getOrderStateByLabelReturnsEveryOrderWithThatLabel(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> buy(order("twice", 10, touch.bid())))
      .compose(first -> sell(order("twice", 10, null)))
      .compose(second -> buy(order("other", 10, touch.bid())))
      .compose(third -> client.rpc("private/get_order_state_by_label", new JsonObject().put("currency", "BTC").put("label", "twice")))
      .compose(byLabel -> client.rpc("private/get_order_state_by_label", new JsonObject().put("currency", "BTC").put("label", "never"))
        .map(none -> List.of((JsonArray) byLabel, (JsonArray) none)))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(r.get(0).stream().map(o -> ((JsonObject) o).getString("order_state"))).containsExactly("open", "filled");
        assertThat(r.get(0).stream().map(o -> ((JsonObject) o).getString("label"))).containsOnly("twice");
        assertThat(r.get(1)).isEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  void userTradesArePagedByTradeSeqInAscendingOrder(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> buy(order("t1", 10, null)))
      .compose(a -> buy(order("t2", 10, null)))
      .compose(b -> buy(order("t3", 10, null)))
      .compose(c -> client.rpc("private/get_user_trades_by_instrument", new JsonObject().put("instrument_name", BTC)
        .put("count", 2).put("sorting", "asc")))
      .compose(page1 -> {
        JsonArray trades = ((JsonObject) page1).getJsonArray("trades");
        long next = trades.getJsonObject(1).getLong("trade_seq") + 1;
        return client.rpc("private/get_user_trades_by_instrument", new JsonObject().put("instrument_name", BTC)
          .put("start_seq", next).put("count", 2).put("sorting", "asc")).map(page2 -> List.of((JsonObject) page1, (JsonObject) page2));
      })
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        JsonArray first = r.get(0).getJsonArray("trades");
        assertThat(first.stream().map(t -> ((JsonObject) t).getString("label"))).containsExactly("t1", "t2");
        assertThat(r.get(0).getBoolean("has_more")).isTrue();
        // Increasing, not consecutive: own trades carry a sparse per-instrument trade_seq, as on Deribit.
        assertThat(first.getJsonObject(1).getLong("trade_seq")).isGreaterThan(first.getJsonObject(0).getLong("trade_seq"));
        assertThat(r.get(1).getJsonArray("trades").stream().map(t -> ((JsonObject) t).getString("label"))).containsExactly("t3");
        assertThat(r.get(1).getBoolean("has_more")).isFalse();
        ctx.completeNow();
      })));
  }

  @Test
  void badOrderParametersAreInvalidParamsNamingTheParameter(Vertx vertx, VertxTestContext ctx) {
    start(vertx)
      .compose(c -> Future.all(List.of(
        client.call("private/buy", order("x".repeat(65), 10, touch.bid())),
        client.call("private/buy", order("tick", 10, touch.bid().add(new BigDecimal("0.25")))),
        client.call("private/buy", order("size", 15, touch.bid())),
        client.call("private/buy", order("tif", 10, touch.bid()).put("time_in_force", "good_til_day")),
        client.call("private/buy", order("unknown", 10, touch.bid()).put("instrument_name", "DOGE-PERPETUAL")))))
      .compose(all -> exchange.privateOrders().map(orders -> {
        ctx.verify(() -> {
          List<String> params = all.<JsonObject>list().stream()
            .map(r -> r.getJsonObject("error").getInteger("code") + " " + r.getJsonObject("error").getJsonObject("data").getString("param"))
            .toList();
          assertThat(params).containsExactly("-32602 label", "-32602 price", "-32602 amount", "-32602 time_in_force", "-32602 instrument_name");
          assertThat(orders).isEmpty();
        });
        return orders;
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
