package io.tradekit.pg;

import io.vertx.sqlclient.Tuple;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Function;

/** Builds the one-array-per-column parameters of a {@link BulkUpsert} batch; reads rows only. */
final class BulkParams {

  private BulkParams() {
  }

  static <T> Tuple of(BulkUpsert spec, List<T> rows, Function<T, Object[]> extractor) {
    List<BulkUpsert.Column> columns = spec.columns();
    Object[][] arrays = new Object[columns.size()][];
    for (int c = 0; c < columns.size(); c++) {
      arrays[c] = newArray(columns.get(c).type(), rows.size());
    }
    for (int r = 0; r < rows.size(); r++) {
      Object[] values = extractor.apply(rows.get(r));
      if (values.length != columns.size()) {
        throw new IllegalArgumentException("bulk upsert: row " + r + " has " + values.length + " values, expected "
          + columns.size());
      }
      for (int c = 0; c < columns.size(); c++) {
        Object v = values[c];
        arrays[c][r] = columns.get(c).type().equals("numeric") && v != null
          ? (v instanceof BigDecimal d ? d.toPlainString() : v.toString()) : v;
      }
    }
    Tuple tuple = Tuple.tuple();
    for (Object[] array : arrays) {
      tuple.addValue(array);
    }
    return tuple;
  }

  private static Object[] newArray(String type, int n) {
    return switch (type) {
      case "bigint", "int8" -> new Long[n];
      case "integer", "int4", "int" -> new Integer[n];
      case "smallint", "int2" -> new Short[n];
      case "boolean", "bool" -> new Boolean[n];
      case "double precision", "float8" -> new Double[n];
      case "timestamptz", "timestamp with time zone" -> new OffsetDateTime[n];
      default -> new String[n]; // text, varchar, numeric (sent as text, cast server-side)
    };
  }
}
