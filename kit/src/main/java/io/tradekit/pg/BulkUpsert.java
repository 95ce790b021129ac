package io.tradekit.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Describes a bulk upsert into one table: the columns with their PostgreSQL types, the conflict
 * target and the columns to update on conflict (none: {@code DO NOTHING}). Immutable; build with
 * {@link #into(String)}. Used by {@link PgResource#bulkUpsert}.
 *
 * <p>The statement sends ONE array parameter per column ({@code UNNEST($1::text[], $2::bigint[],
 * ...)}), so a batch of any size uses as many parameters as there are columns, far under
 * PostgreSQL's 65,535-parameter limit; {@code batchSize} only bounds statement size and lock time.
 */
public final class BulkUpsert {

  /** One column: its name and its PostgreSQL element type, e.g. {@code text}, {@code bigint}, {@code numeric}. */
  public record Column(String name, String type) {
  }

  private final String table;
  private final List<Column> columns;
  private final List<String> conflict;
  private final List<String> update;
  private final int batchSize;

  private BulkUpsert(String table, List<Column> columns, List<String> conflict, List<String> update, int batchSize) {
    this.table = table;
    this.columns = List.copyOf(columns);
    this.conflict = List.copyOf(conflict);
    this.update = List.copyOf(update);
    this.batchSize = batchSize;
  }

  public static BulkUpsert into(String table) {
    return new BulkUpsert(Objects.requireNonNull(table), List.of(), List.of(), List.of(), 10_000);
  }

  public BulkUpsert column(String name, String type) {
    List<Column> next = new ArrayList<>(columns);
    next.add(new Column(name, type));
    return new BulkUpsert(table, next, conflict, update, batchSize);
  }

  public BulkUpsert onConflict(String... columnNames) {
    return new BulkUpsert(table, columns, List.of(columnNames), update, batchSize);
  }

  /** Columns set from the new row on conflict; without it the statement is {@code DO NOTHING}. */
  public BulkUpsert doUpdate(String... columnNames) {
    return new BulkUpsert(table, columns, conflict, List.of(columnNames), batchSize);
  }

  public BulkUpsert batchSize(int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("batchSize: expected at least 1 row, got " + rows);
    }
    return new BulkUpsert(table, columns, conflict, update, rows);
  }

  public List<Column> columns() {
    return columns;
  }

  public int batchSize() {
    return batchSize;
  }

  /** @return the statement; numeric columns travel as text[] (exact) and are cast server-side */
  public String sql() {
    if (columns.isEmpty() || conflict.isEmpty()) {
      throw new IllegalStateException("bulk upsert into " + table + ": expected columns and a conflict target");
    }
    StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append(" (");
    StringBuilder select = new StringBuilder("SELECT * FROM UNNEST(");
    for (int i = 0; i < columns.size(); i++) {
      Column c = columns.get(i);
      sql.append(i == 0 ? "" : ", ").append(c.name());
      select.append(i == 0 ? "" : ", ").append('$').append(i + 1)
        .append(c.type().equals("numeric") ? "::text[]::numeric[]" : "::" + c.type() + "[]");
    }
    sql.append(") ").append(select).append(") ON CONFLICT (").append(String.join(", ", conflict)).append(") ");
    if (update.isEmpty()) {
      sql.append("DO NOTHING");
    } else {
      sql.append("DO UPDATE SET ");
      for (int i = 0; i < update.size(); i++) {
        sql.append(i == 0 ? "" : ", ").append(update.get(i)).append(" = EXCLUDED.").append(update.get(i));
      }
    }
    return sql.toString();
  }
}
