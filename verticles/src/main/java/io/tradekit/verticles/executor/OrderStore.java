package io.tradekit.verticles.executor;

import io.tradekit.pg.BulkUpsert;
import io.tradekit.pg.PgResource;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The executor's PostgreSQL state (tables of V4__executor.sql): orders keyed by label, fills keyed
 * by trade id, per-instrument fill cursors, one outcome per intent. Every write is idempotent, so
 * the executor may apply the same reply, notification or query result any number of times in any
 * order: an order update is applied only when it is newer ({@code last_update_timestamp}, or the
 * same timestamp with a later state or more filled) and never to a terminal state.
 *
 * <p>Used by the executor on its context; every method returns a future completed there.
 */
final class OrderStore {

  static final Set<String> TERMINAL = Set.of("filled", "cancelled", "rejected", "expired");
  /** Rows that may be (or become) a live order at the exchange: risk counts them, reconciliation watches them. */
  static final String LIVE = "('pending_new', 'unknown', 'open', 'partially_filled')";

  private static final String RANK = "CASE %s WHEN 'pending_new' THEN 0 WHEN 'unknown' THEN 0 WHEN 'open' THEN 1 "
    + "WHEN 'partially_filled' THEN 2 ELSE 3 END";
  private static final String INSERT_ORDER = """
    INSERT INTO orders (exchange, label, instrument, side, order_type, amount, price, post_only, reduce_only, time_in_force,
      state, reason)
    VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8, $9, $10, $11, $12)
    ON CONFLICT (exchange, label) DO NOTHING""";
  private static final String FIND = "SELECT * FROM orders WHERE exchange = $1 AND label = $2";
  private static final String APPLY = """
    UPDATE orders SET order_id = COALESCE(order_id, $3), state = $4, filled_amount = $5::numeric,
      average_price = COALESCE($6::numeric, average_price), last_update_ts = $7, amount = COALESCE($8::numeric, amount),
      price = COALESCE($9::numeric, price),
      reason = CASE WHEN state = 'unknown' THEN $10 ELSE COALESCE($10, reason) END, updated_at = now()
    WHERE exchange = $1 AND label = $2 AND state NOT IN ('filled', 'cancelled', 'rejected', 'expired')
      AND filled_amount <= $5::numeric
      AND (last_update_ts IS NULL OR last_update_ts < $7 OR (last_update_ts = $7 AND (filled_amount < $5::numeric
        OR %s < %s)))""".formatted(RANK.formatted("state"), RANK.formatted("$4"));
  private static final String REJECT_PENDING = """
    UPDATE orders SET state = 'rejected', reason = $3, updated_at = now()
    WHERE exchange = $1 AND label = $2 AND state = 'pending_new'""";
  private static final String PENDING = "SELECT label, instrument, state FROM orders WHERE exchange = $1 "
    + "AND state IN ('pending_new', 'unknown')";
  private static final String MARK_UNKNOWN = """
    UPDATE orders SET state = 'unknown', reason = $3, updated_at = now()
    WHERE exchange = $1 AND label = $2 AND state = 'pending_new'""";
  private static final String ADOPT_OUTCOME = """
    UPDATE intent_outcomes SET status = $3, order_id = $4, order_state = $5, filled_amount = $6::numeric, reason = $7
    WHERE exchange = $1 AND intent_id = $2 AND status = 'unknown'
    RETURNING intent_id, type, status, order_id, order_state, filled_amount, reason""";
  private static final String LIVE_ORDERS = "SELECT label, order_id FROM orders WHERE exchange = $1 AND instrument = $2 "
    + "AND state IN ('open', 'partially_filled')";
  private static final String RISK = """
    SELECT (SELECT count(*) FROM orders WHERE exchange = $1 AND state IN %s),
      (SELECT COALESCE(sum(CASE WHEN side = 'buy' THEN amount ELSE -amount END), 0) FROM fills
        WHERE exchange = $1 AND instrument = $2),
      (SELECT COALESCE(sum(amount - filled_amount), 0) FROM orders WHERE exchange = $1 AND instrument = $2 AND side = $3
        AND state IN %s)""".formatted(LIVE, LIVE);
  private static final BulkUpsert FILLS = BulkUpsert.into("fills").column("exchange", "text").column("trade_id", "text")
    .column("instrument", "text").column("trade_seq", "bigint").column("order_id", "text").column("label", "text")
    .column("side", "text").column("price", "numeric").column("amount", "numeric").column("fee", "numeric")
    .column("liquidity", "text").column("ts", "timestamptz").onConflict("exchange", "trade_id");
  private static final String CURSOR = "SELECT last_trade_seq FROM fill_cursors WHERE exchange = $1 AND instrument = $2";
  private static final String MOVE_CURSOR = """
    INSERT INTO fill_cursors (exchange, instrument, last_trade_seq) VALUES ($1, $2, $3)
    ON CONFLICT (exchange, instrument) DO UPDATE SET last_trade_seq = GREATEST(fill_cursors.last_trade_seq, EXCLUDED.last_trade_seq)""";
  private static final String OUTCOME = """
    WITH ins AS (
      INSERT INTO intent_outcomes (exchange, intent_id, type, status, order_id, order_state, filled_amount, reason)
      VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8) ON CONFLICT (exchange, intent_id) DO NOTHING
      RETURNING intent_id, type, status, order_id, order_state, filled_amount, reason)
    SELECT * FROM ins UNION ALL
    SELECT intent_id, type, status, order_id, order_state, filled_amount, reason FROM intent_outcomes
      WHERE exchange = $1 AND intent_id = $2 LIMIT 1""";
  private static final String FIND_OUTCOME = "SELECT intent_id, type, status, order_id, order_state, filled_amount, reason "
    + "FROM intent_outcomes WHERE exchange = $1 AND intent_id = $2";

  /** What the risk checks need: live orders of the exchange, the position and same-side open amount of one instrument. */
  record RiskView(long liveOrders, BigDecimal position, BigDecimal openSameSide) {
  }

  private final PgResource pg;
  private final String exchange;
  /** Told each change once, after it is stored: an order row updated, an own trade inserted. */
  private Consumer<Map<String, String>> events = e -> { };

  OrderStore(PgResource pg, String exchange) {
    this.pg = pg;
    this.exchange = exchange;
  }

  /**
   * Sets who is told of every stored change, as flat string fields: {@code kind=order} (label,
   * order_id, instrument, state, filled_amount, average_price) for each order row an update
   * changed, {@code kind=fill} (label, order_id, trade_id, trade_seq, instrument, side, price,
   * amount, fee, liquidity, timestamp) for each own trade inserted. Called on the executor's context.
   */
  void events(Consumer<Map<String, String>> events) {
    this.events = events;
  }

  /** @return whether the row was inserted (false: the label exists already) */
  Future<Boolean> insert(Intent in, String state, String reason) {
    return pg.query(INSERT_ORDER, Tuple.from(new Object[] {exchange, in.id(), in.instrument(), in.side(), in.orderType(),
        in.amount(), in.price(), in.postOnly(), in.reduceOnly(),
        in.timeInForce(), state, reason}), true)
      .map(rows -> rows.rowCount() == 1);
  }

  /** @return the order row with this label, or null */
  Future<Row> find(String label) {
    return pg.query(FIND, Tuple.of(exchange, label), true).map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /**
   * Applies an exchange order object (a reply, a notification or a query result).
   *
   * @return true when a row with its label exists (whether or not this update was newer); false for
   *     an order we have no row for
   */
  Future<Boolean> apply(JsonObject order) {
    String label = order.getString("label");
    String state = localState(order);
    if (label == null || state == null) {
      return Future.succeededFuture(true);
    }
    Object[] params;
    try {
      params = new Object[] {exchange, label, str(order.getValue("order_id")), state, dec(order.getValue("filled_amount"), "0"),
      dec(order.getValue("average_price"), null), ts(order), dec(order.getValue("amount"), null),
      dec(order.getValue("price"), null), "rejected".equals(state) ? str(order.getValue("reject_reason")) : null};
    } catch (RuntimeException malformed) {
      // Never thrown on the context (it would fail the service): the caller sees a failed future.
      return Future.failedFuture(new IllegalArgumentException("malformed order object for label " + label + ": " + malformed));
    }
    return pg.query(APPLY, Tuple.from(params), true).compose(rows -> {
      if (rows.rowCount() == 1) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("kind", "order");
        e.put("label", label);
        putIfSet(e, "order_id", str(order.getValue("order_id")));
        putIfSet(e, "instrument", order.getString("instrument_name"));
        e.put("state", state);
        e.put("filled_amount", num(order.getValue("filled_amount"), "0"));
        putIfSet(e, "average_price", num(order.getValue("average_price"), null));
        events.accept(e);
        return Future.succeededFuture(true);
      }
      return find(label).map(row -> row != null);
    });
  }

  /** A pending_new row the exchange confirmed it never received becomes rejected with {@code reason}. */
  Future<Void> rejectPending(String label, String reason) {
    return pg.query(REJECT_PENDING, Tuple.of(exchange, label, reason), true).mapEmpty();
  }

  /** @return the position our stored fills add up to in {@code instrument} (buy +, sell -) */
  Future<BigDecimal> position(String instrument) {
    return pg.query("SELECT COALESCE(sum(CASE WHEN side = 'buy' THEN amount ELSE -amount END), 0) FROM fills "
      + "WHERE exchange = $1 AND instrument = $2", Tuple.of(exchange, instrument), true)
      .map(rows -> rows.iterator().next().getBigDecimal(0));
  }

  /** @return {label, instrument, state} of every pending_new and unknown row: orders the exchange may or may not have */
  Future<List<String[]>> pending() {
    return pg.query(PENDING, Tuple.of(exchange), true).map(rows -> {
      List<String[]> out = new ArrayList<>();
      rows.forEach(r -> out.add(new String[] {r.getString(0), r.getString(1), r.getString(2)}));
      return out;
    });
  }

  /**
   * A pending_new row whose send was ambiguous and whose order the exchange does not show (yet)
   * becomes unknown: never sent again, still counted by risk, adopted when it appears.
   */
  Future<Void> markUnknown(String label, String reason) {
    return pg.query(MARK_UNKNOWN, Tuple.of(exchange, label, reason), true).mapEmpty();
  }

  /** @return the outcome now stored, when the intent's stored outcome was unknown and is replaced by {@code adopted}; else null */
  Future<Outcome> adoptOutcome(Outcome adopted) {
    return pg.query(ADOPT_OUTCOME, Tuple.from(new Object[] {exchange, adopted.intentId(), adopted.status(), adopted.orderId(),
        adopted.orderState(), adopted.filledAmount() == null ? null : new BigDecimal(adopted.filledAmount()), adopted.reason()}), true)
      .map(rows -> rows.size() == 0 ? null : Outcome.of(rows.iterator().next()));
  }

  /** @return label → order id of the instrument's open and partially filled rows */
  Future<Map<String, String>> liveOrders(String instrument) {
    return pg.query(LIVE_ORDERS, Tuple.of(exchange, instrument), true).map(rows -> {
      Map<String, String> out = new java.util.HashMap<>();
      rows.forEach(r -> out.put(r.getString(0), r.getString(1)));
      return out;
    });
  }

  Future<RiskView> risk(String instrument, String side) {
    return pg.query(RISK, Tuple.of(exchange, instrument, side), true).map(rows -> {
      Row r = rows.iterator().next();
      return new RiskView(r.getLong(0), r.getBigDecimal(1), r.getBigDecimal(2));
    });
  }

  /** Stores own trades once by trade id (duplicates are ignored). */
  Future<Void> insertFills(JsonArray trades) {
    List<JsonObject> list = new ArrayList<>();
    for (Object t : trades) {
      if (t instanceof JsonObject o && o.getValue("trade_id") != null) {
        list.add(o);
      }
    }
    if (list.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<String, JsonObject> byId = new HashMap<>();
    list.forEach(t -> byId.put(str(t.getValue("trade_id")), t));
    return pg.bulkUpsertReturning(FILLS, list, t -> new Object[] {exchange, str(t.getValue("trade_id")), t.getString("instrument_name"),
      t.getValue("trade_seq") instanceof Number n ? n.longValue() : 0L, str(t.getValue("order_id")), t.getString("label"),
      t.getString("direction"), num(t.getValue("price"), "0"), num(t.getValue("amount"), "0"), num(t.getValue("fee"), null),
      t.getString("liquidity"), OffsetDateTime.ofInstant(Instant.ofEpochMilli(t.getValue("timestamp") instanceof Number n
        ? n.longValue() : 0L), ZoneOffset.UTC)}, "trade_id").<Void>map(inserted -> {
          // Only the trades this statement inserted: a fill delivered twice (reply, notification,
          // reconciliation) is announced once.
          for (Row r : inserted) {
            JsonObject t = byId.get(r.getString(0));
            if (t != null) {
              events.accept(fillEvent(t));
            }
          }
          return null;
        });
  }

  private static Map<String, String> fillEvent(JsonObject t) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("kind", "fill");
    putIfSet(e, "label", t.getString("label"));
    putIfSet(e, "order_id", str(t.getValue("order_id")));
    e.put("trade_id", str(t.getValue("trade_id")));
    putIfSet(e, "trade_seq", str(t.getValue("trade_seq")));
    putIfSet(e, "instrument", t.getString("instrument_name"));
    putIfSet(e, "side", t.getString("direction"));
    e.put("price", num(t.getValue("price"), "0"));
    e.put("amount", num(t.getValue("amount"), "0"));
    putIfSet(e, "fee", num(t.getValue("fee"), null));
    putIfSet(e, "liquidity", t.getString("liquidity"));
    putIfSet(e, "timestamp", str(t.getValue("timestamp")));
    return e;
  }

  private static void putIfSet(Map<String, String> e, String key, String value) {
    if (value != null) {
      e.put(key, value);
    }
  }

  /** @return the instrument's fill cursor, -1 when reconciliation never fetched its trades */
  Future<Long> cursor(String instrument) {
    return pg.query(CURSOR, Tuple.of(exchange, instrument), true)
      .map(rows -> rows.size() == 0 ? -1L : rows.iterator().next().getLong(0));
  }

  Future<Void> moveCursor(String instrument, long lastTradeSeq) {
    return pg.query(MOVE_CURSOR, Tuple.of(exchange, instrument, lastTradeSeq), true).mapEmpty();
  }

  /** Records the intent's outcome once; @return the stored outcome (an earlier one wins) */
  Future<Outcome> decide(Outcome o) {
    return pg.query(OUTCOME, Tuple.from(new Object[] {exchange, o.intentId(), o.type(), o.status(), o.orderId(), o.orderState(),
      o.filledAmount() == null ? null : new BigDecimal(o.filledAmount()), o.reason()}), true).map(rows -> Outcome.of(rows.iterator().next()));
  }

  /** @return the stored outcome of an intent, or null */
  Future<Outcome> outcome(String intentId) {
    return pg.query(FIND_OUTCOME, Tuple.of(exchange, intentId), true)
      .map(rows -> rows.size() == 0 ? null : Outcome.of(rows.iterator().next()));
  }

  /** The exchange's order state in our vocabulary: an open order with fills is partially_filled; null to ignore. */
  static String localState(JsonObject order) {
    String state = order.getString("order_state");
    if (state == null) {
      return null;
    }
    return switch (state) {
      case "open" -> new BigDecimal(num(order.getValue("filled_amount"), "0")).signum() > 0 ? "partially_filled" : "open";
      case "filled", "cancelled", "rejected", "expired" -> state;
      default -> null; // untriggered and other states of order types the executor does not place
    };
  }

  private static long ts(JsonObject order) {
    return order.getValue("last_update_timestamp") instanceof Number n ? n.longValue() : 0L;
  }

  /** A number from an exchange object as plain text; {@code dflt} when absent or not a number (a market order's price is "market_price"). */
  static String num(Object v, String dflt) {
    if (v instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (v instanceof Number) {
      return v.toString();
    }
    if (v instanceof String s && s.length() <= 40) {
      try {
        return new BigDecimal(s).toPlainString();
      } catch (NumberFormatException notANumber) {
        return dflt;
      }
    }
    return dflt;
  }

  /** Numeric parameters go to PostgreSQL as BigDecimal: a prepared statement typed numeric refuses strings. */
  static BigDecimal dec(Object v, String dflt) {
    String s = num(v, dflt);
    return s == null ? null : new BigDecimal(s);
  }

  private static String str(Object v) {
    return v == null ? null : v.toString();
  }
}
