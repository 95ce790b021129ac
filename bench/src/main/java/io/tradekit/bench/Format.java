package io.tradekit.bench;

import java.util.Locale;

/** Number formatting of the printed and generated tables. Pure. */
final class Format {

  private Format() {
  }

  /** @return e.g. {@code 104,212}, {@code 7.4}, {@code 0.83}: three significant digits at least, grouped */
  static String number(Double v) {
    if (v == null || v.isNaN()) {
      return "–";
    }
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String ratio(Double r) {
    return r == null ? "" : String.format(Locale.ROOT, "%.2f", r);
  }
}
