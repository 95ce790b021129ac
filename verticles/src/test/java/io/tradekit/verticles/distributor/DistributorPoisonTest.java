package io.tradekit.verticles.distributor;

import io.tradekit.redis.GroupConsumer;
import io.tradekit.redis.StreamEntry;
import io.tradekit.supervisor.TradeKit;
import io.tradekit.verticles.distributor.DeadLetters.DeadLetter;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
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
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Poison entries in the middle of full batches: each is dead-lettered exactly once with its
 * reason (and SQLSTATE when PostgreSQL rejected it), the rest of its batch is persisted, and the
 * distributor goes on. Also: a restarted distributor resumes its own pending entries under its
 * stable consumer name.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class DistributorPoisonTest {

  private static final int BATCH = 500;

  static JsonObject distributor(String instrument, long claimIdleMs) {
    return new JsonObject().put("name", "distributor").put("verticle", DistributorService.class.getName())
      .put("uses", new JsonArray().add("postgres").add("redis"))
      .put("config", new JsonObject().put("instruments", new JsonArray().add(instrument)).put("blockMs", 200)
        .put("claimIdleMs", claimIdleMs).put("claimIntervalMs", 200).put("batchSize", BATCH).put("retryDelayMs", 50));
  }

  private static List<String> fields(String instrument, String id, String px, long ts) {
    return List.of("ex", "deribit", "in", instrument, "id", id, "seq", "1", "px", px, "qty", "10", "side", "buy",
      "ts", Long.toString(ts), "rcv", "0");
  }

  private static Future<Long> count(PipelineAccess fx, String sql, Object... params) {
    return fx.pg().pool().preparedQuery(sql).execute(Tuple.wrap(params)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** @return the dead letters of {@code stream} written since {@code fromId}, by original entry id */
  private static Future<Map<String, Map<String, String>>> deadLetters(PipelineAccess fx, String fromId, String stream) {
    return fx.redis().send(Request.cmd(Command.XRANGE).arg(Streams.DEAD_LETTER).arg(fromId).arg("+"), true).map(reply -> {
      Map<String, Map<String, String>> byEntry = new LinkedHashMap<>();
      List<Map<String, String>> all = new ArrayList<>();
      for (int i = 0; i < reply.size(); i++) {
        Response flat = reply.get(i).get(1);
        Map<String, String> f = new HashMap<>();
        for (int k = 0; k + 1 < flat.size(); k += 2) {
          f.put(flat.get(k).toString(), flat.get(k + 1).toString());
        }
        if (stream.equals(f.get("stream"))) {
          all.add(f);
          byEntry.put(f.get("entry"), f);
        }
      }
      if (all.size() != byEntry.size()) {
        throw new AssertionError("an entry was dead-lettered more than once: " + all);
      }
      return byEntry;
    });
  }

  @Test
  void eachPoisonKindInTheMiddleOfAFullBatchIsDeadLetteredOnceAndTheRestPersisted(Vertx vertx, VertxTestContext ctx) {
    String instrument = "PZ-" + UUID.randomUUID().toString().substring(0, 8);
    String stream = Streams.key("deribit", Streams.TRADES, instrument);
    String constraint = "poison_check_" + instrument.substring(3);
    long ts = 1_700_000_000_000L;
    // One poison of each kind, each at position 250 of its own 500-entry batch. The CHECK one
    // passes parsing and only PostgreSQL rejects it (a constraint this test adds).
    List<List<String>> poisons = List.of(
      fields(instrument, instrument + "-ts", "100.5", 9_200_000_000_000_000_000L),
      fields(instrument, instrument + "-nul\u0000x", "100.5", ts),
      fields(instrument, instrument + "-huge", "1E+200000", ts),
      fields(instrument, instrument + "-check", "100.5", ts));
    List<Request> adds = new ArrayList<>();
    for (int b = 0; b < poisons.size(); b++) {
      for (int i = 0; i < BATCH; i++) {
        adds.add(GroupConsumer.xadd(stream, 0, i == BATCH / 2 ? poisons.get(b)
          : fields(instrument, instrument + "-" + b + "-" + i, "100.5", ts + b * BATCH + i)));
      }
    }
    List<Request> later = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      later.add(GroupConsumer.xadd(stream, 0, fields(instrument, instrument + "-later-" + i, "101", ts + 10_000 + i)));
    }
    String fromId = System.currentTimeMillis() + "-0";
    List<String> poisonIds = new ArrayList<>();
    PipelineAccess.open(vertx).compose(fx -> fx.pg().query("ALTER TABLE trades ADD CONSTRAINT " + constraint
          + " CHECK (trade_id <> '" + instrument + "-check') NOT VALID", Tuple.tuple(), false)
        .compose(v -> fx.redis().pipeline(adds, false))
        .map(results -> {
          for (int b = 0; b < poisons.size(); b++) {
            poisonIds.add(results.get(b * BATCH + BATCH / 2).reply().toString());
          }
          return null;
        })
        // Everything is in the stream before the distributor starts, so its reads are the 500-entry batches.
        .compose(v -> TradeKit.start(vertx, PipelineAccess.config(distributor(instrument, 60_000))))
        .compose(kit -> PipelineAccess.eventually(vertx, 40_000, () -> count(fx,
            "SELECT count(*) FROM trades WHERE instrument = $1", instrument).map(n -> n == poisons.size() * (BATCH - 1L)))
          .compose(v -> PipelineAccess.eventually(vertx, 10_000, () -> deadLetters(fx, fromId, stream).map(d -> d.size() == 4)))
          // The distributor goes on: entries written after the poison are persisted.
          .compose(v -> fx.redis().pipeline(later, false))
          .compose(v -> PipelineAccess.eventually(vertx, 20_000, () -> count(fx,
            "SELECT count(*) FROM trades WHERE instrument = $1", instrument).map(n -> n == poisons.size() * (BATCH - 1L) + 100)))
          .compose(v -> kit.stop()))
        .compose(code -> deadLetters(fx, fromId, stream).compose(dead ->
          fx.redis().send(Request.cmd(Command.XPENDING).arg(stream).arg("distributor"), true).compose(pending ->
            count(fx, "SELECT count(*) FROM trades WHERE instrument = $1", instrument).map(n -> {
              ctx.verify(() -> {
                assertThat(code).as("exit code").isZero();
                assertThat(n).as("every other trade persisted").isEqualTo(poisons.size() * (BATCH - 1L) + 100);
                assertThat(pending.get(0).toLong()).as("entries left pending").isZero();
                assertThat(dead.keySet()).as("exactly the poison entries, once each").containsExactlyInAnyOrderElementsOf(poisonIds);
                Map<String, String> tsPoison = dead.get(poisonIds.get(0));
                assertThat(tsPoison.get("stage")).isEqualTo("parse");
                assertThat(tsPoison.get("reason")).startsWith("ts:");
                assertThat(dead.get(poisonIds.get(1)).get("reason")).contains("NUL");
                assertThat(dead.get(poisonIds.get(1)).get("f.id")).as("original fields kept").isEqualTo(instrument + "-nul\u0000x");
                assertThat(dead.get(poisonIds.get(2)).get("reason")).startsWith("px:");
                Map<String, String> checkPoison = dead.get(poisonIds.get(3));
                assertThat(checkPoison.get("stage")).isEqualTo("insert");
                assertThat(checkPoison.get("sqlstate")).as("check_violation").isEqualTo("23514");
                assertThat(checkPoison.get("reason")).contains(constraint);
                assertThat(checkPoison.get("stream")).isEqualTo(stream);
              });
              return null;
            }))))
        .eventually(() -> fx.pg().query("ALTER TABLE trades DROP CONSTRAINT IF EXISTS " + constraint, Tuple.tuple(), false)
          .eventually(fx::close)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anEntryParkedAgainAfterARetryIsDeadLetteredOnlyOnce(Vertx vertx, VertxTestContext ctx) {
    String stream = "md:deribit:trades:PZ-once-" + UUID.randomUUID().toString().substring(0, 8);
    String fromId = System.currentTimeMillis() + "-0";
    StreamEntry entry = new StreamEntry(stream, "1-1", Map.of("px", "abc"));
    PipelineAccess.open(vertx).compose(fx -> {
      DeadLetters letters = new DeadLetters(fx.redis());
      DeadLetter letter = DeadLetter.rejected(entry, "px: expected a decimal");
      // A batch retried after its dead letters were written (its XACK was lost, its process killed).
      return letters.park(List.of(letter)).compose(first -> letters.park(List.of(letter))
          .compose(second -> deadLetters(fx, fromId, stream).map(dead -> {
            ctx.verify(() -> {
              assertThat(first).isEqualTo(1);
              assertThat(second).isZero();
              assertThat(dead).containsOnlyKeys("1-1");
            });
            return null;
          })))
        .eventually(fx::close);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRestartedDistributorResumesItsOwnPendingEntriesUnderItsStableName(Vertx vertx, VertxTestContext ctx) {
    String instrument = "PR-" + UUID.randomUUID().toString().substring(0, 8);
    String stream = Streams.key("deribit", Streams.TRADES, instrument);
    List<Request> adds = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      adds.add(GroupConsumer.xadd(stream, 0, new TradeRecord("deribit", instrument, instrument + "-" + i, i,
        new BigDecimal("100.5"), BigDecimal.TEN, "buy", 1_700_000_000_000L + i).toFields(0)));
    }
    PipelineAccess.open(vertx).compose(fx -> fx.redis().send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream)
          .arg("distributor").arg("0").arg("MKSTREAM"), true)
        .compose(v -> fx.redis().pipeline(adds, false))
        // The previous life of this process read the 50 entries as "distributor-0" (instance 0 of
        // service "distributor") and was killed before persisting them. claimIdleMs is a minute: no
        // claim brings them back within this test; only the stable name does.
        .compose(v -> fx.redis().send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg("distributor").arg("distributor-0")
          .arg("STREAMS").arg(stream).arg(">"), true))
        .compose(v -> TradeKit.start(vertx, PipelineAccess.config(distributor(instrument, 60_000))))
        .compose(kit -> PipelineAccess.eventually(vertx, 15_000, () -> count(fx,
            "SELECT count(*) FROM trades WHERE instrument = $1", instrument).map(n -> n == 50))
          .compose(v -> PipelineAccess.eventually(vertx, 5_000, () -> fx.redis().send(Request.cmd(Command.XPENDING)
            .arg(stream).arg("distributor"), true).map(p -> p.get(0).toLong() == 0)))
          .eventually(kit::stop))
        .eventually(fx::close))
      .onComplete(ctx.succeedingThenComplete());
  }
}
