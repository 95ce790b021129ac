package io.tradekit.verticles.strategy;

import io.tradekit.config.ConfigException;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.pipeline.PipelineAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quote strategy under the real supervisor against real Redis (dev services). The test plays
 * the analyzer (it writes the latest-bar hash) and the executor (it reads the intents stream and
 * writes outcomes), so only the fixed stream contract is exercised.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class QuoteStrategyTest {

  private static final String BTC = "BTC-PERPETUAL";
  private static final String ETH = "ETH-PERPETUAL";

  /** One isolated world per test: its own exchange name, so its own streams, hashes and group. */
  private static final class World {
    final String exchange = "qs" + UUID.randomUUID().toString().substring(0, 8);
    PipelineAccess fx;
    TradeKit kit;

    Future<World> open(Vertx vertx) {
      return PipelineAccess.open(vertx).map(f -> {
        fx = f;
        return this;
      });
    }

    Future<World> start(Vertx vertx, JsonObject strategyConfig) {
      return TradeKit.start(vertx, PipelineAccess.config(strategy(strategyConfig))).map(k -> {
        kit = k;
        return this;
      });
    }

    JsonObject strategy(JsonObject extra) {
      JsonObject config = new JsonObject().put("exchange", exchange)
        .put("instruments", new JsonArray().add(BTC))
        .put("tickSizes", new JsonObject().put(BTC, "0.5"))
        .put("quoteAmount", "20").put("spreadBps", "10").put("quoteIntervalMs", 100).put("blockMs", 100)
        .mergeIn(extra);
      return new JsonObject().put("name", "strategy").put("verticle", QuoteStrategy.class.getName())
        .put("uses", new JsonArray().add("redis")).put("config", config);
    }

    Future<Void> writeBar(String instrument, String close) {
      return fx.redis().send(Request.cmd(Command.HSET).arg("latest:" + exchange + ":bar:" + instrument)
        .arg("resolution").arg("1").arg("bucketStartMs").arg(System.currentTimeMillis())
        .arg("open").arg(close).arg("high").arg(close).arg("low").arg(close).arg("close").arg(close)
        .arg("volume").arg("1").arg("trades").arg("1"), false).mapEmpty();
    }

    /** Writes an outcome as the executor would. */
    Future<Void> outcome(String intentId, String type, String status, String orderState) {
      return fx.redis().send(Request.cmd(Command.XADD).arg(Streams.outcomes(exchange)).arg("*")
        .arg("intent_id").arg(intentId).arg("type").arg(type).arg("status").arg(status).arg("order_state").arg(orderState)
        .arg("order_id").arg("order-" + intentId).arg("reason").arg("rejected".equals(status) ? "post_only_reject" : "")
        .arg("filled_amount").arg("filled".equals(status) ? "20" : "0").arg("ts").arg(System.currentTimeMillis()), false)
        .mapEmpty();
    }

    /** @return every intent so far, oldest first */
    Future<List<Map<String, String>>> intents() {
      return fx.redis().send(Request.cmd(Command.XRANGE).arg(Streams.intents(exchange)).arg("-").arg("+"), true)
        .map(World::entries);
    }

    /** @return the intents once there are at least {@code count} */
    Future<List<Map<String, String>>> intents(Vertx vertx, int count) {
      List<List<Map<String, String>>> last = new ArrayList<>();
      return PipelineAccess.eventually(vertx, 20_000, () -> intents().map(list -> {
        last.add(0, list);
        return list.size() >= count;
      })).map(v -> last.get(0));
    }

    static List<Map<String, String>> entries(Response reply) {
      List<Map<String, String>> out = new ArrayList<>();
      for (int i = 0; reply != null && i < reply.size(); i++) {
        Response flat = reply.get(i).get(1);
        Map<String, String> fields = new LinkedHashMap<>();
        for (int f = 0; f + 1 < flat.size(); f += 2) {
          fields.put(flat.get(f).toString(), flat.get(f + 1).toString());
        }
        out.add(fields);
      }
      return out;
    }

    Future<Void> close() {
      Future<Void> stopped = kit == null ? Future.succeededFuture() : kit.stop().mapEmpty();
      return stopped.eventually(() -> fx == null ? Future.<Void>succeededFuture() : fx.close());
    }
  }

  @Test
  void quotesAreWellFormedPostOnlyIntentsOnTheTickGridEitherSideOfTheClose(Vertx vertx, VertxTestContext ctx) {
    World w = new World();
    BigDecimal close = new BigDecimal("50001.00");
    w.open(vertx).compose(x -> w.writeBar(BTC, close.toPlainString()))
      .compose(v -> w.start(vertx, new JsonObject()))
      .compose(x -> w.intents(vertx, 2))
      .onComplete(ctx.succeeding(intents -> ctx.verify(() -> {
        assertThat(intents).hasSize(2);
        Map<String, String> bid = intents.get(0);
        Map<String, String> ask = intents.get(1);
        for (Map<String, String> quote : intents) {
          assertThat(quote.keySet()).containsExactly("type", "intent_id", "instrument", "side", "amount", "order_type",
            "price", "post_only", "reduce_only", "time_in_force");
          assertThat(quote).containsEntry("type", "new").containsEntry("instrument", BTC).containsEntry("amount", "20")
            .containsEntry("order_type", "limit").containsEntry("post_only", "true").containsEntry("reduce_only", "false")
            .containsEntry("time_in_force", "good_til_cancelled");
          assertThat(quote.get("intent_id")).startsWith("tk-q-" + BTC + "-").hasSizeLessThanOrEqualTo(64);
          assertThat(new BigDecimal(quote.get("price")).remainder(new BigDecimal("0.5")).signum()).as("on the 0.5 grid").isZero();
        }
        assertThat(bid.get("intent_id")).isNotEqualTo(ask.get("intent_id"));
        assertThat(bid).containsEntry("side", "buy");
        assertThat(ask).containsEntry("side", "sell");
        // 10 bps of 50001 is 50.001: the bid rounds DOWN from 49950.999, the ask UP from 50051.001
        // (rounding to the nearest tick would give 49951 and 50051, one tick too close to the market).
        assertThat(bid.get("price")).isEqualTo("49950.5");
        assertThat(ask.get("price")).isEqualTo("50051.5");
        assertThat(new BigDecimal(bid.get("price"))).isLessThan(close);
        assertThat(new BigDecimal(ask.get("price"))).isGreaterThan(close);
        ctx.completeNow();
      })))
      .eventually(w::close);
  }

  @Test
  void theNextTickCancelsThePreviousQuotesBeforePlacingNewOnes(Vertx vertx, VertxTestContext ctx) {
    World w = new World();
    w.open(vertx).compose(x -> w.writeBar(BTC, "50000"))
      .compose(v -> w.start(vertx, new JsonObject()))
      .compose(x -> w.intents(vertx, 2))
      .compose(first -> w.outcome(first.get(0).get("intent_id"), "new", "placed", "open")
        .compose(v -> w.outcome(first.get(1).get("intent_id"), "new", "placed", "open"))
        .compose(v -> w.intents(vertx, 6))
        .map(all -> {
          ctx.verify(() -> {
            List<String> firstLabels = List.of(first.get(0).get("intent_id"), first.get(1).get("intent_id"));
            List<Map<String, String>> next = all.subList(2, 6);
            assertThat(next.subList(0, 2)).allSatisfy(c -> {
              assertThat(c.keySet()).containsExactly("type", "intent_id", "target");
              assertThat(c).containsEntry("type", "cancel");
              assertThat(c.get("intent_id")).startsWith("tk-").hasSizeLessThanOrEqualTo(64).isNotIn(firstLabels);
            });
            assertThat(next.subList(0, 2)).extracting(c -> c.get("target")).containsExactlyInAnyOrderElementsOf(firstLabels);
            assertThat(next.subList(2, 4)).allSatisfy(q -> {
              assertThat(q).containsEntry("type", "new");
              assertThat(q.get("intent_id")).isNotIn(firstLabels);
            });
            assertThat(next.subList(2, 4)).extracting(q -> q.get("side")).containsExactly("buy", "sell");
          });
          return all;
        }))
      .onComplete(ctx.succeeding(all -> ctx.completeNow()))
      .eventually(w::close);
  }

  @Test
  void stoppingTheStrategyCancelsEveryQuoteItStillKnowsLive(Vertx vertx, VertxTestContext ctx) {
    World w = new World();
    w.open(vertx).compose(x -> w.writeBar(BTC, "50000"))
      .compose(v -> w.start(vertx, new JsonObject()))
      .compose(x -> w.intents(vertx, 2))
      // The bid is placed; the ask's outcome has not come yet: both may rest at the exchange.
      .compose(first -> w.outcome(first.get(0).get("intent_id"), "new", "placed", "open")
        .compose(v -> w.kit.stop())
        .compose(v -> {
          w.kit = null;
          return w.intents();
        })
        .map(all -> {
          ctx.verify(() -> {
            assertThat(all).hasSize(4);
            assertThat(all.subList(2, 4)).extracting(c -> c.get("type")).containsExactly("cancel", "cancel");
            assertThat(all.subList(2, 4)).extracting(c -> c.get("target"))
              .containsExactlyInAnyOrder(first.get(0).get("intent_id"), first.get(1).get("intent_id"));
          });
          return all;
        }))
      .onComplete(ctx.succeeding(all -> ctx.completeNow()))
      .eventually(w::close);
  }

  @Test
  void rejectedAndFilledQuotesAreNeverCancelledAndOnlyLiveOnesAre(Vertx vertx, VertxTestContext ctx) {
    World w = new World();
    List<String> labels = new ArrayList<>();
    w.open(vertx).compose(x -> w.writeBar(BTC, "50000"))
      .compose(v -> w.start(vertx, new JsonObject()))
      .compose(x -> w.intents(vertx, 2))
      .compose(first -> {
        first.forEach(q -> labels.add(q.get("intent_id")));
        // Bid rejected (post-only would cross), ask placed.
        return w.outcome(labels.get(0), "new", "rejected", "rejected")
          .compose(v -> w.outcome(labels.get(1), "new", "placed", "open"));
      })
      .compose(v -> w.intents(vertx, 5))
      .compose(second -> {
        second.subList(3, 5).forEach(q -> labels.add(q.get("intent_id")));
        // The new bid fills at once; the new ask rests; the first ask's cancel is confirmed.
        return w.outcome(labels.get(2), "new", "filled", "filled")
          .compose(v -> w.outcome(labels.get(3), "new", "placed", "open"))
          .compose(v -> w.outcome(second.get(2).get("intent_id"), "cancel", "cancelled", "cancelled"));
      })
      .compose(v -> w.intents(vertx, 8))
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        assertThat(all.get(2)).containsEntry("type", "cancel").containsEntry("target", labels.get(1));
        assertThat(all.subList(3, 5)).extracting(q -> q.get("type")).containsExactly("new", "new");
        assertThat(all.get(5)).containsEntry("type", "cancel").containsEntry("target", labels.get(3));
        assertThat(all.subList(6, 8)).extracting(q -> q.get("type")).containsExactly("new", "new");
        assertThat(all).filteredOn(i -> "cancel".equals(i.get("type"))).extracting(i -> i.get("target"))
          .as("the rejected bid, the cancelled ask and the filled bid are never cancelled (again)")
          .containsExactly(labels.get(1), labels.get(3));
        ctx.completeNow();
      })))
      .eventually(w::close);
  }

  @Test
  void anInstrumentWithoutABarGetsNoIntentsUntilItsBarAppears(Vertx vertx, VertxTestContext ctx) {
    World w = new World();
    // ETH first: a tick handles it before BTC, so BTC's quotes of a tick prove ETH's turn has passed.
    JsonObject config = new JsonObject().put("instruments", new JsonArray().add(ETH).add(BTC))
      .put("tickSizes", new JsonObject().put(BTC, "0.5").put(ETH, 0.05));
    w.open(vertx).compose(x -> w.writeBar(BTC, "50000"))
      .compose(v -> w.start(vertx, config))
      .compose(x -> w.intents(vertx, 2))
      .compose(first -> w.outcome(first.get(0).get("intent_id"), "new", "placed", "open")
        .compose(v -> w.outcome(first.get(1).get("intent_id"), "new", "placed", "open")))
      // A second BTC round: at least two ticks saw ETH without a bar.
      .compose(v -> w.intents(vertx, 6))
      .compose(twoTicks -> {
        ctx.verify(() -> assertThat(twoTicks).as("no intent for the instrument without a bar")
          .noneMatch(i -> ETH.equals(i.get("instrument")) || i.getOrDefault("target", "").contains(ETH)));
        return w.writeBar(ETH, "3000.01");
      })
      .compose(v -> PipelineAccess.eventually(vertx, 20_000, () -> w.intents()
        .map(all -> all.stream().filter(i -> ETH.equals(i.get("instrument"))).count() == 2)))
      .compose(v -> w.intents())
      .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        List<Map<String, String>> eth = all.stream().filter(i -> ETH.equals(i.get("instrument"))).toList();
        assertThat(eth).extracting(i -> i.get("side")).containsExactly("buy", "sell");
        // 0.05 tick from a JSON number: 10 bps of 3000.01 puts the bid at 2997.00999 → 2997, the ask at 3003.01001 → 3003.05.
        assertThat(eth).extracting(i -> new BigDecimal(i.get("price")))
          .usingElementComparator(BigDecimal::compareTo).containsExactly(new BigDecimal("2997"), new BigDecimal("3003.05"));
        ctx.completeNow();
      })))
      .eventually(w::close);
  }

  @Test
  void aBadConfigKeyFailsTheStartWithAConfigExceptionNamingTheKey(Vertx vertx, VertxTestContext ctx) {
    World w = new World();
    JsonObject config = new JsonObject().put("instruments", new JsonArray().add(BTC).add("SOL_USDC-PERPETUAL"));
    w.open(vertx).compose(x -> w.start(vertx, config))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(ConfigException.class);
        assertThat(((ConfigException) err).path()).isEqualTo("services[strategy].config.tickSizes.SOL_USDC-PERPETUAL");
        ctx.completeNow();
      })))
      .eventually(w::close);
  }
}
