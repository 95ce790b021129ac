package io.tradekit.bench.jmh;

import io.tradekit.pg.BulkParamsAccess;
import io.tradekit.pg.BulkUpsert;
import io.tradekit.verticles.distributor.DistributorAccess;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.sqlclient.Tuple;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Bulk-insert parameter building, in rows/s, for one distributor batch of {@value #ROWS} stream
 * entries (the distributor's default read size):
 * <ul>
 *   <li>{@code distributor}: what the distributor does per batch: parse and validate each entry's
 *       fields ({@link TradeRecord#fromFields}) and build its one-array-per-column parameters;</li>
 *   <li>{@code kitBulkParams}: the same records through the kit's generic {@code BulkParams}
 *       (the path of {@code PgResource.bulkUpsert});</li>
 *   <li>{@code baseline}: the least work that yields the same parameters: copy the field strings
 *       into the column arrays, parse the two integers, no validation. The ceiling of the other two.</li>
 * </ul>
 * Run alone: {@code java -cp bench/target/tradekit-bench.jar org.openjdk.jmh.Main BulkParamsBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BulkParamsBenchmark {

  static final int ROWS = 500;
  private static final BulkUpsert SPEC = BulkUpsert.into("trades").column("exchange", "text").column("instrument", "text")
    .column("trade_id", "text").column("trade_seq", "bigint").column("price", "numeric").column("amount", "numeric")
    .column("direction", "text").column("ts", "bigint").onConflict("exchange", "instrument", "trade_id");

  private List<Map<String, String>> entries;
  private List<TradeRecord> records;

  @Setup
  public void setUp() {
    entries = new ArrayList<>(ROWS);
    records = new ArrayList<>(ROWS);
    for (int i = 0; i < ROWS; i++) {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("ex", "deribit");
      f.put("in", i % 2 == 0 ? "BTC-PERPETUAL" : "ETH-PERPETUAL");
      f.put("id", Long.toString(300_000_000L + i));
      f.put("seq", Long.toString(200_000_000L + i));
      f.put("px", BigDecimal.valueOf(97_000 + i * 0.5).toPlainString());
      f.put("qty", "0.0" + (1 + i % 97));
      f.put("side", i % 3 == 0 ? "sell" : "buy");
      f.put("ts", Long.toString(1_767_225_600_000L + i));
      f.put("rcv", Long.toString(1_767_225_600_001L + i));
      entries.add(f);
      records.add(TradeRecord.fromFields(f));
    }
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public Tuple distributor() {
    List<TradeRecord> parsed = new ArrayList<>(ROWS);
    for (Map<String, String> f : entries) {
      parsed.add(TradeRecord.fromFields(f));
    }
    return DistributorAccess.tupleOf(parsed);
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public Tuple kitBulkParams() {
    return BulkParamsAccess.of(SPEC, records, t -> new Object[] {t.exchange(), t.instrument(), t.tradeId(), t.tradeSeq(),
      t.price(), t.amount(), t.direction(), t.timestampMs()});
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public Tuple baseline() {
    int n = entries.size();
    String[] ex = new String[n];
    String[] ins = new String[n];
    String[] id = new String[n];
    Long[] seq = new Long[n];
    String[] px = new String[n];
    String[] qty = new String[n];
    String[] side = new String[n];
    Long[] ts = new Long[n];
    for (int i = 0; i < n; i++) {
      Map<String, String> f = entries.get(i);
      ex[i] = f.get("ex");
      ins[i] = f.get("in");
      id[i] = f.get("id");
      seq[i] = Long.parseLong(f.get("seq"));
      px[i] = f.get("px");
      qty[i] = f.get("qty");
      side[i] = f.get("side");
      ts[i] = Long.parseLong(f.get("ts"));
    }
    return Tuple.of(ex, ins, id, seq, px, qty, side, ts);
  }
}
