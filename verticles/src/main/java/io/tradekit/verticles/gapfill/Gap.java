package io.tradekit.verticles.gapfill;

import io.tradekit.verticles.md.EntryFields;

import java.util.Map;

/**
 * One gap entry of {@code md:<exchange>:gaps}, as the receiver writes it: fields {@code ex},
 * {@code in} instrument, {@code from} / {@code to} the first and last missing trade_seq
 * (inclusive), {@code reason} (startup, reconnect, stall, jump, shed) and {@code at} the detection
 * time in epoch ms. Pure value; parsed by {@link #fromFields}.
 */
record Gap(String exchange, String instrument, long fromSeq, long toSeq, String reason, long detectedAtMs) {

  /** @return how many trades are missing */
  long size() {
    return toSeq - fromSeq + 1;
  }

  /**
   * @throws IllegalArgumentException naming the field when the entry cannot describe a gap
   *     (missing field, not a number, {@code to < from})
   */
  static Gap fromFields(Map<String, String> fields) {
    if (fields == null) {
      throw new IllegalArgumentException("entry was deleted while pending");
    }
    String exchange = EntryFields.required(fields, "ex");
    String instrument = EntryFields.required(fields, "in");
    long from = EntryFields.longValue(fields, "from");
    long to = EntryFields.longValue(fields, "to");
    if (to < from) {
      throw new IllegalArgumentException("to: expected >= from (" + from + "), got " + to);
    }
    String reason = EntryFields.required(fields, "reason");
    long at = EntryFields.longValue(fields, "at");
    return new Gap(exchange, instrument, from, to, reason, at);
  }

  @Override
  public String toString() {
    return exchange + " " + instrument + " [" + fromSeq + ", " + toSeq + "] (" + reason + ")";
  }
}
