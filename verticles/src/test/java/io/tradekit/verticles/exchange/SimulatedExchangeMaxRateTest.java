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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The "max" trade rate: paced by the client's socket, nothing lost, and exactly what was written arrives. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class SimulatedExchangeMaxRateTest {

  private SimulatedExchange exchange;

  @AfterEach
  void stop(VertxTestContext ctx) {
    (exchange == null ? Future.succeededFuture() : exchange.stop()).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void maxRateDeliversExactlyTheTradesTheListenerAndStatsReport(Vertx vertx, VertxTestContext ctx) {
    Map<String, List<long[]>> written = new HashMap<>();
    Map<String, List<Long>> received = new HashMap<>();
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setTradesPerSecond(SimulatedExchangeOptions.MAX_RATE))
      .tradesWrittenListener((connection, instrument, first, last) -> {
        synchronized (written) {
          written.computeIfAbsent(instrument, k -> new ArrayList<>()).add(new long[] {first, last});
        }
      });
    exchange.start(vertx)
      .compose(port -> TestClient.connect(vertx, port))
      .compose(client -> {
        client.onNotification(f -> {
          JsonArray data = f.object().getJsonObject("params").getJsonArray("data");
          synchronized (received) {
            for (int i = 0; i < data.size(); i++) {
              JsonObject t = data.getJsonObject(i);
              received.computeIfAbsent(t.getString("instrument_name"), k -> new ArrayList<>()).add(t.getLong("trade_seq"));
            }
          }
        });
        return client.subscribe("trades.BTC-PERPETUAL.100ms", "trades.ETH-PERPETUAL.agg2")
          .compose(r -> client.awaitFrame(f -> exchange.tradesSent() >= 20_000))
          .compose(f -> client.call("public/unsubscribe_all", new JsonObject()));
      })
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        ExchangeStats stats = exchange.stats();
        // Generation waits for the socket instead of buffering or skipping.
        assertThat(stats.tradesNotSent()).isZero();
        assertThat(stats.tradesGenerated()).isEqualTo(stats.tradesSent());
        long total = 0;
        synchronized (received) {
          for (Map.Entry<String, List<Long>> e : received.entrySet()) {
            List<Long> seqs = e.getValue();
            List<Long> expected = new ArrayList<>();
            synchronized (written) {
              written.get(e.getKey()).forEach(r -> {
                for (long s = r[0]; s <= r[1]; s++) {
                  expected.add(s);
                }
              });
            }
            assertThat(seqs).as(e.getKey()).isEqualTo(expected);
            assertThat(seqs.get(seqs.size() - 1)).isEqualTo(exchange.lastTradeSeqSent(e.getKey()));
            total += seqs.size();
          }
        }
        assertThat(received).containsOnlyKeys("BTC-PERPETUAL", "ETH-PERPETUAL");
        assertThat(total).isEqualTo(exchange.tradesSent());
        ctx.completeNow();
      })));
  }

  @Test
  void aClientThatStopsReadingStopsGenerationInsteadOfGrowingABuffer(Vertx vertx, VertxTestContext ctx) {
    exchange = new SimulatedExchange(new SimulatedExchangeOptions().setTradesPerSecond(SimulatedExchangeOptions.MAX_RATE));
    exchange.start(vertx)
      .compose(port -> TestClient.connect(vertx, port))
      .compose(client -> client.subscribe("trades.BTC-PERPETUAL.100ms")
        .compose(r -> {
          client.ws.pause();
          // Kernel socket buffers absorb a few MB first; then generation must stop for good.
          return stalledGeneration(vertx, exchange.stats().tradesGenerated(), 40);
        })
        .compose(stalledAt -> after(vertx, 300).map(v -> {
          ctx.verify(() -> {
            assertThat(exchange.stats().tradesGenerated()).as("nothing generated while the client is full").isEqualTo(stalledAt);
            // About 250 bytes a trade: what is in flight is bounded by socket buffers, not by time.
            assertThat(stalledAt).isLessThan(1_000_000);
          });
          client.ws.resume();
          return stalledAt;
        }))
        .compose(stalledAt -> client.awaitFrame(f -> exchange.stats().tradesGenerated() > stalledAt)))
      .onComplete(ctx.succeeding(f -> ctx.verify(() -> {
        assertThat(exchange.stats().tradesNotSent()).isZero();
        ctx.completeNow();
      })));
  }

  /** Completes with the generated count once it stopped changing over 200 ms (fails after {@code tries}). */
  private Future<Long> stalledGeneration(Vertx vertx, long previous, int tries) {
    return after(vertx, 200).compose(v -> {
      long now = exchange.stats().tradesGenerated();
      if (now == previous && now > 0) {
        return Future.succeededFuture(now);
      }
      if (tries == 0) {
        return Future.failedFuture(new AssertionError("generation never stopped for a paused client: " + now));
      }
      return stalledGeneration(vertx, now, tries - 1);
    });
  }

  /** Completes after {@code ms} on a timer; never blocks a thread. */
  private static Future<Void> after(Vertx vertx, long ms) {
    io.vertx.core.Promise<Void> promise = io.vertx.core.Promise.promise();
    vertx.setTimer(ms, t -> promise.complete());
    return promise.future();
  }
}
