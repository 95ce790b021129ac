package io.tradekit.verticles.exchange;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulated exchange's durable account state ({@code stateDir}): what the private API answers
 * after a stop and a start on the same directory, ids after a restart, a restored resting order
 * filling, and the journal's corruption rules. The first exchange has a static book (no trades,
 * no book changes) so every answer is exact.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeStateTest {

  static final String BTC = "BTC-PERPETUAL";

  @TempDir
  Path tmp;
  private Path stateDir;
  /** Where {@link #copyAsAKillLeavesIt(Vertx)} puts the first exchange's files. */
  private Path killedDir;

  private final List<SimulatedExchange> exchanges = new ArrayList<>();

  /** The static book's best prices, read from the snapshot. */
  record Touch(BigDecimal bid, BigDecimal ask) {
  }

  /** The orders placed on the first exchange. */
  record Placed(String restingId, String takerId, String cancelledId, Set<String> tradeIds, long lastTradeSeq) {
  }

  @AfterEach
  void stopAll(VertxTestContext ctx) {
    Future.all(exchanges.stream().map(SimulatedExchange::stop).toList()).onComplete(ctx.succeedingThenComplete());
  }

  @BeforeEach
  void dirs() {
    stateDir = tmp.resolve("state");
    killedDir = tmp.resolve("killed");
  }

  private SimulatedExchangeOptions options(boolean trading) {
    return options(stateDir, trading);
  }

  private static SimulatedExchangeOptions options(Path dir, boolean trading) {
    SimulatedExchangeOptions options = new SimulatedExchangeOptions().setStateDir(dir.toString());
    return trading ? options.setTradesPerSecond(500).setBookChangesPerSecond(50)
      : options.setTradesPerSecond(0).setBookChangesPerSecond(0);
  }

  private Future<TestClient> startAndConnect(Vertx vertx, SimulatedExchangeOptions options) {
    SimulatedExchange exchange = new SimulatedExchange(options);
    exchanges.add(exchange);
    return exchange.start(vertx).compose(port -> TestClient.connect(vertx, port))
      .compose(c -> c.auth().map(a -> c));
  }

  private static Future<Touch> touch(TestClient c) {
    return c.subscribe("book." + BTC + ".100ms").compose(r -> c.awaitFrame(f -> f.channel() != null)).map(snapshot -> {
      JsonObject data = snapshot.object().getJsonObject("params").getJsonObject("data");
      return new Touch(new BigDecimal(data.getJsonArray("bids").getJsonArray(0).getValue(1).toString()),
        new BigDecimal(data.getJsonArray("asks").getJsonArray(0).getValue(1).toString()));
    });
  }

  private static JsonObject limit(String label, long amount, BigDecimal price) {
    return new JsonObject().put("instrument_name", BTC).put("amount", amount).put("label", label).put("type", "limit").put("price", price)
      .put("post_only", false);
  }

  private static Future<JsonObject> place(TestClient c, String method, JsonObject params) {
    return c.rpc(method, params).map(r -> (JsonObject) r);
  }

  /** A resting limit buy, a market buy that fills, a limit sell that is then cancelled. */
  private static Future<Placed> placeThree(TestClient c, Touch touch) {
    return place(c, "private/buy", limit("rest", 10, touch.bid()))
      .compose(rest -> place(c, "private/buy", new JsonObject().put("instrument_name", BTC).put("amount", 20)
        .put("label", "take").put("type", "market"))
        .compose(take -> place(c, "private/sell", limit("gone", 30, touch.ask().add(new BigDecimal(100))))
          .compose(gone -> c.rpc("private/cancel", new JsonObject().put("order_id", gone.getJsonObject("order").getString("order_id")))
            .map(cancelled -> {
              Set<String> tradeIds = new HashSet<>();
              long lastSeq = 0;
              for (Object t : take.getJsonArray("trades")) {
                tradeIds.add(((JsonObject) t).getString("trade_id"));
                lastSeq = Math.max(lastSeq, ((JsonObject) t).getLong("trade_seq"));
              }
              return new Placed(rest.getJsonObject("order").getString("order_id"), take.getJsonObject("order").getString("order_id"),
                gone.getJsonObject("order").getString("order_id"), tradeIds, lastSeq);
            }))));
  }

  /** Every private query the executor relies on, in a fixed order. */
  private static Future<List<Object>> queries(TestClient c, Placed p) {
    List<Future<Object>> answers = new ArrayList<>();
    for (String id : List.of(p.restingId(), p.takerId(), p.cancelledId())) {
      answers.add(c.rpc("private/get_order_state", new JsonObject().put("order_id", id)));
    }
    for (String label : List.of("rest", "take", "gone")) {
      answers.add(c.rpc("private/get_order_state_by_label", new JsonObject().put("label", label).put("currency", "BTC")));
    }
    answers.add(c.rpc("private/get_open_orders_by_instrument", new JsonObject().put("instrument_name", BTC)));
    answers.add(c.rpc("private/get_user_trades_by_instrument", new JsonObject().put("instrument_name", BTC).put("sorting", "asc")));
    answers.add(c.rpc("private/get_positions", new JsonObject().put("currency", "BTC")));
    return Future.all(answers).map(all -> all.list());
  }

  private Future<Void> stopFirst() {
    return exchanges.get(0).stop();
  }

  @Test
  void ordersFillsAndPositionsAnswerExactlyAsBeforeAfterARestart(Vertx vertx, VertxTestContext ctx) {
    List<Object> before = new ArrayList<>();
    Placed[] placed = new Placed[1];
    startAndConnect(vertx, options(false))
      .compose(c -> touch(c).compose(t -> placeThree(c, t)).compose(p -> {
        placed[0] = p;
        return queries(c, p);
      }))
      .compose(answers -> {
        before.addAll(answers);
        return stopFirst();
      })
      .compose(v -> startAndConnect(vertx, options(false)))
      .compose(c -> queries(c, placed[0]).compose(after -> touch(c)
        .compose(t -> place(c, "private/buy", new JsonObject().put("instrument_name", BTC).put("amount", 10).put("type", "market")))
        .map(fresh -> List.of(after, fresh))))
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        @SuppressWarnings("unchecked")
        List<Object> after = (List<Object>) r.get(0);
        assertThat(((JsonArray) before.get(6)).size()).as("one resting order").isEqualTo(1);
        assertThat(((JsonObject) before.get(7)).getJsonArray("trades")).as("the taker's fills").isNotEmpty();
        assertThat(((JsonArray) before.get(8)).getJsonObject(0).getDouble("size")).as("the taker's position").isPositive();
        for (int i = 0; i < before.size(); i++) {
          assertThat(json(after.get(i))).as("answer %d after the restart", i).isEqualTo(json(before.get(i)));
        }
        JsonObject fresh = (JsonObject) r.get(1);
        String freshId = fresh.getJsonObject("order").getString("order_id");
        assertThat(freshId).isNotIn(placed[0].restingId(), placed[0].takerId(), placed[0].cancelledId());
        assertThat(fresh.getJsonArray("trades")).isNotEmpty();
        for (Object t : fresh.getJsonArray("trades")) {
          JsonObject trade = (JsonObject) t;
          assertThat(trade.getString("trade_id")).isNotIn(placed[0].tradeIds());
          assertThat(trade.getLong("trade_seq")).as("trade_seq continues").isGreaterThan(placed[0].lastTradeSeq());
        }
        ctx.completeNow();
      })));
  }

  private static String json(Object value) {
    return value instanceof JsonObject o ? o.encode() : value instanceof JsonArray a ? a.encode() : String.valueOf(value);
  }

  @Test
  void aRestoredRestingOrderStillFills(Vertx vertx, VertxTestContext ctx) {
    String[] ids = new String[2];
    startAndConnect(vertx, options(false))
      .compose(c -> touch(c).compose(t -> place(c, "private/buy", limit("bid", 10, t.bid()))
        .compose(buy -> place(c, "private/sell", limit("ask", 10, t.ask())).map(sell -> {
          ids[0] = buy.getJsonObject("order").getString("order_id");
          ids[1] = sell.getJsonObject("order").getString("order_id");
          return sell;
        }))))
      .compose(v -> stopFirst())
      // Now the market moves: a random walk trades through the bid or the ask soon.
      .compose(v -> startAndConnect(vertx, options(true)))
      .compose(c -> c.privateSubscribe("user.trades." + BTC + ".raw")
        .compose(s -> c.awaitFrame(f -> ("user.trades." + BTC + ".raw").equals(f.channel()))))
      .onComplete(ctx.succeeding(frame -> ctx.verify(() -> {
        JsonObject trade = frame.object().getJsonObject("params").getJsonArray("data").getJsonObject(0);
        assertThat(trade.getString("order_id")).isIn((Object[]) ids);
        assertThat(trade.getString("liquidity")).isEqualTo("M");
        ctx.completeNow();
      })));
  }

  @Test
  void aTruncatedLastJournalLineIsSkipped(Vertx vertx, VertxTestContext ctx) {
    String[] restingId = new String[1];
    startAndConnect(vertx, options(false))
      .compose(c -> touch(c).compose(t -> place(c, "private/buy", limit("rest", 10, t.bid()))))
      .compose(rest -> {
        restingId[0] = rest.getJsonObject("order").getString("order_id");
        // A record cut short by a kill, after the ones the exchange wrote for the order.
        return copyAsAKillLeavesIt(vertx);
      })
      .compose(v -> vertx.executeBlocking(() -> Files.writeString(killedDir.resolve(LedgerJournal.JOURNAL_FILE),
        "{\"seq\":99999,\"type\":\"ord", StandardCharsets.UTF_8, StandardOpenOption.APPEND)))
      .compose(v -> startAndConnect(vertx, options(killedDir, false)))
      .compose(c -> c.rpc("private/get_order_state", new JsonObject().put("order_id", restingId[0])))
      .onComplete(ctx.succeeding(order -> ctx.verify(() -> {
        assertThat(((JsonObject) order).getString("order_state")).isEqualTo("open");
        ctx.completeNow();
      })));
  }

  @Test
  void aCorruptRecordBeforeTheLastLineFailsTheStartNamingTheFile(Vertx vertx, VertxTestContext ctx) {
    startAndConnect(vertx, options(false))
      .compose(c -> touch(c).compose(t -> place(c, "private/buy", limit("rest", 10, t.bid()))))
      .compose(rest -> copyAsAKillLeavesIt(vertx))
      .compose(v -> vertx.executeBlocking(() -> {
        Path journal = killedDir.resolve(LedgerJournal.JOURNAL_FILE);
        List<String> lines = new ArrayList<>(Files.readAllLines(journal, StandardCharsets.UTF_8));
        assertThat(lines).as("the order's records").isNotEmpty();
        lines.add(0, "garbage, not a record");
        return Files.write(journal, lines, StandardCharsets.UTF_8);
      }))
      .compose(v -> {
        SimulatedExchange second = new SimulatedExchange(options(killedDir, false));
        exchanges.add(second);
        return second.start(vertx);
      })
      .onComplete(ctx.failing(e -> ctx.verify(() -> {
        assertThat(e).hasMessageContaining(killedDir.resolve(LedgerJournal.JOURNAL_FILE).toString()).hasMessageContaining("line 1");
        ctx.completeNow();
      })));
  }

  /**
   * Copies the running first exchange's snapshot and journal as they are on disk now, which is what
   * a SIGKILL would leave (no final snapshot): replies go out only after their records are written.
   */
  private Future<Void> copyAsAKillLeavesIt(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      Files.createDirectories(killedDir);
      for (String name : List.of(LedgerJournal.SNAPSHOT_FILE, LedgerJournal.JOURNAL_FILE)) {
        Files.copy(stateDir.resolve(name), killedDir.resolve(name));
      }
      return null;
    });
  }
}
