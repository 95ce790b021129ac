package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of one {@link SimulatedExchange}: what was generated and what was actually WRITTEN to
 * client sockets, so end-to-end tests and benchmarks can check exact delivery.
 *
 * <p>Written only on the exchange's event-loop context; readable from any thread (atomics), e.g.
 * by a test thread or {@code GET /admin/stats}.
 */
public final class ExchangeStats {

  /** Per-instrument trade delivery counters. */
  static final class InstrumentCounters {
    final AtomicLong tradesSent = new AtomicLong();
    final AtomicLong firstTradeSeqSent = new AtomicLong(-1);
    final AtomicLong lastTradeSeqSent = new AtomicLong(-1);
    final AtomicLong firstTradeSeqGenerated = new AtomicLong(-1);
    final AtomicLong lastTradeSeqGenerated = new AtomicLong(-1);
  }

  final AtomicLong connectionsOpen = new AtomicLong();
  final AtomicLong connectionsTotal = new AtomicLong();
  final AtomicLong requests = new AtomicLong();
  final AtomicLong errorsSent = new AtomicLong();
  final AtomicLong tradesGenerated = new AtomicLong();
  final AtomicLong tradesSent = new AtomicLong();
  final AtomicLong tradesNotSent = new AtomicLong();
  final AtomicLong tradesWithheld = new AtomicLong();
  final AtomicLong bookChangesSent = new AtomicLong();
  final AtomicLong bookChangesSkipped = new AtomicLong();
  final AtomicLong heartbeatsSent = new AtomicLong();
  final AtomicLong testRequestsSent = new AtomicLong();
  final AtomicLong testRequestsAnswered = new AtomicLong();
  final AtomicLong heartbeatTimeouts = new AtomicLong();
  final AtomicLong garbageFramesSent = new AtomicLong();
  final AtomicLong faultsInjected = new AtomicLong();
  /** Orders the private API accepted (private/buy|sell that created an order). */
  final AtomicLong ordersAccepted = new AtomicLong();
  /** Accepted orders whose reply was never sent (order_reply_lost, order_disconnect). */
  final AtomicLong orderRepliesWithheld = new AtomicLong();
  /** Orders lost before the matching engine (order_lost): never placed, never answered. */
  final AtomicLong ordersLost = new AtomicLong();
  /** Orders answered with an ambiguous error although placed (order_ambiguous_error). */
  final AtomicLong ordersAmbiguous = new AtomicLong();
  /** Accepted orders whose reply was sent late (order_reply_delay). */
  final AtomicLong orderRepliesDelayed = new AtomicLong();
  private final Map<String, InstrumentCounters> instruments = new ConcurrentHashMap<>();

  ExchangeStats() {
  }

  InstrumentCounters instrument(String name) {
    return instruments.computeIfAbsent(name, n -> new InstrumentCounters());
  }

  /** Records that trades {@code firstSeq..lastSeq} of {@code instrument} were generated. */
  void tradesGenerated(String instrument, int count, long firstSeq, long lastSeq) {
    tradesGenerated.addAndGet(count);
    InstrumentCounters c = instrument(instrument);
    c.firstTradeSeqGenerated.compareAndSet(-1, firstSeq);
    c.lastTradeSeqGenerated.accumulateAndGet(lastSeq, Math::max);
  }

  /** Records that trades with sequence numbers {@code firstSeq..lastSeq} were written to a socket. */
  void tradesWritten(String instrument, int count, long firstSeq, long lastSeq) {
    tradesSent.addAndGet(count);
    InstrumentCounters c = instrument(instrument);
    c.tradesSent.addAndGet(count);
    c.firstTradeSeqSent.compareAndSet(-1, firstSeq);
    c.lastTradeSeqSent.accumulateAndGet(lastSeq, Math::max);
  }

  public long connectionsOpen() {
    return connectionsOpen.get();
  }

  public long connectionsTotal() {
    return connectionsTotal.get();
  }

  /** @return trades written to client sockets, summed over connections and instruments */
  public long tradesSent() {
    return tradesSent.get();
  }

  /** @return trades of {@code instrument} written to client sockets (summed over connections) */
  public long tradesSent(String instrument) {
    InstrumentCounters c = instruments.get(instrument);
    return c == null ? 0 : c.tradesSent.get();
  }

  /** @return the highest trade_seq of {@code instrument} written to any socket, or -1 */
  public long lastTradeSeqSent(String instrument) {
    InstrumentCounters c = instruments.get(instrument);
    return c == null ? -1 : c.lastTradeSeqSent.get();
  }

  /** @return the first trade_seq of {@code instrument} written to any socket, or -1 */
  public long firstTradeSeqSent(String instrument) {
    InstrumentCounters c = instruments.get(instrument);
    return c == null ? -1 : c.firstTradeSeqSent.get();
  }

  /** @return the first trade_seq of {@code instrument} generated (sent or not), or -1 */
  public long firstTradeSeqGenerated(String instrument) {
    InstrumentCounters c = instruments.get(instrument);
    return c == null ? -1 : c.firstTradeSeqGenerated.get();
  }

  /** @return the last trade_seq of {@code instrument} generated (sent or not), or -1 */
  public long lastTradeSeqGenerated(String instrument) {
    InstrumentCounters c = instruments.get(instrument);
    return c == null ? -1 : c.lastTradeSeqGenerated.get();
  }

  /** @return trades generated but withheld from every socket by the withhold fault */
  public long tradesWithheld() {
    return tradesWithheld.get();
  }

  public long tradesGenerated() {
    return tradesGenerated.get();
  }

  /** @return trade deliveries skipped because a socket was stalled, silenced or its write queue full */
  public long tradesNotSent() {
    return tradesNotSent.get();
  }

  public long bookChangesSent() {
    return bookChangesSent.get();
  }

  public long bookChangesSkipped() {
    return bookChangesSkipped.get();
  }

  public long heartbeatsSent() {
    return heartbeatsSent.get();
  }

  public long testRequestsSent() {
    return testRequestsSent.get();
  }

  public long testRequestsAnswered() {
    return testRequestsAnswered.get();
  }

  public long heartbeatTimeouts() {
    return heartbeatTimeouts.get();
  }

  public long garbageFramesSent() {
    return garbageFramesSent.get();
  }

  public long requests() {
    return requests.get();
  }

  public long errorsSent() {
    return errorsSent.get();
  }

  public long faultsInjected() {
    return faultsInjected.get();
  }

  /** @return every counter as JSON, the body of {@code GET /admin/stats} */
  public JsonObject toJson() {
    JsonObject perInstrument = new JsonObject();
    new TreeMap<>(instruments).forEach((name, c) -> perInstrument.put(name, new JsonObject()
      .put("tradesSent", c.tradesSent.get())
      .put("firstTradeSeqSent", c.firstTradeSeqSent.get())
      .put("lastTradeSeqSent", c.lastTradeSeqSent.get())
      .put("firstTradeSeqGenerated", c.firstTradeSeqGenerated.get())
      .put("lastTradeSeqGenerated", c.lastTradeSeqGenerated.get())));
    return new JsonObject()
      .put("connectionsOpen", connectionsOpen.get())
      .put("connectionsTotal", connectionsTotal.get())
      .put("requests", requests.get())
      .put("errorsSent", errorsSent.get())
      .put("tradesGenerated", tradesGenerated.get())
      .put("tradesSent", tradesSent.get())
      .put("tradesNotSent", tradesNotSent.get())
      .put("tradesWithheld", tradesWithheld.get())
      .put("bookChangesSent", bookChangesSent.get())
      .put("bookChangesSkipped", bookChangesSkipped.get())
      .put("heartbeatsSent", heartbeatsSent.get())
      .put("testRequestsSent", testRequestsSent.get())
      .put("testRequestsAnswered", testRequestsAnswered.get())
      .put("heartbeatTimeouts", heartbeatTimeouts.get())
      .put("garbageFramesSent", garbageFramesSent.get())
      .put("faultsInjected", faultsInjected.get())
      .put("ordersAccepted", ordersAccepted.get())
      .put("orderRepliesWithheld", orderRepliesWithheld.get())
      .put("ordersLost", ordersLost.get())
      .put("ordersAmbiguous", ordersAmbiguous.get())
      .put("orderRepliesDelayed", orderRepliesDelayed.get())
      .put("instruments", perInstrument);
  }
}
