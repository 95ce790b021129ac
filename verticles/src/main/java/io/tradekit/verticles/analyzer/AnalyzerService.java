package io.tradekit.verticles.analyzer;

import io.tradekit.config.ConfigReader;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.supervisor.ServiceVerticle;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.redis.StreamEntry;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The analyzer service (daemon): keeps OHLC bars exact by RECOMPUTING every bar a persisted batch
 * touched (never by incrementing): the finest resolution from the {@code trades} table, coarser
 * multiples of it from those finest bars. Redelivery, restarts and several instances cannot
 * double-count: a bar always equals a recomputation from {@code trades}.
 *
 * <p>Driven by the distributor's notifications on {@link Streams#persisted} (consumer group, ack
 * after the upsert). Recomputes of one instrument are serialised with a transaction-scoped advisory
 * lock. Also copies the latest 1-minute-or-finest bar and the latest ticker of each instrument to
 * Redis hashes {@code latest:<exchange>:bar:<instrument>} and {@code latest:<exchange>:ticker:<instrument>}.
 * Deployed by the supervisor; runs on its verticle context.
 */
public class AnalyzerService extends ServiceVerticle {

  /** The end of both bar statements: replace the bar, return it for the "latest bar" hash. */
  private static final String UPSERT_BARS = """
    ON CONFLICT (exchange, instrument, resolution, bucket_start) DO UPDATE
      SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
          volume = EXCLUDED.volume, trade_count = EXCLUDED.trade_count, source = 'live', updated_at = now()
    RETURNING bucket_start, open, high, low, close, volume, trade_count""";

  /**
   * The finest bars from {@code trades}. Open and close are the prices of the first and last trade
   * by (ts, trade_seq); they are looked up per bar through the (exchange, instrument, ts) index
   * instead of {@code (array_agg(price ORDER BY ts, trade_seq))[1]} and its DESC twin, which sorted
   * every trade of the bar twice on every recompute (spilling to disk past work_mem): under load
   * that made the analyzer a third of PostgreSQL's CPU, competing with the distributors' inserts.
   */
  static final String RECOMPUTE = """
    INSERT INTO ohlc (exchange, instrument, resolution, bucket_start, open, high, low, close, volume, trade_count, source, updated_at)
    SELECT $1, $2, $3, g.b, o.price, g.hi, g.lo, c.price, g.vol, g.n, 'live', now()
    FROM (SELECT date_bin(make_interval(mins => $4), ts, TIMESTAMPTZ 'epoch') AS b, max(price) AS hi, min(price) AS lo,
                 sum(amount) AS vol, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts
          FROM trades
          WHERE exchange = $1 AND instrument = $2
            AND ts >= date_bin(make_interval(mins => $4), TIMESTAMPTZ 'epoch' + $5 * INTERVAL '1 millisecond', TIMESTAMPTZ 'epoch')
            AND ts < date_bin(make_interval(mins => $4), TIMESTAMPTZ 'epoch' + $6 * INTERVAL '1 millisecond', TIMESTAMPTZ 'epoch')
                     + make_interval(mins => $4)
          GROUP BY 1) g
    CROSS JOIN LATERAL (SELECT price FROM trades f WHERE f.exchange = $1 AND f.instrument = $2 AND f.ts = g.first_ts
                        ORDER BY f.trade_seq LIMIT 1) o
    CROSS JOIN LATERAL (SELECT price FROM trades l WHERE l.exchange = $1 AND l.instrument = $2 AND l.ts = g.last_ts
                        ORDER BY l.trade_seq DESC LIMIT 1) c
    """ + UPSERT_BARS;

  /**
   * A coarser bar from the finest live bars of the same instrument (just recomputed in the same
   * transaction), for resolutions that are a multiple of the finest: its cost grows with the number
   * of fine bars in the bucket (60 for an hour of 1-minute bars), not with the trades in it. The
   * recompute from trades scanned every trade of the hour on every batch, so the analyzer fell
   * behind under load and its drain made every shutdown slower.
   */
  static final String ROLL_UP = """
    INSERT INTO ohlc (exchange, instrument, resolution, bucket_start, open, high, low, close, volume, trade_count, source, updated_at)
    SELECT exchange, instrument, $3, b,
           (array_agg(open ORDER BY bucket_start))[1], max(high), min(low),
           (array_agg(close ORDER BY bucket_start DESC))[1], sum(volume), sum(trade_count), 'live', now()
    FROM (SELECT exchange, instrument, open, high, low, close, volume, trade_count, bucket_start,
                 date_bin(make_interval(mins => $4), bucket_start, TIMESTAMPTZ 'epoch') AS b
          FROM ohlc
          WHERE exchange = $1 AND instrument = $2 AND resolution = $7 AND source = 'live'
            AND bucket_start >= date_bin(make_interval(mins => $4), TIMESTAMPTZ 'epoch' + $5 * INTERVAL '1 millisecond', TIMESTAMPTZ 'epoch')
            AND bucket_start < date_bin(make_interval(mins => $4), TIMESTAMPTZ 'epoch' + $6 * INTERVAL '1 millisecond', TIMESTAMPTZ 'epoch')
                     + make_interval(mins => $4)) t
    GROUP BY exchange, instrument, b
    """ + UPSERT_BARS;

  private static final Logger LOG = LoggerFactory.getLogger(AnalyzerService.class);

  private AnalyzerOptions options;
  private PgResource pg;
  private RedisResource redis;
  private GroupConsumer consumer;
  private String consumerName;
  private long tickerTimer = -1;

  /** Checks the whole config block up front, during the supervisor's config validation. */
  @Override
  protected void validateConfig(ConfigReader config) {
    new AnalyzerOptions(config);
  }

  @Override
  public Future<?> start() {
    options = new AnalyzerOptions(config());
    pg = service().resource(options.postgres, PgResource.class);
    redis = service().resource(options.redis, RedisResource.class);
    // A stable name per instance: a restarted process resumes its own pending notifications.
    consumerName = GroupConsumer.claimConsumerName(vertx, service().name());
    GroupConsumer.Settings settings = new GroupConsumer.Settings(options.group,
      consumerName, List.of(Streams.persisted(options.exchange)),
      options.batchSize, options.blockMs, options.claimIdleMs, options.claimIntervalMs, options.retryDelayMs,
      options.commandTimeoutMs);
    consumer = new GroupConsumer(vertx, redis, settings, this::recompute);
    if (options.tickerRefreshMs > 0) {
      tickerTimer = vertx.setPeriodic(options.tickerRefreshMs, t -> copyLatestTickers());
    }
    return consumer.start().onFailure(err -> releaseName());
  }

  @Override
  public Future<?> stop() {
    if (tickerTimer >= 0) {
      vertx.cancelTimer(tickerTimer);
    }
    Future<Void> stopped = consumer == null ? Future.succeededFuture() : consumer.stop();
    return stopped.onComplete(ar -> releaseName());
  }

  private void releaseName() {
    if (consumerName != null) {
      GroupConsumer.releaseConsumerName(vertx, consumerName);
      consumerName = null;
    }
  }

  private Future<Void> recompute(List<StreamEntry> notes) {
    Map<String, long[]> ranges = new LinkedHashMap<>();
    for (StreamEntry note : notes) {
      Map<String, String> f = note.fields();
      try {
        long from = Long.parseLong(f.get("from"));
        long to = Long.parseLong(f.get("to"));
        long[] r = ranges.computeIfAbsent(f.get("in"), k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
        r[0] = Math.min(r[0], from);
        r[1] = Math.max(r[1], to);
      } catch (RuntimeException malformed) {
        // A notification only says "recompute"; a malformed one can be skipped without losing data
        // because the next notification of that instrument recomputes the affected bars anyway.
        LOG.warn("skipping malformed persisted notification {}: {}", note.id(), malformed.toString());
      }
    }
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, long[]> e : ranges.entrySet()) {
      chain = chain.compose(v -> recomputeInstrument(e.getKey(), e.getValue()[0], e.getValue()[1]));
    }
    return chain;
  }

  private Future<Void> recomputeInstrument(String instrument, long fromMs, long toMs) {
    // A recomputation is idempotent: re-running the whole transaction is always safe.
    return pg.withTransaction(true, conn -> {
      Future<List<Row>> finest = conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))")
        .execute(Tuple.of(options.exchange + ":" + instrument)).map(r -> List.of());
      for (int i = 0; i < options.resolutions.size(); i++) {
        String resolution = options.resolutions.get(i);
        int minutes = options.resolutionMinutes.get(i);
        boolean keep = i == 0;
        int finestMinutes = options.resolutionMinutes.get(0);
        // The first resolution comes from trades; a multiple of it rolls up its bars (exact, as
        // they are); any other resolution (e.g. 5 after 3) is recomputed from trades.
        boolean rollUp = i > 0 && minutes % finestMinutes == 0;
        Tuple args = rollUp
          ? Tuple.of(options.exchange, instrument, resolution, minutes, fromMs, toMs, options.resolutions.get(0))
          : Tuple.of(options.exchange, instrument, resolution, minutes, fromMs, toMs);
        finest = finest.compose(prev -> conn.preparedQuery(rollUp ? ROLL_UP : RECOMPUTE)
          .execute(args)
          .map(rows -> {
            if (!keep) {
              return prev;
            }
            List<Row> out = new ArrayList<>();
            rows.forEach(out::add);
            return out;
          }));
      }
      return finest;
    }).compose(rows -> publishLatestBar(instrument, rows));
  }

  private Future<Void> publishLatestBar(String instrument, List<Row> bars) {
    Row latest = null;
    for (Row row : bars) {
      if (latest == null || row.getOffsetDateTime("bucket_start").isAfter(latest.getOffsetDateTime("bucket_start"))) {
        latest = row;
      }
    }
    if (latest == null) {
      return Future.succeededFuture();
    }
    Row bar = latest;
    List<String> args = List.of("latest:" + options.exchange + ":bar:" + instrument,
      "resolution", options.resolutions.get(0),
      "bucketStartMs", Long.toString(bar.getOffsetDateTime("bucket_start").toInstant().toEpochMilli()),
      "open", bar.getBigDecimal("open").toPlainString(), "high", bar.getBigDecimal("high").toPlainString(),
      "low", bar.getBigDecimal("low").toPlainString(), "close", bar.getBigDecimal("close").toPlainString(),
      "volume", bar.getBigDecimal("volume").toPlainString(), "trades", Long.toString(bar.getLong("trade_count")));
    // Only move the hash forward: an older recompute (e.g. a claimed stale batch) must not win.
    // Both commands are idempotent (a read; an HSET of the same values), so both may be retried.
    return redis.send(Request.cmd(Command.HGET).arg(args.get(0)).arg("bucketStartMs"), true).compose(current -> {
      if (current != null && Long.parseLong(current.toString()) > Long.parseLong(args.get(4))) {
        return Future.succeededFuture();
      }
      return redis.send(hset(args), true).mapEmpty();
    }).mapEmpty();
  }

  private static Request hset(List<String> keyAndFields) {
    Request request = Request.cmd(Command.HSET);
    keyAndFields.forEach(request::arg);
    return request;
  }

  private void copyLatestTickers() {
    for (String instrument : options.instruments) {
      String stream = Streams.key(options.exchange, Streams.TICKER, instrument);
      redis.send(Request.cmd(Command.XREVRANGE).arg(stream).arg("+").arg("-").arg("COUNT").arg(1), true)
        .compose(reply -> copyTicker(instrument, reply))
        .onFailure(err -> LOG.debug("latest ticker of {} not copied: {}", instrument, err.toString()));
    }
  }

  private Future<Void> copyTicker(String instrument, Response reply) {
    if (reply == null || reply.size() == 0) {
      return Future.succeededFuture();
    }
    Response fields = reply.get(0).get(1);
    List<String> args = new ArrayList<>();
    args.add("latest:" + options.exchange + ":ticker:" + instrument);
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      args.add(fields.get(i).toString());
      args.add(fields.get(i + 1).toString());
    }
    return args.size() == 1 ? Future.succeededFuture() : redis.send(hset(args), true).mapEmpty();
  }
}
