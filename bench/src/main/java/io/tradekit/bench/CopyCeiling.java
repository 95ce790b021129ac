package io.tradekit.bench;

import io.vertx.core.json.JsonObject;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The persistence ceiling: PostgreSQL {@code COPY} (pgjdbc's {@link CopyManager}, text format) of
 * the SAME rows the pipeline stored (copied out of {@code trades} byte for byte) into an identical
 * empty table ({@code LIKE trades INCLUDING ALL}: same columns, checks, primary key and indexes),
 * with 1, 2 and 4 connections in parallel; the best is the ceiling. Blocking JDBC on the harness's
 * own threads (never an event loop).
 */
final class CopyCeiling {

  static final String COLUMNS = "exchange, instrument, trade_id, trade_seq, price, amount, direction, ts, received_at";
  private final JsonObject connect;

  CopyCeiling(JsonObject postgresConnect) {
    this.connect = postgresConnect;
  }

  private Connection connection() throws Exception {
    String url = "jdbc:postgresql://" + connect.getString("host") + ":" + connect.getInteger("port") + "/" + connect.getString("database");
    return DriverManager.getConnection(url, connect.getString("user"), connect.getString("password", ""));
  }

  /** One parallelism's result. */
  record Trial(int connections, long rows, double rowsPerSecond) {
  }

  /** @return one trial per parallelism, each into a fresh empty table dropped afterwards */
  List<Trial> run(String exchange, long expectedRows) throws Exception {
    byte[] data;
    try (Connection c = connection()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long rows = ((PGConnection) c.unwrap(PGConnection.class)).getCopyAPI().copyOut("COPY (SELECT " + COLUMNS
        + " FROM trades WHERE exchange = '" + exchange.replace("'", "''") + "') TO STDOUT", out);
      if (rows != expectedRows) {
        throw new IllegalStateException("COPY ceiling: expected " + expectedRows + " rows of " + exchange + ", copied out " + rows);
      }
      data = out.toByteArray();
    }
    List<byte[]> lines = splitLines(data);
    List<Trial> trials = new ArrayList<>();
    for (int connections : new int[] {1, 2, 4}) {
      String table = "trades_copy_ceiling_" + connections;
      try (Connection c = connection(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + table);
        s.execute("CREATE TABLE " + table + " (LIKE trades INCLUDING ALL)");
      }
      ExecutorService pool = Executors.newFixedThreadPool(connections);
      try {
        List<Future<Long>> parts = new ArrayList<>();
        long start = System.nanoTime();
        for (int k = 0; k < connections; k++) {
          byte[] slice = join(lines, k, connections);
          parts.add(pool.submit(() -> {
            try (Connection c = connection()) {
              CopyManager copy = ((PGConnection) c.unwrap(PGConnection.class)).getCopyAPI();
              return copy.copyIn("COPY " + table + " (" + COLUMNS + ") FROM STDIN", new ByteArrayInputStream(slice));
            }
          }));
        }
        long rows = 0;
        for (Future<Long> part : parts) {
          rows += part.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        try (Connection c = connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
          rs.next();
          if (rs.getLong(1) != expectedRows || rows != expectedRows) {
            throw new IllegalStateException("COPY ceiling: " + table + " holds " + rs.getLong(1) + " rows, expected " + expectedRows);
          }
          s.execute("DROP TABLE " + table);
        }
        trials.add(new Trial(connections, rows, rows / seconds));
      } finally {
        pool.shutdownNow();
      }
    }
    return trials;
  }

  private static List<byte[]> splitLines(byte[] data) {
    List<byte[]> lines = new ArrayList<>();
    int from = 0;
    for (int i = 0; i < data.length; i++) {
      if (data[i] == '\n') {
        byte[] line = new byte[i + 1 - from];
        System.arraycopy(data, from, line, 0, line.length);
        lines.add(line);
        from = i + 1;
      }
    }
    return lines;
  }

  /** Contiguous slice {@code k} of {@code n} (contiguous keeps each connection's index inserts local, as the pipeline's batches are). */
  private static byte[] join(List<byte[]> lines, int k, int n) {
    int per = (lines.size() + n - 1) / n;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = k * per; i < Math.min(lines.size(), (k + 1) * per); i++) {
      out.writeBytes(lines.get(i));
    }
    return out.toByteArray();
  }
}
