package io.tradekit.bench;

import io.vertx.core.json.JsonObject;

/**
 * One line of the results: a measured value next to its ceiling from the same run (when it has
 * one), the target it is held to (when it has one) and whether it met it. Written to the results
 * JSON by {@link Bench} and read back by {@link ReadmeTable}.
 *
 * @param measure the measure's name, e.g. {@code ingest}
 * @param what what was measured, e.g. {@code trades stored/s}
 * @param value the value, or null when it could not be measured (then {@code note} says why)
 * @param unit e.g. {@code trades/s}, {@code µs}, {@code ms}, {@code MiB}
 * @param ceilingWhat how the ceiling was obtained, or null
 * @param ceiling the ceiling's value in the same unit, or null
 * @param target the target as text, e.g. {@code >= 100000} or {@code ratio >= 0.60}, or null
 * @param met whether the target was met; null when there is no target
 * @param note anything a reader needs to judge the value (shed trades, missing samples, noise)
 */
record Figure(String measure, String what, Double value, String unit, String ceilingWhat, Double ceiling, String target,
              Boolean met, String note) {

  static Figure of(String measure, String what, Double value, String unit) {
    return new Figure(measure, what, value, unit, null, null, null, null, null);
  }

  Figure ceiling(String how, Double ceilingValue) {
    return new Figure(measure, what, value, unit, how, ceilingValue, target, met, note);
  }

  /** Target {@code value >= min} (or {@code <= max} when {@code atMost}). */
  Figure target(boolean atMost, double bound) {
    boolean ok = value != null && (atMost ? value <= bound : value >= bound);
    return new Figure(measure, what, value, unit, ceilingWhat, ceiling, (atMost ? "<= " : ">= ") + Format.number(bound), ok, note);
  }

  /** Target on the ratio value / ceiling, e.g. {@code >= 0.60 of ceiling}. */
  Figure ratioTarget(double minRatio) {
    Double r = ratio();
    boolean ok = r != null && r >= minRatio;
    return new Figure(measure, what, value, unit, ceilingWhat, ceiling, String.format(java.util.Locale.ROOT, ">= %.2f of ceiling", minRatio),
      ok, note);
  }

  /** Marks a figure as not meeting its target whatever its value (e.g. a run that shed trades). */
  Figure failed(String why) {
    return new Figure(measure, what, value, unit, ceilingWhat, ceiling, target == null ? "(run valid)" : target, false,
      note == null ? why : note + "; " + why);
  }

  Figure note(String text) {
    return new Figure(measure, what, value, unit, ceilingWhat, ceiling, target, met, note == null ? text : note + "; " + text);
  }

  Double ratio() {
    return value == null || ceiling == null || ceiling == 0 ? null : value / ceiling;
  }

  JsonObject toJson() {
    return new JsonObject().put("measure", measure).put("what", what).put("value", value).put("unit", unit)
      .put("ceilingWhat", ceilingWhat).put("ceiling", ceiling).put("ratio", ratio()).put("target", target).put("met", met)
      .put("note", note);
  }

  static Figure fromJson(JsonObject j) {
    return new Figure(j.getString("measure"), j.getString("what"), j.getDouble("value"), j.getString("unit"),
      j.getString("ceilingWhat"), j.getDouble("ceiling"), j.getString("target"), j.getBoolean("met"), j.getString("note"));
  }
}
