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
    JsonObject instruments = stats().getJsonObject("instruments", new JsonObject());
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
