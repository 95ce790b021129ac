package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated exchange's records of the private API: every accepted order (by id and by
 * label), every own fill with its per-instrument, sparse {@code trade_seq}, and the positions
 * derived from the fills. What {@code private/get_*} answer and what {@code /admin/private/*}
 * show tests, so an executor's tables can be compared with the exchange's own truth.
 *
 * <p>Bounded by {@code privateHistorySize}: beyond it the oldest CLOSED order is forgotten (open
 * orders never are) and, separately, the oldest fill (positions keep counting it). About 1 KB per
 * record. Used only on the exchange's context.
 */
final class PrivateLedger {

  /** A position of one account in one instrument, from its fills. */
  static final class Position {
    final String account;
    final String instrument;
    long size;
    BigDecimal averagePrice = BigDecimal.ZERO;
    /** P&L of the closed part of the position, in its settlement currency (see {@link PrivateQueries#pnl}). */
    BigDecimal realizedPl = BigDecimal.ZERO;

    Position(String account, String instrument) {
      this.account = account;
      this.instrument = instrument;
    }

    /** Adds a fill: the average is amount-weighted while the position grows, kept while it shrinks, the fill price after a flip. */
    void apply(boolean buy, long amount, BigDecimal price) {
      long delta = buy ? amount : -amount;
      long before = size;
      if (before != 0 && Long.signum(before) != Long.signum(delta)) {
        long closed = Math.min(Math.abs(before), amount);
        realizedPl = realizedPl.add(PrivateQueries.pnl(instrument, before > 0, closed, averagePrice, price));
      }
      size += delta;
      if (before == 0 || Long.signum(before) == Long.signum(delta)) {
        averagePrice = averagePrice.multiply(BigDecimal.valueOf(Math.abs(before))).add(price.multiply(BigDecimal.valueOf(amount)))
          .divide(BigDecimal.valueOf(Math.abs(size)), 8, RoundingMode.HALF_EVEN).stripTrailingZeros();
      } else if (size == 0) {
        averagePrice = BigDecimal.ZERO;
      } else if (Long.signum(size) != Long.signum(before)) {
        averagePrice = price;
      }
    }

    /** @return the position for the state directory: the average price as its exact decimal string */
    JsonObject toState() {
      return new JsonObject().put("account", account).put("instrument", instrument).put("size", size)
        .put("averagePrice", averagePrice.toString());
    }

    /** @throws IllegalArgumentException naming the state when a field is missing or of the wrong type */
    static Position fromState(JsonObject state) {
      try {
        Position p = new Position(state.getString("account"), state.getString("instrument"));
        if (p.account == null || p.instrument == null) {
          throw new NullPointerException("account or instrument");
        }
        p.size = state.getLong("size");
        // new BigDecimal(toString()) keeps the exact unscaled value and scale: the same JSON as before.
        p.averagePrice = new BigDecimal(state.getString("averagePrice"));
        return p;
      } catch (NullPointerException | ClassCastException | NumberFormatException e) {
        throw new IllegalArgumentException("position state: a field is missing or of the wrong type (" + e + ") in " + state.encode(), e);
      }
    }

    /**
     * The Deribit position object. The simulator has no margin model: margins, delta, liquidation
     * price and realized P&L are 0; mark and index price are the average price here and the live
     * price in {@link PrivateApi}'s answers, with the floating P&L from it.
     */
    JsonObject toJson() {
      InstrumentSpec spec = InstrumentSpec.of(instrument);
      BigDecimal zero = BigDecimal.ZERO;
      return new JsonObject()
        .put("instrument_name", instrument)
        .put("kind", "future")
        .put("size", spec.amount(size))
        .put("direction", size > 0 ? "buy" : size < 0 ? "sell" : "zero")
        .put("average_price", averagePrice)
        .put("mark_price", averagePrice)
        .put("index_price", averagePrice)
        .put("delta", zero)
        .put("initial_margin", zero)
        .put("maintenance_margin", zero)
        .put("open_orders_margin", zero)
        .put("settlement_price", averagePrice)
        .put("estimated_liquidation_price", zero)
        .put("floating_profit_loss", zero)
        .put("realized_profit_loss", zero)
        .put("total_profit_loss", zero)
        .put("leverage", 1);
    }
  }

  private final int historySize;
  /** Start-time based: ids and trade_seq of a restarted exchange never repeat the previous run's. */
  private final long idBase;
  private long orderCounter;
  private long tradeCounter;
  private final LinkedHashMap<String, Order> orders = new LinkedHashMap<>();
  private final Map<String, Map<String, List<Order>>> byLabel = new HashMap<>();
  private final ArrayDeque<Fill> fills = new ArrayDeque<>();
  private final Map<String, ArrayDeque<Fill>> fillsByKey = new HashMap<>();
  private final Map<String, Long> lastTradeSeq = new HashMap<>();
  private final Map<String, Position> positions = new LinkedHashMap<>();
  /** Fees paid per account and settlement currency (key {@code account\ncurrency}), over all fills ever. */
  private final Map<String, BigDecimal> feesPaid = new HashMap<>();

  PrivateLedger(int historySize, long startMs) {
    this.historySize = historySize;
    this.idBase = startMs * 1000;
  }

  /** The account part of the per-instrument trade_seq counter's key (shared by all accounts). */
  private static final String ALL_ACCOUNTS = "";

  /** SplitMix64's finalizer: a cheap, well-mixed hash (the trade_seq gaps). */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static String key(String account, String instrument) {
    return account + '\n' + instrument;
  }

  /** @return a new order id, Deribit-like: {@code <currency>-<number>} */
  String newOrderId(String instrument) {
    return InstrumentSpec.of(instrument).currency + "-" + (idBase + ++orderCounter);
  }

  /** @return the acceptance counter, the time priority of resting orders */
  long nextPriority() {
    return orderCounter;
  }

  void accepted(Order order) {
    orders.put(order.orderId, order);
    byLabel.computeIfAbsent(order.account, a -> new HashMap<>())
      .computeIfAbsent(order.label, l -> new ArrayList<>(1)).add(order);
    if (orders.size() > historySize) {
      forgetOldestClosed();
    }
  }

  private void forgetOldestClosed() {
    for (Iterator<Order> it = orders.values().iterator(); it.hasNext(); ) {
      Order o = it.next();
      if (!o.isOpen()) {
        it.remove();
        Map<String, List<Order>> labels = byLabel.get(o.account);
        List<Order> list = labels.get(o.label);
        list.remove(o);
        if (list.isEmpty()) {
          labels.remove(o.label);
        }
        return;
      }
    }
  }

  /** @return the account's order {@code orderId}, or null (unknown, another account's, or forgotten) */
  Order order(String account, String orderId) {
    Order o = orders.get(orderId);
    return o != null && o.account.equals(account) ? o : null;
  }

  /** @return the account's orders with {@code label}, oldest first (empty when none) */
  List<Order> byLabel(String account, String label) {
    return byLabel.getOrDefault(account, Map.of()).getOrDefault(label, List.of());
  }

  Collection<Order> orders() {
    return orders.values();
  }

  /** Records a fill of {@code order} (already applied to it) and updates the position. */
  Fill fill(Order order, long amount, long priceTicks, boolean maker, long nowMs) {
    String key = key(order.account, order.instrument);
    // Deribit's own trades carry the instrument's public trade_seq: shared by every account and
    // interleaved with other people's trades, so one account's sequence is sparse. Modelled as one
    // counter per instrument that skips 0-3 numbers (deterministically) before each own trade.
    long gap = Long.remainderUnsigned(mix(idBase + tradeCounter), 4);
    long seq = lastTradeSeq.merge(key(ALL_ACCOUNTS, order.instrument), idBase + 1 + gap, (old, first) -> old + 1 + gap);
    Fill fill = new Fill("u" + (idBase + ++tradeCounter), seq, order, amount, priceTicks, maker, nowMs);
    fills.add(fill);
    fillsByKey.computeIfAbsent(key, k -> new ArrayDeque<>()).add(fill);
    position(order.account, order.instrument).apply(order.buy, amount, order.price(priceTicks));
    feesPaid.merge(order.account + '\n' + order.spec.currency, fill.fee(), BigDecimal::add);
    if (fills.size() > historySize) {
      Fill oldest = fills.poll();
      // Fills are appended in one global order, so the globally oldest heads its own queue too.
      fillsByKey.get(key(oldest.account, oldest.instrument)).poll();
    }
    return fill;
  }

  private Position position(String account, String instrument) {
    return positions.computeIfAbsent(key(account, instrument), k -> new Position(account, instrument));
  }

  /** @return every fill kept, oldest first (read only) */
  Collection<Fill> fills() {
    return fills;
  }

  /** @return the fills kept of the account in {@code instrument}, oldest first (read only) */
  Collection<Fill> fills(String account, String instrument) {
    return fillsByKey.getOrDefault(key(account, instrument), new ArrayDeque<>());
  }

  /** @return the account's position in {@code instrument}, or null when it never traded it */
  Position existingPosition(String account, String instrument) {
    return positions.get(key(account, instrument));
  }

  /** @return every fee the account paid in {@code currency}, including forgotten fills */
  BigDecimal feesPaid(String account, String currency) {
    return feesPaid.getOrDefault(account + '\n' + currency, BigDecimal.ZERO);
  }

  /** @return the signed position size (buy positive) of the account in {@code instrument} */
  long positionSize(String account, String instrument) {
    Position p = positions.get(key(account, instrument));
    return p == null ? 0 : p.size;
  }

  /** @return the Deribit position object (size 0 when the account never traded {@code instrument}) */
  JsonObject positionJson(String account, String instrument) {
    Position p = positions.get(key(account, instrument));
    return (p == null ? new Position(account, instrument) : p).toJson();
  }

  /**
   * {@code private/get_user_trades_by_instrument}: the account's fills of {@code instrument} with
   * {@code startSeq <= trade_seq <= endSeq}, at most {@code count}, oldest first when
   * {@code ascending} (newest first otherwise), and whether more of the range remain.
   */
  JsonObject userTrades(String account, String instrument, long startSeq, long endSeq, int count, boolean ascending) {
    return userTrades(account, instrument, startSeq, endSeq, Long.MIN_VALUE, Long.MAX_VALUE, count, ascending);
  }

  /** As above, also bounded by {@code startMs <= timestamp <= endMs} (both inclusive, ms). */
  JsonObject userTrades(String account, String instrument, long startSeq, long endSeq, long startMs, long endMs,
                        int count, boolean ascending) {
    return userTrades(account, instrument, startSeq, endSeq, startMs, endMs, count, ascending, ts -> true);
  }

  /** As above, only fills whose timestamp {@code visible} accepts (the history window). */
  JsonObject userTrades(String account, String instrument, long startSeq, long endSeq, long startMs, long endMs,
                        int count, boolean ascending, java.util.function.LongPredicate visible) {
    List<Fill> matching = new ArrayList<>();
    ArrayDeque<Fill> all = fillsByKey.getOrDefault(key(account, instrument), new ArrayDeque<>());
    Iterator<Fill> it = ascending ? all.iterator() : all.descendingIterator();
    boolean more = false;
    while (it.hasNext()) {
      Fill f = it.next();
      if (f.tradeSeq < startSeq || f.tradeSeq > endSeq || f.timestampMs < startMs || f.timestampMs > endMs
        || !visible.test(f.timestampMs)) {
        continue;
      }
      if (matching.size() == count) {
        more = true;
        break;
      }
      matching.add(f);
    }
    JsonArray trades = new JsonArray();
    matching.forEach(f -> trades.add(f.toJson()));
    return new JsonObject().put("trades", trades).put("has_more", more);
  }

  /** @return {@code GET /admin/private/orders}: every order kept, oldest first, with its account */
  JsonArray ordersJson(String accountOrNull) {
    JsonArray array = new JsonArray();
    for (Order o : orders.values()) {
      if (accountOrNull == null || accountOrNull.equals(o.account)) {
        array.add(o.toJson().put("account", o.account));
      }
    }
    return array;
  }

  /** @return {@code GET /admin/private/fills}: every fill kept, oldest first, with its account */
  JsonArray fillsJson(String accountOrNull) {
    JsonArray array = new JsonArray();
    for (Fill f : fills) {
      if (accountOrNull == null || accountOrNull.equals(f.account)) {
        array.add(f.toJson().put("account", f.account));
      }
    }
    return array;
  }

  /** @return {@code GET /admin/private/positions}: every position that has had a fill, with its account */
  JsonArray positionsJson(String accountOrNull) {
    JsonArray array = new JsonArray();
    for (Position p : positions.values()) {
      if (accountOrNull == null || accountOrNull.equals(p.account)) {
        array.add(p.toJson().put("account", p.account));
      }
    }
    return array;
  }
  // ---- Persistence hooks (LedgerJournal): state out, state back in, nothing else. ----

  /** @return every position that has had a fill (for a snapshot) */
  Collection<Position> positions() {
    return positions.values();
  }

  /** @return the state of the account's position in {@code instrument} (size 0 when it never traded) */
  JsonObject positionState(String account, String instrument) {
    Position p = positions.get(key(account, instrument));
    return (p == null ? new Position(account, instrument) : p).toState();
  }

  /**
   * @return the counters that keep order ids, time priorities, trade ids and trade_seq from
   *     repeating after a restart: the last numbers handed out, not this run's counters
   */
  JsonObject countersState() {
    JsonArray seqs = new JsonArray();
    lastTradeSeq.forEach((k, seq) -> {
      int cut = k.indexOf('\n');
      seqs.add(new JsonArray().add(k.substring(0, cut)).add(k.substring(cut + 1)).add(seq));
    });
    return new JsonObject().put("lastOrderNumber", idBase + orderCounter).put("lastPriority", orderCounter)
      .put("lastTradeNumber", idBase + tradeCounter).put("lastTradeSeq", seqs);
  }

  /**
   * Continues after a previous run's {@link #countersState()}: new order and trade numbers above
   * every earlier one (whatever this run's start-time base), new priorities behind every restored
   * resting order (an edit takes the counter + 1, hence + 1), trade_seq continuing per
   * instrument.
   */
  void restoreCounters(JsonObject counters) {
    orderCounter = Math.max(orderCounter, Math.max(counters.getLong("lastOrderNumber") - idBase, counters.getLong("lastPriority") + 1));
    tradeCounter = Math.max(tradeCounter, counters.getLong("lastTradeNumber") - idBase);
    for (Object o : counters.getJsonArray("lastTradeSeq")) {
      JsonArray e = (JsonArray) o;
      lastTradeSeq.merge(key(e.getString(0), e.getString(1)), e.getLong(2), Math::max);
    }
  }

  /** Keeps a restored fill (its position is restored separately, exactly), with the same bound as {@link #fill}. */
  void restoreFill(Fill fill) {
    fills.add(fill);
    fillsByKey.computeIfAbsent(key(fill.account, fill.instrument), k -> new ArrayDeque<>()).add(fill);
    if (fills.size() > historySize) {
      Fill oldest = fills.poll();
      fillsByKey.get(key(oldest.account, oldest.instrument)).poll();
    }
  }

  /** Replaces the account's position in the restored one's instrument. */
  void restorePosition(Position position) {
    positions.put(key(position.account, position.instrument), position);
  }
}
