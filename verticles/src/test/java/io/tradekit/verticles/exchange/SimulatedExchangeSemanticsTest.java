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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exchange's harder semantics, as defaults: history windows (closed orders leave look-ups after
 * 30 minutes, user trades after 24 h unless {@code historical}), equal {@code last_update_timestamp}
 * for two updates in one millisecond, sparse own {@code trade_seq}, and an account that starts with a
 * position, its trade and resting orders. Time is moved with an injected clock, not waited for.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeSemanticsTest {

  private static final String BTC = "BTC-PERPETUAL";
  private static final BigDecimal FAR_BELOW = new BigDecimal("1000");

  private final MovableClock clock = new MovableClock();
  private SimulatedExchange exchange;

  private Future<TestClient> start(Vertx vertx, SimulatedExchangeOptions options) {
    exchange = new SimulatedExchange(options.setClock(clock).setTradesPerSecond(0).setBookChangesPerSecond(0));
    return exchange.start(vertx).compose(port -> TestClient.connect(vertx, port)).compose(c -> c.auth().map(a -> c));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject resting(String label) {
    return new JsonObject().put("instrument_name", BTC).put("amount", 10).put("type", "limit").put("price", FAR_BELOW)
      .put("label", label).put("post_only", false);
  }

  private static JsonObject marketBuy(String label) {
    return new JsonObject().put("instrument_name", BTC).put("amount", 10).put("type", "market").put("label", label);
  }

  private static Future<JsonArray> byLabel(TestClient c, String label) {
    return c.rpc("private/get_order_state_by_label", new JsonObject().put("currency", "BTC").put("label", label))
      .map(r -> (JsonArray) r);
  }

  private static Future<JsonArray> userTrades(TestClient c, boolean historical) {
    return c.rpc("private/get_user_trades_by_instrument", new JsonObject().put("instrument_name", BTC).put("count", 100)
      .put("historical", historical)).map(r -> ((JsonObject) r).getJsonArray("trades"));
  }

  @Test
  void aClosedOrderLeavesLookupsAfterThirtyMinutesAnOpenOneNever(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions()).compose(c -> c.rpc("private/buy", resting("closed"))
      .compose(r -> c.rpc("private/cancel", new JsonObject().put("order_id",
        ((JsonObject) r).getJsonObject("order").getString("order_id"))))
      .compose(cancelled -> c.rpc("private/buy", resting("open")))
      .compose(open -> byLabel(c, "closed").compose(before -> {
        clock.advanceMs(SimulatedExchangeOptions.DEFAULT_CLOSED_ORDER_WINDOW_MS + 1);
        return Future.all(byLabel(c, "closed"), byLabel(c, "open"), c.call("private/get_order_state",
            new JsonObject().put("order_id", ((JsonObject) open).getJsonObject("order").getString("order_id"))))
          .map(after -> {
            ctx.verify(() -> {
              assertThat(before).hasSize(1);
              assertThat((JsonArray) after.resultAt(0)).as("closed order past the window").isEmpty();
              assertThat((JsonArray) after.resultAt(1)).as("open orders are always seen").hasSize(1);
              assertThat(((JsonObject) after.resultAt(2)).containsKey("result")).isTrue();
            });
            return after;
          });
      })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void userTradesOlderThanADayAreOnlyInTheArchive(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions()).compose(c -> c.rpc("private/buy", marketBuy("old"))
      .compose(r -> {
        clock.advanceMs(SimulatedExchangeOptions.DEFAULT_USER_TRADES_WINDOW_MS + 1);
        return c.rpc("private/buy", marketBuy("new"));
      })
      .compose(r -> Future.all(userTrades(c, false), userTrades(c, true)))
      .map(both -> {
        ctx.verify(() -> {
          JsonArray recent = both.resultAt(0);
          JsonArray archive = both.resultAt(1);
          assertThat(recent).isNotEmpty().allSatisfy(t -> assertThat(((JsonObject) t).getString("label")).isEqualTo("new"));
          assertThat(archive).isNotEmpty().allSatisfy(t -> assertThat(((JsonObject) t).getString("label")).isEqualTo("old"));
        });
        return both;
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void twoUpdatesInOneMillisecondCarryTheSameTimestamp(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions()).compose(c -> c.rpc("private/buy", resting("same-ms"))
      .compose(placed -> c.rpc("private/edit", new JsonObject()
          .put("order_id", ((JsonObject) placed).getJsonObject("order").getString("order_id"))
          .put("amount", 20).put("price", FAR_BELOW).put("post_only", false))
        .map(edited -> {
          ctx.verify(() -> {
            JsonObject before = ((JsonObject) placed).getJsonObject("order");
            JsonObject after = ((JsonObject) edited).getJsonObject("order");
            assertThat(after.getValue("amount").toString()).isEqualTo("20.0");
            assertThat(after.getLong("last_update_timestamp")).isEqualTo(before.getLong("last_update_timestamp"));
          });
          return edited;
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void ownTradeSeqsAreIncreasingButSparse(Vertx vertx, VertxTestContext ctx) {
    start(vertx, new SimulatedExchangeOptions()).compose(c -> {
      Future<Object> chain = Future.succeededFuture();
      for (int i = 0; i < 12; i++) {
        String label = "t" + i;
        chain = chain.compose(v -> c.rpc("private/buy", marketBuy(label)));
      }
      return chain.compose(v -> c.rpc("private/get_user_trades_by_instrument", new JsonObject().put("instrument_name", BTC)
        .put("count", 1000).put("sorting", "asc")));
    }).onComplete(ctx.succeeding(page -> ctx.verify(() -> {
      List<Long> seqs = new ArrayList<>();
      ((JsonObject) page).getJsonArray("trades").forEach(t -> seqs.add(((JsonObject) t).getLong("trade_seq")));
      assertThat(seqs).hasSizeGreaterThan(11).isSorted().doesNotHaveDuplicates();
      boolean sparse = false;
      for (int i = 1; i < seqs.size(); i++) {
        sparse |= seqs.get(i) - seqs.get(i - 1) > 1;
      }
      assertThat(sparse).as("own trade_seq skips numbers: %s", seqs).isTrue();
      ctx.completeNow();
    })));
  }

  @Test
  void anOmittedPostOnlyIsTrueAsDeribitsSchemaSaysOnPlacementAndOnEdit(Vertx vertx, VertxTestContext ctx) {
    JsonObject crossing = new JsonObject().put("instrument_name", BTC).put("amount", 10).put("type", "limit")
      .put("price", new BigDecimal("1000000")).put("label", "no-flag");
    start(vertx, new SimulatedExchangeOptions()).compose(c -> c.rpc("private/buy", crossing)
      .compose(placed -> c.rpc("private/buy", resting("plain")).compose(plain -> c.rpc("private/edit", new JsonObject()
          .put("order_id", ((JsonObject) plain).getJsonObject("order").getString("order_id")).put("amount", 20)
          .put("price", FAR_BELOW)))
        .map(edited -> {
          ctx.verify(() -> {
            JsonObject order = ((JsonObject) placed).getJsonObject("order");
            assertThat(order.getBoolean("post_only")).isTrue();
            assertThat(order.getString("order_state")).as("repriced, not filled: %s", order).isEqualTo("open");
            assertThat(((JsonObject) placed).getJsonArray("trades")).isEmpty();
            assertThat(((JsonObject) edited).getJsonObject("order").getBoolean("post_only")).as("edit without post_only").isTrue();
          });
          return edited;
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anAccountCanStartWithAPositionItsTradeAndRestingOrders(Vertx vertx, VertxTestContext ctx) {
    SimulatedExchangeOptions options = new SimulatedExchangeOptions().setAccounts(List.of(new SimulatedExchangeOptions.Account(
      SimulatedExchangeOptions.DEFAULT_CLIENT_ID, SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET,
      SimulatedExchangeOptions.Account.DEFAULT_BALANCES, Map.of(BTC, new BigDecimal("-1000")), 2)));
    start(vertx, options).compose(c -> Future.all(
        c.rpc("private/get_position", new JsonObject().put("instrument_name", BTC)),
        c.rpc("private/get_open_orders", new JsonObject()),
        userTrades(c, false)))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        JsonObject position = all.resultAt(0);
        assertThat(position.getValue("size").toString()).isEqualTo("-1000.0");
        assertThat(position.getString("direction")).isEqualTo("sell");
        assertThat((JsonArray) all.resultAt(1)).hasSize(2);
        assertThat((JsonArray) all.resultAt(2)).hasSize(1);
        ctx.completeNow();
      })));
  }

  @Test
  void aStartingPositionOffTheContractGridFailsTheStartNamingIt(Vertx vertx, VertxTestContext ctx) {
    SimulatedExchangeOptions options = new SimulatedExchangeOptions().setAccounts(List.of(new SimulatedExchangeOptions.Account(
      SimulatedExchangeOptions.DEFAULT_CLIENT_ID, SimulatedExchangeOptions.DEFAULT_CLIENT_SECRET,
      SimulatedExchangeOptions.Account.DEFAULT_BALANCES, Map.of(BTC, new BigDecimal("15")), 0)));
    exchange = new SimulatedExchange(options.setTradesPerSecond(0));
    exchange.start(vertx).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertThat(e).hasMessageContaining("accounts[tradekit-sim].positions.BTC-PERPETUAL").hasMessageContaining("10");
      ctx.completeNow();
    })));
  }
}
