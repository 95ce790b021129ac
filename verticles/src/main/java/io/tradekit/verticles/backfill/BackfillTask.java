package io.tradekit.verticles.backfill;

import io.tradekit.config.ConfigReader;
import io.tradekit.http.HttpResource;
import io.tradekit.pg.PgResource;
import io.tradekit.supervisor.TaskVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backfill (run-once task): for each configured instrument, finds the bars of the configured
 * resolution missing in the lookback window (complete buckets only), fetches them over HTTP in
 * chunks with bounded concurrency and a rate limit ({@link ChartClient}), and inserts them with
 * source {@code backfill} ({@code ON CONFLICT DO NOTHING}: live bars are never overwritten, a
 * second run adds nothing). Completes with the task's result; logs {@code event=backfill.done}.
 */
public class BackfillTask extends TaskVerticle {

  static final String INSERT_BARS = """
    INSERT INTO ohlc (exchange, instrument, resolution, bucket_start, open, high, low, close, volume, trade_count, source)
    SELECT $1, $2, $3, TIMESTAMPTZ 'epoch' + u.t * INTERVAL '1 millisecond',
           u.o::numeric, u.h::numeric, u.l::numeric, u.c::numeric, u.v::numeric, 0, 'backfill'
    FROM UNNEST($4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(t, o, h, l, c, v)
    ON CONFLICT (exchange, instrument, resolution, bucket_start) DO NOTHING""";

  private static final Logger LOG = LoggerFactory.getLogger(BackfillTask.class);

  private BackfillOptions options;
  private PgResource pg;
  private ChartClient charts;

  /** Checks the whole config block up front, during the supervisor's config validation. */
  @Override
  protected void validateConfig(ConfigReader config) {
    new BackfillOptions(config);
  }

  @Override
  protected Future<?> run() {
    options = new BackfillOptions(config());
    pg = service().resource(options.postgres, PgResource.class);
    charts = new ChartClient(vertx, service().resource(options.http, HttpResource.class), options);
    Future<Void> chain = Future.succeededFuture();
    for (String instrument : options.instruments) {
      // A stop (SIGTERM) lets the instrument in flight finish, then skips the rest: gaps stay gaps
      // and the next run fills them, since the backfill only inserts what is missing.
      chain = chain.compose(v -> cancelled() ? Future.succeededFuture() : backfill(instrument));
    }
    return chain;
  }

  private Future<Void> backfill(String instrument) {
    long res = options.resolutionMs;
    long now = System.currentTimeMillis();
    long lastComplete = Math.floorDiv(now, res) * res - res;
    long first = Math.floorDiv(now - options.lookbackMs, res) * res;
    return existing(instrument, first, lastComplete).compose(have -> {
      Deque<long[]> chunks = new ArrayDeque<>();
      long start = -1;
      long count = 0;
      for (long t = first; t <= lastComplete; t += res) {
        boolean missing = !have.contains(t);
        if (missing && start < 0) {
          start = t;
          count = 0;
        }
        if (missing) {
          count++;
        }
        if (start >= 0 && (!missing || count == options.chunkBars || t == lastComplete)) {
          long end = missing ? t : t - res;
          chunks.add(new long[] {start, end});
          start = -1;
        }
      }
      AtomicLong inserted = new AtomicLong();
      long requestsBefore = charts.requests.get();
      long retriesBefore = charts.retries.get();
      int chunkCount = chunks.size();
      return runBounded(chunks, chunk -> charts.fetch(instrument, chunk[0], chunk[1])
          .compose(result -> insert(instrument, result)).map(n -> {
            inserted.addAndGet(n);
            return null;
          }))
        .onSuccess(v -> LOG.info("event=backfill.done instrument={} resolution={} chunks={} bars={} requests={} retries={}",
          instrument, options.resolution, chunkCount, inserted.get(), charts.requests.get() - requestsBefore,
          charts.retries.get() - retriesBefore));
    });
  }

  private Future<Set<Long>> existing(String instrument, long firstMs, long lastMs) {
    return pg.query("SELECT (extract(epoch FROM bucket_start) * 1000)::bigint FROM ohlc "
        + "WHERE exchange = $1 AND instrument = $2 AND resolution = $3 AND bucket_start BETWEEN $4 AND $5",
        Tuple.of(options.exchange, instrument, options.resolution, at(firstMs), at(lastMs)), true)
      .map(rows -> {
        Set<Long> have = new HashSet<>();
        for (Row row : rows) {
          have.add(row.getLong(0));
        }
        return have;
      });
  }

  private static OffsetDateTime at(long ms) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneOffset.UTC);
  }

  /** Runs the chunks with at most {@code maxConcurrency} in flight; fails with the first failure. */
  private Future<Void> runBounded(Deque<long[]> chunks, java.util.function.Function<long[], Future<Void>> work) {
    Promise<Void> done = Promise.promise();
    int[] inFlight = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (!done.future().isComplete() && inFlight[0] < options.maxConcurrency && !chunks.isEmpty()) {
        long[] chunk = chunks.poll();
        inFlight[0]++;
        work.apply(chunk).onComplete(ar -> {
          inFlight[0]--;
          if (ar.failed()) {
            done.tryFail(ar.cause());
          } else if (chunks.isEmpty() && inFlight[0] == 0) {
            done.tryComplete();
          } else {
            pump[0].run();
          }
        });
      }
      if (chunks.isEmpty() && inFlight[0] == 0) {
        done.tryComplete();
      }
    };
    pump[0].run();
    return done.future();
  }

  private Future<Integer> insert(String instrument, JsonObject result) {
    if (!"ok".equals(result.getString("status"))) {
      return Future.succeededFuture(0);
    }
    JsonArray ticks = result.getJsonArray("ticks");
    int n = ticks.size();
    Long[] t = new Long[n];
    String[][] columns = new String[5][n];
    String[] names = {"open", "high", "low", "close", "volume"};
    for (int i = 0; i < n; i++) {
      t[i] = ((Number) ticks.getValue(i)).longValue();
      for (int c = 0; c < names.length; c++) {
        Object value = result.getJsonArray(names[c]).getValue(i);
        columns[c][i] = value instanceof BigDecimal d ? d.toPlainString() : String.valueOf(value);
      }
    }
    List<Object> params = new ArrayList<>(List.of(options.exchange, instrument, options.resolution, t));
    for (String[] column : columns) {
      params.add(column);
    }
    return pg.query(INSERT_BARS, Tuple.wrap(params), true).map(rows -> rows.rowCount());
  }
}
