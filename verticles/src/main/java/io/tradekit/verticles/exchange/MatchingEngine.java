package io.tradekit.verticles.exchange;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The simulated exchange's matching of own orders against its simulated market, per instrument.
 *
 * <p>Rules (simple and deterministic, documented for tests):
 * <ul>
 *   <li><b>Taker:</b> a new or edited order crosses the simulated book's opposite levels
 *   (InstrumentSim's book, best first) up to its limit price (market: every level), filling at
 *   each level's price, as much as the level shows. The public book is NOT depleted by own fills
 *   (the simulated market is large next to test orders) and own resting orders are not part of it.</li>
 *   <li><b>Maker:</b> a resting limit order fills when the simulated market trades THROUGH its price
 *   (a public trade strictly below a buy's price, strictly above a sell's): at the order's price, up
 *   to that trade's amount, shared among own resting orders in price-time priority. A trade exactly
 *   at the price does not fill (queue position unknown).</li>
 *   <li><b>post_only:</b> crossing is refused with 11054 post_only_reject when
 *   {@code reject_post_only}, otherwise repriced one tick inside the spread.</li>
 *   <li><b>reduce_only:</b> refused (11030) when the amount exceeds what would reduce the current
 *   position; a resting one is cancelled once the position it reduces is gone.</li>
 *   <li><b>IOC</b> and <b>market</b>: the remainder is cancelled. <b>FOK</b>: cancelled without a fill
 *   unless the levels in reach hold the whole amount.</li>
 * </ul>
 *
 * <p>Every order change and fill is told to {@link Events} (the user notifications). Created by
 * {@link SimulatedExchange}; used only on the exchange's context, so nothing is locked.
 */
final class MatchingEngine {

  /** Told about every order change and own fill, on the exchange's context. */
  interface Events {
    void orderChanged(Order order);

    void traded(String account, String instrument, List<Fill> fills);

    /** One change of {@code order} with the fills it caused (possibly none): both of the above by default. */
    default void changed(Order order, List<Fill> fills) {
      orderChanged(order);
      if (!fills.isEmpty()) {
        traded(order.account, order.instrument, fills);
      }
    }
  }

  /** The reply of a placement or edit: the order and the fills it caused at once. */
  static final class Result {
    final Order order;
    final List<Fill> fills;

    Result(Order order, List<Fill> fills) {
      this.order = order;
      this.fills = fills;
    }

    JsonObject toJson() {
      JsonArray trades = new JsonArray();
      fills.forEach(f -> trades.add(f.toJson()));
      return new JsonObject().put("order", order.toJson()).put("trades", trades);
    }
  }

  /** Resting orders one account may have over all instruments; beyond it new orders are refused (10013). */
  static final int MAX_OPEN_ORDERS_PER_ACCOUNT = 10_000;
  static final int POST_ONLY_REJECT = 11054;
  static final int OTHER_REJECT = 11030;
  static final int MAX_OPEN_ORDERS = 10013;
  static final int ORDER_NOT_FOUND = 10004;
  static final int NOT_OPEN_ORDER = 11044;
  /** The connection id of orders an account had before the simulation (no connection placed them). */
  static final String SEED_CONNECTION = "seed";

  private static final Comparator<Order> BIDS = Comparator.comparingLong((Order o) -> -o.priceTicks)
    .thenComparingLong(o -> o.priority).thenComparing(o -> o.orderId);
  private static final Comparator<Order> ASKS = Comparator.comparingLong((Order o) -> o.priceTicks)
    .thenComparingLong(o -> o.priority).thenComparing(o -> o.orderId);

  private final PrivateLedger ledger;
  private final Function<String, InstrumentSim> sims;
  private final Events events;
  private final java.time.Clock clock;
  private final Map<String, TreeSet<Order>> restingBids = new HashMap<>();
  private final Map<String, TreeSet<Order>> restingAsks = new HashMap<>();
  private final Map<String, Integer> openCount = new HashMap<>();

  MatchingEngine(PrivateLedger ledger, Function<String, InstrumentSim> sims, Events events) {
    this(ledger, sims, events, java.time.Clock.systemUTC());
  }

  /** @param clock the private API's clock: order and fill timestamps (tests move it to age records) */
  MatchingEngine(PrivateLedger ledger, Function<String, InstrumentSim> sims, Events events, java.time.Clock clock) {
    this.clock = clock;
    this.ledger = ledger;
    this.sims = sims;
    this.events = events;
  }

  PrivateLedger ledger() {
    return ledger;
  }

  /** {@code private/buy|sell}: validates, accepts, takes liquidity, rests or cancels the remainder. */
  Result place(String account, String connectionId, OrderRequest request) {
    InstrumentSim sim = sims.apply(request.instrument);
    long now = clock.millis();
    long price = request.market ? 0 : postOnlyPrice(sim, request.buy, request.priceTicks, request.postOnly, request.rejectPostOnly);
    if (request.reduceOnly && request.amount > reducible(account, request.instrument, request.buy)) {
      throw new RpcException(OTHER_REJECT, "other_reject", new JsonObject()
        .put("reason", "reduce_only: the order would increase the position (reducible " + reducible(account, request.instrument, request.buy) + ")")
        .put("param", "reduce_only"));
    }
    if (openCount.getOrDefault(account, 0) >= MAX_OPEN_ORDERS_PER_ACCOUNT) {
      throw new RpcException(MAX_OPEN_ORDERS, "max_open_orders",
        new JsonObject().put("reason", "at most " + MAX_OPEN_ORDERS_PER_ACCOUNT + " open orders per account"));
    }
    Order order = new Order(ledger.newOrderId(request.instrument), account, connectionId, request, sim.tickSize, now);
    order.priceTicks = price;
    order.priority = ledger.nextPriority();
    ledger.accepted(order);
    List<Fill> fills = new ArrayList<>();
    if (OrderRequest.FOK.equals(request.timeInForce) && available(sim, order) < order.amount) {
      order.cancel("fill_or_kill", now);
    } else {
      take(sim, order, fills, now);
      if (order.isOpen()) {
        if (order.market || !OrderRequest.GTC.equals(order.timeInForce)) {
          order.cancel(order.market ? "market_remainder" : "immediate_or_cancel", now);
        } else {
          rest(order);
        }
      }
    }
    announce(order, fills);
    return new Result(order, fills);
  }

  /**
   * Gives {@code account} a position it held before the simulation (config {@code positions}): a
   * filled limit order and its own trade at the current price, stamped {@code atMs}, told to the
   * {@link Events} like any change (so a durable exchange journals it).
   *
   * @param signedSteps the position in amount steps, positive long, negative short
   */
  void seedPosition(String account, String instrument, long signedSteps, long atMs) {
    InstrumentSim sim = sims.apply(instrument);
    long price = sim.lastPriceTicks();
    OrderRequest request = OrderRequest.parse(new JsonObject().put("instrument_name", instrument)
      .put("amount", sim.spec.amount(Math.abs(signedSteps))).put("type", "limit")
      .put("price", sim.tickSize.multiply(java.math.BigDecimal.valueOf(price))), signedSteps > 0, List.of(instrument));
    Order order = new Order(ledger.newOrderId(instrument), account, SEED_CONNECTION, request, sim.tickSize, atMs);
    order.priority = ledger.nextPriority();
    ledger.accepted(order);
    order.fill(order.amount, price, atMs);
    Fill fill = ledger.fill(order, order.amount, price, false, atMs);
    announce(order, List.of(fill));
  }

  /**
   * Rests an unlabelled limit buy of one contract at half the current price for {@code account}
   * (config {@code openOrders}): an order that was there before the simulation started.
   */
  void seedRestingOrder(String account, String instrument) {
    InstrumentSim sim = sims.apply(instrument);
    long price = Math.max(1, sim.lastPriceTicks() / 2);
    place(account, SEED_CONNECTION, OrderRequest.parse(new JsonObject().put("instrument_name", instrument)
      .put("amount", sim.spec.contractSize()).put("type", "limit")
      .put("price", sim.tickSize.multiply(java.math.BigDecimal.valueOf(price))), true, List.of(instrument)));
  }

  /** {@code private/edit}: new amount and price of an open limit order; it may cross at once. */
  Result edit(Order order, long amount, long priceTicks, boolean postOnly, boolean rejectPostOnly) {
    if (!order.isOpen()) {
      throw notOpen(order);
    }
    if (amount < order.filled) {
      throw RpcException.invalidParams("amount", "below the filled amount " + order.filled);
    }
    InstrumentSim sim = sims.apply(order.instrument);
    long price = postOnlyPrice(sim, order.buy, priceTicks, postOnly, rejectPostOnly);
    // Only once nothing can refuse the edit any more: a refused edit leaves the order as it was.
    order.postOnly = postOnly;
    order.rejectPostOnly = rejectPostOnly;
    long now = clock.millis();
    unrest(order);
    if (price != order.priceTicks || amount > order.amount) {
      order.priority = ledger.nextPriority() + 1;
    }
    order.priceTicks = price;
    order.amount = amount;
    order.replaced = true;
    order.touch(now);
    List<Fill> fills = new ArrayList<>();
    if (order.filled == order.amount) {
      order.state = Order.FILLED;
    } else {
      take(sim, order, fills, now);
      if (order.isOpen()) {
        rest(order);
      }
    }
    announce(order, fills);
    return new Result(order, fills);
  }

  /** {@code private/cancel}: the account's open order, or 10004 / 11044. */
  Order cancel(String account, String orderId) {
    Order order = ledger.order(account, orderId);
    if (order == null) {
      throw new RpcException(ORDER_NOT_FOUND, "order_not_found", new JsonObject().put("reason", "no order " + orderId).put("param", "order_id"));
    }
    if (!order.isOpen()) {
      throw notOpen(order);
    }
    cancel(order, "user_request");
    return order;
  }

  /** @return how many of the account's open orders with {@code label} (and of {@code currency}, when given) were cancelled */
  int cancelByLabel(String account, String label, String currency) {
    int n = 0;
    for (Order o : new ArrayList<>(ledger.byLabel(account, label))) {
      if (o.isOpen() && (currency == null || currency.equals(o.spec.currency))) {
        cancel(o, "user_request");
        n++;
      }
    }
    return n;
  }

  /** @return how many open orders of {@code account} (of {@code instrument} when not null) were cancelled */
  int cancelAll(String account, String instrument) {
    int n = 0;
    for (Order o : openOrders(account, instrument)) {
      cancel(o, "user_request");
      n++;
    }
    return n;
  }

  /** Cancel-on-disconnect: the open orders placed through {@code connectionId}, or all of the account's when {@code wholeAccount}. */
  int cancelOnDisconnect(String account, String connectionId, boolean wholeAccount) {
    int n = 0;
    for (Order o : openOrders(account, null)) {
      if (wholeAccount || connectionId.equals(o.connectionId)) {
        cancel(o, "cancel_on_disconnect");
        n++;
      }
    }
    return n;
  }

  /** @return the account's open orders (of {@code instrument}, or all when null), in price-time priority per side */
  List<Order> openOrders(String account, String instrument) {
    List<Order> result = new ArrayList<>();
    for (Map<String, TreeSet<Order>> side : List.of(restingBids, restingAsks)) {
      for (Map.Entry<String, TreeSet<Order>> e : side.entrySet()) {
        if (instrument == null || instrument.equals(e.getKey())) {
          e.getValue().stream().filter(o -> o.account.equals(account)).forEach(result::add);
        }
      }
    }
    return result;
  }

  /** Fills resting orders that the just generated public trades of {@code batch} traded through. */
  void onTrades(InstrumentSim.TradeBatch batch) {
    TreeSet<Order> bids = restingBids.get(batch.instrument);
    TreeSet<Order> asks = restingAsks.get(batch.instrument);
    if ((bids == null || bids.isEmpty()) && (asks == null || asks.isEmpty())) {
      return;
    }
    long now = clock.millis();
    for (long seq = batch.firstSeq; seq <= batch.lastSeq; seq++) {
      long tradeTicks = batch.priceTicks(seq);
      // Both sides are offered the whole print: own orders are not matched with each other, so a
      // resting buy above a resting sell can both be traded through by one print between them.
      fillThrough(bids, o -> o.priceTicks > tradeTicks, batch.amount(seq), now);
      fillThrough(asks, o -> o.priceTicks < tradeTicks, batch.amount(seq), now);
    }
  }

  private void fillThrough(TreeSet<Order> side, java.util.function.Predicate<Order> through, long amount, long now) {
    long left = amount;
    while (side != null && left > 0 && !side.isEmpty() && through.test(side.first())) {
      Order o = side.first();
      long take = Math.min(o.remaining(), left);
      if (o.reduceOnly) {
        take = Math.min(take, reducible(o.account, o.instrument, o.buy));
        if (take <= 0) {
          cancel(o, "reduce_only_position_closed");
          continue;
        }
      }
      o.fill(take, o.priceTicks, now);
      Fill fill = ledger.fill(o, take, o.priceTicks, true, now);
      left -= take;
      if (!o.isOpen()) {
        unrest(o);
      }
      announce(o, List.of(fill));
    }
  }

  private void cancel(Order order, String reason) {
    unrest(order);
    order.cancel(reason, clock.millis());
    events.changed(order, List.of());
  }

  private void announce(Order order, List<Fill> fills) {
    events.changed(order, fills);
  }

  /** Crosses the simulated book's opposite levels as far as the order's price allows. */
  private void take(InstrumentSim sim, Order order, List<Fill> fills, long now) {
    NavigableMap<Long, Long> levels = order.buy ? sim.askLevels() : sim.bidLevels();
    for (Map.Entry<Long, Long> level : levels.entrySet()) {
      long ticks = level.getKey();
      if (!order.isOpen() || !inReach(order, ticks)) {
        return;
      }
      long amount = Math.min(order.remaining(), level.getValue());
      if (order.reduceOnly) {
        amount = Math.min(amount, reducible(order.account, order.instrument, order.buy));
      }
      if (amount <= 0) {
        return;
      }
      if (order.market) {
        order.priceTicks = ticks;
      }
      order.fill(amount, ticks, now);
      fills.add(ledger.fill(order, amount, ticks, false, now));
    }
  }

  private static boolean inReach(Order order, long levelTicks) {
    return order.market || (order.buy ? levelTicks <= order.priceTicks : levelTicks >= order.priceTicks);
  }

  /** @return the amount the levels in reach of {@code order} show, for fill_or_kill */
  private static long available(InstrumentSim sim, Order order) {
    long total = 0;
    for (Map.Entry<Long, Long> level : (order.buy ? sim.askLevels() : sim.bidLevels()).entrySet()) {
      if (!inReach(order, level.getKey())) {
        break;
      }
      total += level.getValue();
    }
    return total;
  }

  /** @return the price of a limit order after the post_only rule: unchanged, repriced, or refused with 11054 */
  private static long postOnlyPrice(InstrumentSim sim, boolean buy, long priceTicks, boolean postOnly, boolean rejectPostOnly) {
    if (!postOnly) {
      return priceTicks;
    }
    NavigableMap<Long, Long> opposite = buy ? sim.askLevels() : sim.bidLevels();
    if (opposite.isEmpty()) {
      return priceTicks;
    }
    long best = opposite.firstKey();
    boolean crosses = buy ? priceTicks >= best : priceTicks <= best;
    if (!crosses) {
      return priceTicks;
    }
    if (rejectPostOnly) {
      throw new RpcException(POST_ONLY_REJECT, "post_only_reject", new JsonObject()
        .put("reason", "post_only order would take liquidity: best " + (buy ? "ask" : "bid") + " is " + sim.tickSize.multiply(java.math.BigDecimal.valueOf(best)).toPlainString())
        .put("param", "price"));
    }
    return buy ? best - 1 : Math.max(1, best + 1);
  }

  /** @return how much an order of {@code buy} direction may fill and still only reduce the position */
  private long reducible(String account, String instrument, boolean buy) {
    long size = ledger.positionSize(account, instrument);
    return buy ? Math.max(0, -size) : Math.max(0, size);
  }

  /** Persistence hook: puts an open order restored from the state directory back into its book. */
  void restoreResting(Order order) {
    rest(order);
  }

  private void rest(Order order) {
    (order.buy ? restingBids : restingAsks).computeIfAbsent(order.instrument, i -> new TreeSet<>(order.buy ? BIDS : ASKS)).add(order);
    openCount.merge(order.account, 1, Integer::sum);
  }

  private void unrest(Order order) {
    TreeSet<Order> side = (order.buy ? restingBids : restingAsks).get(order.instrument);
    if (side != null && side.remove(order)) {
      openCount.merge(order.account, -1, Integer::sum);
    }
  }

  private static RpcException notOpen(Order order) {
    return new RpcException(NOT_OPEN_ORDER, "not_open_order",
      new JsonObject().put("reason", "order " + order.orderId + " is " + order.state).put("param", "order_id"));
  }

  /** @return the simulated market of {@code instrument} (for marks in account summaries) */
  InstrumentSim sim(String instrument) {
    return sims.apply(instrument);
  }
}
