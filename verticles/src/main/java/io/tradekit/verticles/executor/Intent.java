package io.tradekit.verticles.executor;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;

/**
 * One strategy intent read from {@code exec:<exchange>:intents} (flat string fields, see the
 * contract in {@link ExecutorService}). {@link #parse} validates every field; a
 * {@link Invalid} names the field that was wrong, so the rejection tells the strategy what to fix.
 *
 * @param type {@code new}, {@code cancel} or {@code edit}
 * @param id the intent id; for {@code new} it is the order label
 * @param target the label a cancel or edit acts on (null for new)
 */
record Intent(String type, String id, String target, String instrument, String side, BigDecimal amount, String orderType,
    BigDecimal price, boolean postOnly, boolean reduceOnly, String timeInForce) {

  static final int MAX_ID_CHARS = 64;
  private static final Set<String> TIME_IN_FORCE = Set.of("good_til_cancelled", "immediate_or_cancel", "fill_or_kill");
  /** Bounds parsed numbers before they reach SQL or the exchange. */
  private static final int MAX_NUMBER_CHARS = 40;

  /** An intent that cannot be executed as written; the message names the field. */
  static final class Invalid extends IllegalArgumentException {
    final String intentId;

    Invalid(String intentId, String message) {
      super(message);
      this.intentId = intentId;
    }
  }

  boolean isNew() {
    return "new".equals(type);
  }

  /**
   * The Deribit currency of the instrument, as get_order_state_by_label wants it: the coin of an
   * inverse instrument ({@code BTC-PERPETUAL}: BTC), the quote of a linear one
   * ({@code SOL_USDC-PERPETUAL}: USDC; there is no SOL currency).
   */
  static String currency(String instrument) {
    int dash = instrument.indexOf('-');
    String head = dash > 0 ? instrument.substring(0, dash) : instrument;
    int underscore = head.indexOf('_');
    return underscore > 0 ? head.substring(underscore + 1) : head;
  }

  /** The fields an intent of each type may carry; anything else is refused naming it. */
  private static final Map<String, Set<String>> FIELDS = Map.of(
    "new", Set.of("type", "intent_id", "instrument", "side", "amount", "order_type", "price", "post_only", "reduce_only",
      "time_in_force"),
    "cancel", Set.of("type", "intent_id", "target"),
    "edit", Set.of("type", "intent_id", "target", "amount", "price"));

  static Intent parse(Map<String, String> f, String labelPrefix) {
    String id = f.get("intent_id");
    if (id == null || id.isEmpty()) {
      throw new Invalid(null, "intent_id: missing");
    }
    if (id.length() > MAX_ID_CHARS) {
      throw new Invalid(null, "intent_id: longer than " + MAX_ID_CHARS + " characters");
    }
    if (!id.startsWith(labelPrefix)) {
      throw new Invalid(null, "intent_id: must start with the label prefix '" + labelPrefix + "'");
    }
    String type = f.get("type");
    if (type == null) {
      throw new Invalid(id, "type: missing, expected new|cancel|edit");
    }
    Set<String> allowed = FIELDS.get(type);
    if (allowed != null) {
      for (String field : new java.util.TreeSet<>(f.keySet())) {
        if (!allowed.contains(field)) {
          // A misspelt flag (postonly) would otherwise be dropped silently and change the order.
          throw new Invalid(id, clip(field) + ": unknown field for a " + type + " intent, expected " + new java.util.TreeSet<>(allowed));
        }
      }
    }
    switch (type) {
      case "new" -> {
        String instrument = required(f, id, "instrument");
        String side = oneOf(f, id, "side", Set.of("buy", "sell"), null);
        BigDecimal amount = positive(f, id, "amount", true);
        String orderType = oneOf(f, id, "order_type", Set.of("limit", "market"), null);
        BigDecimal price = positive(f, id, "price", "limit".equals(orderType));
        if ("market".equals(orderType) && price != null) {
          throw new Invalid(id, "price: not allowed for a market order");
        }
        boolean postOnly = bool(f, id, "post_only");
        if (postOnly && !"limit".equals(orderType)) {
          throw new Invalid(id, "post_only: only for limit orders");
        }
        String tif = oneOf(f, id, "time_in_force", TIME_IN_FORCE, "good_til_cancelled");
        return new Intent(type, id, null, instrument, side, amount, orderType, price, postOnly, bool(f, id, "reduce_only"), tif);
      }
      case "cancel" -> {
        return new Intent(type, id, target(f, id, labelPrefix), null, null, null, null, null, false, false, null);
      }
      case "edit" -> {
        String target = target(f, id, labelPrefix);
        return new Intent(type, id, target, null, null, positive(f, id, "amount", true), null, positive(f, id, "price", true),
          false, false, null);
      }
      default -> throw new Invalid(id, "type: expected new|cancel|edit, got '" + clip(type) + "'");
    }
  }

  private static String target(Map<String, String> f, String id, String prefix) {
    String target = required(f, id, "target");
    if (!target.startsWith(prefix) || target.length() > MAX_ID_CHARS) {
      throw new Invalid(id, "target: not a label of this executor (prefix '" + prefix + "', at most " + MAX_ID_CHARS + " characters)");
    }
    return target;
  }

  private static String required(Map<String, String> f, String id, String field) {
    String v = f.get(field);
    if (v == null || v.isBlank()) {
      throw new Invalid(id, field + ": missing");
    }
    if (v.length() > MAX_ID_CHARS) {
      throw new Invalid(id, field + ": longer than " + MAX_ID_CHARS + " characters");
    }
    return v;
  }

  private static String oneOf(Map<String, String> f, String id, String field, Set<String> allowed, String dflt) {
    String v = f.get(field);
    if (v == null || v.isEmpty()) {
      if (dflt != null) {
        return dflt;
      }
      throw new Invalid(id, field + ": missing, expected one of " + allowed);
    }
    if (!allowed.contains(v)) {
      throw new Invalid(id, field + ": expected one of " + allowed + ", got '" + clip(v) + "'");
    }
    return v;
  }

  private static boolean bool(Map<String, String> f, String id, String field) {
    String v = f.get(field);
    if (v == null || v.isEmpty() || "false".equals(v)) {
      return false;
    }
    if ("true".equals(v)) {
      return true;
    }
    throw new Invalid(id, field + ": expected true|false, got '" + clip(v) + "'");
  }

  private static BigDecimal positive(Map<String, String> f, String id, String field, boolean required) {
    String v = f.get(field);
    if (v == null || v.isEmpty()) {
      if (required) {
        throw new Invalid(id, field + ": missing");
      }
      return null;
    }
    if (v.length() > MAX_NUMBER_CHARS) {
      throw new Invalid(id, field + ": longer than " + MAX_NUMBER_CHARS + " characters");
    }
    BigDecimal d;
    try {
      d = new BigDecimal(v);
    } catch (NumberFormatException e) {
      throw new Invalid(id, field + ": not a decimal number: '" + clip(v) + "'");
    }
    if (d.signum() <= 0 || d.scale() > 18 || d.precision() - d.scale() > 18) {
      throw new Invalid(id, field + ": expected a positive decimal (at most 18 digits each side of the point), got " + clip(v));
    }
    return d;
  }

  private static String clip(String v) {
    return v.length() <= 32 ? v : v.substring(0, 32) + "...";
  }
}
