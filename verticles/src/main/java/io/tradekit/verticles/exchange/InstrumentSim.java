package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The simulated market of one instrument: last price (a random walk on the tick grid), trade
 * sequence and ids, the order book with its change ids, and the live chart candles.
 *
 * <p>Owned by the {@link MarketDataGenerator}; used only on the exchange's event-loop context.
 * Prices are kept as whole ticks and written through {@link BigDecimal}, so every price and amount
 * in the JSON is an exact decimal (no 97012.50000000001).
 */
final class InstrumentSim {

  /** One trade batch of this instrument: consecutive trade_seq values {@code firstSeq..lastSeq}. */
  static final class TradeBatch {
    final String instrument;
    final int count;
    final long firstSeq;
    final long lastSeq;
    /** The JSON array text, shared by every subscriber's notification. */
    final String dataJson;
    private final InstrumentSim sim;
    private final TradeTape tape;

    TradeBatch(InstrumentSim sim, TradeTape tape) {
      this.sim = sim;
      this.tape = tape;
      this.instrument = sim.name;
      this.firstSeq = tape.firstSeq();
      this.lastSeq = tape.lastSeq();
      this.count = (int) (lastSeq - firstSeq + 1);
      this.dataJson = sim.render(tape, firstSeq, lastSeq);
    }

    /** @return the price of trade {@code seq} of this batch, in ticks */
    long priceTicks(long seq) {
      return tape.priceTicks(seq);
    }

    /** @return the amount of trade {@code seq} of this batch */
    int amount(long seq) {
      return tape.amount(seq);
    }

    /** @return the JSON array text of this batch's trades {@code fromSeq..lastSeq} only */
    String dataJsonFrom(long fromSeq) {
      return sim.render(tape, fromSeq, lastSeq);
    }
  }

  private static final int BOOK_DEPTH = 10;

  final String name;
  final String currency;
  final BigDecimal tickSize;
  final InstrumentSpec spec;
  private final SplittableRandom random;
  private final int instrumentCount;
  private final int index;
  private long priceTicks;
  private int tickDirection = 1;
  private long tradeSeq;
  private final long seqBase;
  private final TreeMap<Long, Long> bids = new TreeMap<>(Comparator.reverseOrder());
  private final TreeMap<Long, Long> asks = new TreeMap<>();
  private long changeId;
  private double volume24h;
  private long highTicks;
  private long lowTicks;
  private final Map<String, Candle> candles = new HashMap<>();
  /** The last {@code tradeHistorySize} trades, for {@code public/get_last_trades_by_instrument}. */
  private final TradeTape history;

  InstrumentSim(String name, int index, int instrumentCount, long seed, long startMs, int tradeHistorySize) {
    this.history = new TradeTape(tradeHistorySize);
    this.name = name;
    this.index = index;
    this.instrumentCount = instrumentCount;
    this.spec = InstrumentSpec.of(name);
    this.currency = spec.currency;
    this.tickSize = spec.tickSize;
    this.random = new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
    double start = ChartHistory.priceAt(seed, name, startMs);
    this.priceTicks = Math.max(10, Math.round(start / tickSize.doubleValue()));
    this.highTicks = priceTicks;
    this.lowTicks = priceTicks;
    // Start-time based ids: a restarted exchange never reuses ids (unless it sends > 1 trade per
    // microsecond), so idempotent stores downstream do not swallow the new trades as duplicates.
    this.seqBase = startMs * 1000;
    this.tradeSeq = seqBase;
    this.changeId = startMs * 10;
    for (int i = 1; i <= BOOK_DEPTH; i++) {
      bids.put(priceTicks - i, lotAmount());
      asks.put(priceTicks + i, lotAmount());
    }
  }

  /** @return the last trade price in ticks */
  long lastPriceTicks() {
    return priceTicks;
  }

  /** @return the simulated book's asks (ticks to amount), best (lowest) first, read-only: what a taker buy can take */
  java.util.NavigableMap<Long, Long> askLevels() {
    return java.util.Collections.unmodifiableNavigableMap(asks);
  }

  /** @return the simulated book's bids (ticks to amount), best (highest) first, read-only: what a taker sell can take */
  java.util.NavigableMap<Long, Long> bidLevels() {
    return java.util.Collections.unmodifiableNavigableMap(bids);
  }

  long lastTradeSeq() {
    return tradeSeq;
  }

  BigDecimal lastPrice() {
    return price(priceTicks);
  }

  private BigDecimal price(long ticks) {
    return BigDecimal.valueOf(ticks).multiply(tickSize);
  }

  private long lotAmount() {
    return 10L * (1 + random.nextInt(200));
  }

  /** Generates {@code count} consecutive trades stamped {@code nowMs}, keeps them in the history and renders them once. */
  TradeBatch nextTrades(int count, long nowMs) {
    TradeTape batch = new TradeTape(count);
    for (int i = 0; i < count; i++) {
      int move = random.nextInt(10);
      boolean buy;
      if (move < 2) {
        priceTicks += 1 + random.nextInt(3);
        tickDirection = 0;
        buy = true;
      } else if (move < 4 && priceTicks > 20) {
        priceTicks -= 1 + random.nextInt(3);
        tickDirection = 2;
        buy = false;
      } else {
        tickDirection = tickDirection == 0 || tickDirection == 1 ? 1 : 3;
        buy = random.nextBoolean();
      }
      highTicks = Math.max(highTicks, priceTicks);
      lowTicks = Math.min(lowTicks, priceTicks);
      int amount = 10 * (1 + random.nextInt(100));
      tradeSeq++;
      double priceDouble = price(priceTicks).doubleValue();
      volume24h += amount / priceDouble;
      for (Candle c : candles.values()) {
        c.add(nowMs, priceDouble, amount);
      }
      batch.add(tradeSeq, nowMs, priceTicks, amount, buy, tickDirection, offsetCents(), offsetCents());
      history.addFrom(batch, tradeSeq);
    }
    return new TradeBatch(this, batch);
  }

  /** @return the oldest trade_seq still in the history, or -1 before the first trade */
  long historyFirstSeq() {
    return history.firstSeq();
  }

  /** @return the newest trade_seq generated, or -1 before the first trade */
  long historyLastSeq() {
    return history.lastSeq();
  }

  /** @return the history's trades {@code fromSeq..toSeq} (which it must hold) as a JSON array text */
  String renderHistory(long fromSeq, long toSeq) {
    return render(history, fromSeq, toSeq);
  }

  /**
   * Renders trades {@code fromSeq..toSeq} of {@code tape} as the JSON array of a trades
   * notification; the one rendering, so the history endpoint returns the very objects the socket sent.
   */
  String render(TradeTape tape, long fromSeq, long toSeq) {
    StringBuilder sb = new StringBuilder((int) Math.max(2, (toSeq - fromSeq + 1) * 260)).append('[');
    for (long seq = fromSeq; seq <= toSeq; seq++) {
      if (seq > fromSeq) {
        sb.append(',');
      }
      BigDecimal price = price(tape.priceTicks(seq));
      sb.append("{\"trade_seq\":").append(seq)
        .append(",\"trade_id\":\"").append(seq * instrumentCount + index).append('"')
        .append(",\"timestamp\":").append(tape.timestampMs(seq))
        .append(",\"tick_direction\":").append(tape.tickDirection(seq))
        .append(",\"price\":").append(price.toPlainString())
        .append(",\"mark_price\":").append(price.add(BigDecimal.valueOf(tape.markOffsetCents(seq), 2)).toPlainString())
        .append(",\"instrument_name\":\"").append(name).append('"')
        .append(",\"index_price\":").append(price.add(BigDecimal.valueOf(tape.indexOffsetCents(seq), 2)).toPlainString())
        .append(",\"direction\":\"").append(tape.buy(seq) ? "buy" : "sell").append('"')
        .append(",\"amount\":").append(spec.amountScale == 0 ? tape.amount(seq) + ".0" : spec.amount(tape.amount(seq)).toPlainString())
        .append('}');
    }
    return sb.append(']').toString();
  }

  /** A random distance in cents (-5.00..+5.00) of mark and index prices from the trade price. */
  private int offsetCents() {
    return random.nextInt(1001) - 500;
  }

  /** A price a few cents away from {@code price}, as mark and index prices are. */
  private BigDecimal offset(BigDecimal price) {
    return price.add(BigDecimal.valueOf(random.nextInt(1001) - 500, 2));
  }

  /** @return the full book as a Deribit snapshot, valid until the next {@link #nextBookChange} */
  JsonObject bookSnapshot(long nowMs) {
    return new JsonObject()
      .put("type", "snapshot")
      .put("timestamp", nowMs)
      .put("instrument_name", name)
      .put("change_id", changeId)
      .put("bids", levels(bids, "new"))
      .put("asks", levels(asks, "new"));
  }

  private JsonArray levels(TreeMap<Long, Long> side, String action) {
    JsonArray array = new JsonArray();
    side.forEach((ticks, amount) -> array.add(level(action, ticks, amount)));
    return array;
  }

  private JsonArray level(String action, long ticks, long amount) {
    return new JsonArray().add(action).add(price(ticks)).add(spec.amount(amount));
  }

  /**
   * Mutates the book by one change and returns it: change_id jumps by 1..5 (Deribit's ids are not
   * consecutive) and prev_change_id is the previous one. Levels that crossed the last trade price
   * are deleted so the book stays uncrossed.
   */
  JsonObject nextBookChange(long nowMs) {
    List<JsonArray> bidLevels = new ArrayList<>();
    List<JsonArray> askLevels = new ArrayList<>();
    deleteCrossed(bids, t -> t >= priceTicks, bidLevels);
    deleteCrossed(asks, t -> t <= priceTicks, askLevels);
    boolean bidSide = random.nextBoolean();
    TreeMap<Long, Long> side = bidSide ? bids : asks;
    List<JsonArray> out = bidSide ? bidLevels : askLevels;
    int action = random.nextInt(4);
    if (action == 0 && side.size() > 3) {
      Long ticks = nth(side, random.nextInt(side.size()));
      side.remove(ticks);
      out.add(level("delete", ticks, 0));
    } else if (action == 1 || side.size() < BOOK_DEPTH / 2) {
      long ticks = bidSide ? priceTicks - 1 - random.nextInt(BOOK_DEPTH * 2) : priceTicks + 1 + random.nextInt(BOOK_DEPTH * 2);
      long amount = lotAmount();
      boolean existed = side.put(ticks, amount) != null;
      out.add(level(existed ? "change" : "new", ticks, amount));
    } else if (!side.isEmpty()) {
      Long ticks = nth(side, random.nextInt(side.size()));
      long amount = lotAmount();
      side.put(ticks, amount);
      out.add(level("change", ticks, amount));
    }
    long prev = changeId;
    changeId += 1 + random.nextInt(5);
    JsonArray bidArray = new JsonArray();
    bidLevels.forEach(bidArray::add);
    JsonArray askArray = new JsonArray();
    askLevels.forEach(askArray::add);
    return new JsonObject()
      .put("type", "change")
      .put("timestamp", nowMs)
      .put("instrument_name", name)
      .put("prev_change_id", prev)
      .put("change_id", changeId)
      .put("bids", bidArray)
      .put("asks", askArray);
  }

  private void deleteCrossed(TreeMap<Long, Long> side, java.util.function.LongPredicate crossed, List<JsonArray> out) {
    side.keySet().removeIf(ticks -> {
      if (crossed.test(ticks)) {
        out.add(level("delete", ticks, 0));
        return true;
      }
      return false;
    });
  }

  private static Long nth(TreeMap<Long, Long> side, int n) {
    int i = 0;
    for (Long key : side.keySet()) {
      if (i++ == n) {
        return key;
      }
    }
    return side.firstKey();
  }

  /** @return the ticker notification data */
  JsonObject ticker(long nowMs) {
    BigDecimal last = price(priceTicks);
    return new JsonObject()
      .put("timestamp", nowMs)
      .put("instrument_name", name)
      .put("best_bid_price", bids.isEmpty() ? null : price(bids.firstKey()))
      .put("best_bid_amount", bids.isEmpty() ? 0.0 : spec.amount(bids.firstEntry().getValue()).doubleValue())
      .put("best_ask_price", asks.isEmpty() ? null : price(asks.firstKey()))
      .put("best_ask_amount", asks.isEmpty() ? 0.0 : spec.amount(asks.firstEntry().getValue()).doubleValue())
      .put("last_price", last)
      .put("mark_price", offset(last))
      .put("index_price", offset(last))
      .put("open_interest", 1_000_000.0 + index * 1000)
      .put("state", "open")
      .put("stats", new JsonObject()
        .put("volume", Math.round(volume24h * 1e4) / 1e4)
        .put("high", price(highTicks))
        .put("low", price(lowTicks)));
  }

  /** @return the in-progress candle of {@code resolution}, started now if it was not tracked yet */
  Candle candle(String resolution, long nowMs) {
    return candles.computeIfAbsent(resolution, r -> new Candle(ChartHistory.resolutionMs(r), nowMs, price(priceTicks).doubleValue()));
  }
}
