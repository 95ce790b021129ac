package io.tradekit.verticles.strategy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link QuoteStrategy} knows about its own quotes: every quote it wrote an intent for and has
 * not yet seen closed, and which cancel intent targets which quote. Only the executor's outcomes
 * close a quote, so a quote counts against {@code maxOpenQuotes} from the moment its intent is
 * written until its terminal outcome (cancel-requested quotes included: they may still fill).
 *
 * <p>Bounded: the strategy adds quotes only while fewer than {@code maxOpenQuotes} are live, and a
 * quote carries at most {@link #MAX_CANCEL_ATTEMPTS} cancel intents before it is given up (logged).
 * Used only on the strategy's verticle context.
 */
final class QuoteBook {

  enum State { SENT, OPEN, CANCELLING }

  /** A quote's side and lifecycle; {@code lastIntentAtMs} is when its last new or cancel intent was written. */
  static final class Quote {
    final String label;
    final String instrument;
    final String side;
    State state = State.SENT;
    long lastIntentAtMs;
    int cancelAttempts;
    final List<String> cancelIds = new ArrayList<>();

    Quote(String label, String instrument, String side, long sentAtMs) {
      this.label = label;
      this.instrument = instrument;
      this.side = side;
      this.lastIntentAtMs = sentAtMs;
    }
  }

  /** After this many cancels without a terminal outcome a quote is forgotten (an operator looks at it). */
  static final int MAX_CANCEL_ATTEMPTS = 3;
  /** Order states and outcome statuses after which an order can neither rest nor fill any more. */
  private static final Set<String> TERMINAL = Set.of("filled", "cancelled", "rejected", "expired");
  private static final Logger LOG = LoggerFactory.getLogger(QuoteBook.class);

  private final Map<String, Quote> quotes = new LinkedHashMap<>();
  private final Map<String, String> labelByCancelId = new HashMap<>();

  /** @return quotes written and not yet known to be closed */
  int live() {
    return quotes.size();
  }

  /** Records a quote BEFORE its intent is written: if the write's outcome is unknown, it is cancelled later. */
  void sent(String label, String instrument, String side, long nowMs) {
    quotes.put(label, new Quote(label, instrument, side, nowMs));
  }

  /** @return whether a quote of {@code instrument} still waits for its first outcome (not timed out) */
  boolean awaitingOutcome(String instrument, long nowMs, long timeoutMs) {
    return quotes.values().stream().anyMatch(q -> q.instrument.equals(instrument) && q.state == State.SENT
      && nowMs - q.lastIntentAtMs < timeoutMs);
  }

  /**
   * @return the quotes of {@code instrument} to cancel now: open ones, ones that never got an outcome,
   *     and ones whose cancel got no outcome within {@code timeoutMs}; quotes out of cancel attempts are dropped
   */
  List<Quote> toCancel(String instrument, long nowMs, long timeoutMs) {
    List<Quote> out = new ArrayList<>();
    for (Quote q : new ArrayList<>(quotes.values())) {
      if (!q.instrument.equals(instrument)
        || (q.state == State.CANCELLING && nowMs - q.lastIntentAtMs < timeoutMs)) {
        continue;
      }
      if (q.cancelAttempts >= MAX_CANCEL_ATTEMPTS) {
        LOG.warn("event=strategy.quote_abandoned label={} instrument={} cancelAttempts={}: no cancel confirmed, "
          + "check the order at the exchange", q.label, q.instrument, q.cancelAttempts);
        remove(q);
      } else {
        out.add(q);
      }
    }
    return out;
  }

  /** Records a cancel intent for {@code q} (also after an ambiguous write: its outcome may still come). */
  void cancelRequested(Quote q, String cancelId, long nowMs) {
    q.state = State.CANCELLING;
    q.lastIntentAtMs = nowMs;
    q.cancelAttempts++;
    q.cancelIds.add(cancelId);
    labelByCancelId.put(cancelId, q.label);
  }

  /** Applies one outcome entry; outcomes of intents that are not ours (or long closed) are ignored. */
  void apply(Map<String, String> outcome) {
    String intentId = outcome.get("intent_id");
    if (intentId == null) {
      return;
    }
    String status = outcome.getOrDefault("status", "");
    String orderState = outcome.getOrDefault("order_state", "");
    String cancelled = labelByCancelId.get(intentId);
    if (cancelled != null) {
      Quote q = quotes.get(cancelled);
      if (q == null) {
        labelByCancelId.remove(intentId);
      } else if (TERMINAL.contains(orderState) || "cancelled".equals(status)) {
        remove(q);
      } else if ("rejected".equals(status) && q.state == State.CANCELLING) {
        // Not cancelled (e.g. rate limited): the next tick cancels it again, up to MAX_CANCEL_ATTEMPTS.
        LOG.info("event=strategy.cancel_rejected label={} reason={}", q.label, outcome.get("reason"));
        q.state = State.OPEN;
      }
      return;
    }
    Quote q = quotes.get(intentId);
    if (q == null) {
      return;
    }
    if (TERMINAL.contains(status) || TERMINAL.contains(orderState)) {
      if ("rejected".equals(status)) {
        LOG.info("event=strategy.quote_rejected label={} instrument={} side={} reason={}", q.label, q.instrument,
          q.side, outcome.get("reason"));
      }
      remove(q);
    } else if (q.state == State.SENT) {
      q.state = State.OPEN;
    }
  }

  /** @return every live quote (for the cancels written on stop) */
  List<Quote> all() {
    return new ArrayList<>(quotes.values());
  }

  private void remove(Quote q) {
    quotes.remove(q.label);
    q.cancelIds.forEach(labelByCancelId::remove);
  }
}
