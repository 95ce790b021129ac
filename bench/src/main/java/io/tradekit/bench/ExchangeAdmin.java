package io.tradekit.bench;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The simulated exchange's own record of what it sent ({@code GET /admin/stats}: trades written to
 * sockets, first and last trade_seq per instrument) and the fault used to end a load window
 * ({@code silence} on every trade channel). Main thread.
 */
final class ExchangeAdmin {

  private final int port;

  ExchangeAdmin(int port) {
    this.port = port;
  }

  JsonObject stats() throws Exception {
    return Http.getJson(port, "/admin/stats");
  }

  long tradesSent() throws Exception {
    return stats().getLong("tradesSent");
  }

  /** @return per instrument the stats field {@code field}, e.g. {@code lastTradeSeqSent} (-1 when none) */
  Map<String, Long> perInstrument(String field) throws Exception {
    return perInstrument(stats(), field);
  }

  /**
   * @param stats one {@code /admin/stats} reply: the exchange builds it on the event loop that also
   *     sends, so its counters are one consistent snapshot
   */
  static Map<String, Long> perInstrument(JsonObject stats, String field) {
    JsonObject instruments = stats.getJsonObject("instruments", new JsonObject());
    Map<String, Long> values = new LinkedHashMap<>();
    for (String instrument : BenchContext.INSTRUMENTS) {
      JsonObject c = instruments.getJsonObject(instrument);
      values.put(instrument, c == null ? -1L : c.getLong(field));
    }
    return values;
  }

  /**
   * Ends the load window: every trade channel silenced, then waits until {@code tradesSent} holds
   * still (what was queued on the exchange's event loop is written).
   *
   * @return trades sent in total, stable
   */
  long silenceTradesAndSettle() throws Exception {
    for (String instrument : BenchContext.INSTRUMENTS) {
      Http.post(port, "/admin/faults", new JsonObject().put("type", "silence").put("durationMs", 3_600_000)
        .put("channel", "trades." + instrument + ".100ms"));
    }
    return settle();
  }

  /**
   * Ends a max-rate window: the {@code stall} fault makes every connection unwritable to the
   * generator, so at max rate it stops GENERATING (a silenced channel would still be generated
   * and discarded as fast as one core allows, taking CPU from the receiver's catch-up), while what
   * the exchange already queued is still flushed to the socket. Heartbeats stop too: a catch-up
   * longer than the receiver's stall limit (3 × 10 s by default) ends in a reconnect, and the
   * trades still unread are then reported as never stored.
   *
   * @return trades sent in total, stable
   */
  long stallAndSettle() throws Exception {
    Http.post(port, "/admin/faults", new JsonObject().put("type", "stall").put("durationMs", 3_600_000));
    return settle();
  }

  private long settle() throws Exception {
    long previous = -1;
    long now = tradesSent();
    while (now != previous) {
      Thread.sleep(200); // harness thread: lets the exchange's event loop write out what it queued
      previous = now;
      now = tradesSent();
    }
    return now;
  }
}
