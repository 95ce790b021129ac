package io.tradekit.feed;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One instrument's order book built from a {@code book.*} channel: a snapshot, then changes whose
 * {@code prev_change_id} must equal the last {@code change_id} (ids are not consecutive). A change
 * that does not continue the book marks it invalid; only a new snapshot makes it valid again.
 * Levels are {@code [action, price, amount]} with action {@code new | change | delete}; prices and
 * amounts are exact.
 *
 * <p>Maintained by {@link FeedClient} on its context; read it there (e.g. from the consumer).
 */
public final class OrderBook {

  private final String channel;
  private final TreeMap<BigDecimal, BigDecimal> bids = new TreeMap<>(Collections.reverseOrder());
  private final TreeMap<BigDecimal, BigDecimal> asks = new TreeMap<>();
  private long changeId;
  private boolean valid;

  public OrderBook(String channel) {
    this.channel = channel;
  }

  /** Replaces the whole book with a {@code type: snapshot} message. */
  public void applySnapshot(JsonObject data) {
    bids.clear();
    asks.clear();
    apply(bids, data.getJsonArray("bids"));
    apply(asks, data.getJsonArray("asks"));
    changeId = id(data, "change_id");
    valid = true;
  }

  /**
   * Applies a {@code type: change} message.
   *
   * @return false, leaving the book invalid, when the change does not continue the last change id
   */
  public boolean applyChange(JsonObject data) {
    Object prev = data.getValue("prev_change_id");
    if (!valid || !(prev instanceof Long p) || p != changeId) {
      valid = false;
      return false;
    }
    apply(bids, data.getJsonArray("bids"));
    apply(asks, data.getJsonArray("asks"));
    changeId = id(data, "change_id");
    return true;
  }

  private static void apply(TreeMap<BigDecimal, BigDecimal> side, JsonArray levels) {
    if (levels == null) {
      return;
    }
    for (Object item : levels) {
      JsonArray level = (JsonArray) item;
      String action = level.getString(0);
      BigDecimal price = decimal(level.getValue(1));
      BigDecimal amount = decimal(level.getValue(2));
      if (action.equals("delete") || amount.signum() == 0) {
        side.remove(price);
      } else if (action.equals("new") || action.equals("change")) {
        side.put(price, amount);
      } else {
        throw new IllegalArgumentException("level action: expected new, change or delete, got \"" + action + "\"");
      }
    }
  }

  private static BigDecimal decimal(Object value) {
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof Number n) {
      return new BigDecimal(n.toString());
    }
    throw new IllegalArgumentException("level: expected a number, got " + value);
  }

  private static long id(JsonObject data, String field) {
    if (data.getValue(field) instanceof Long id) {
      return id;
    }
    throw new IllegalArgumentException(field + ": expected an integer, got " + data.getValue(field));
  }

  /** Marks the book unusable until the next snapshot (a gap, or the connection was lost). */
  public void invalidate() {
    valid = false;
  }

  public String channel() {
    return channel;
  }

  public boolean isValid() {
    return valid;
  }

  public long changeId() {
    return changeId;
  }

  /** @return price → amount, best bid first (read-only view) */
  public NavigableMap<BigDecimal, BigDecimal> bids() {
    return Collections.unmodifiableNavigableMap(bids);
  }

  /** @return price → amount, best ask first (read-only view) */
  public NavigableMap<BigDecimal, BigDecimal> asks() {
    return Collections.unmodifiableNavigableMap(asks);
  }

  public Optional<Map.Entry<BigDecimal, BigDecimal>> bestBid() {
    return Optional.ofNullable(bids.firstEntry());
  }

  public Optional<Map.Entry<BigDecimal, BigDecimal>> bestAsk() {
    return Optional.ofNullable(asks.firstEntry());
  }
}
