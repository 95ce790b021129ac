package io.tradekit.verticles.gapfill;

import io.micrometer.core.instrument.Counter;
import io.tradekit.config.ConfigReader;
import io.tradekit.feed.Trade;
import io.tradekit.health.KitMetrics;
import io.tradekit.http.HttpResource;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.CommandResult;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.redis.RedisResource;
import io.tradekit.redis.StreamEntry;
import io.tradekit.supervisor.ServiceVerticle;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The gapfill service (daemon): closes the gaps the receiver finds in an exchange's trade_seq.
 *
 * <p>Consumes {@code md:<exchange>:gaps} with the consumer group {@code gapfill}. For each gap entry
 * ({@link Gap}): inserts its row into {@code gaps} ({@code ON CONFLICT DO NOTHING}, status
 * {@code open}); fetches the missing trades page by page from {@code public/get_last_trades_by_instrument}
 * ({@link TradeHistoryClient}: rate-limited, retried); XADDs them to
 * {@code md:<exchange>:trades:<instrument>} with the receiver's fields ({@link TradeRecord#toFields}),
 * so the distributor persists them like live trades (idempotently, by trade id); then marks the row
 * {@code filled} with {@code filled_at} and {@code filled_trades}. When the exchange no longer has
 * some of the trades (an empty page, a page that starts past the missing seq, or no more pages
 * before {@code to}), the trades it still has are written and the row becomes {@code unfillable}
 * with the reason in {@code error}. Gaps detected more than {@code lookbackMs} before the service
 * started become {@code unfillable} without a request. The entry is acknowledged only after its row
 * is final; when the exchange stays unreachable (retries used up) the batch fails, the row stays
 * {@code open} and the consumer group redelivers it later.
 *
 * <p>Deployed by the supervisor; everything runs on the verticle's context. Readiness data:
 * {@code openGaps} and {@code unfillableGaps} of this exchange. Metrics:
 * {@code tradekit.gapfill.filled.trades} and {@code tradekit.gapfill.gaps{status}}.
 */
public class GapFillService extends ServiceVerticle {

  static final String INSERT_GAP = """
    INSERT INTO gaps (exchange, instrument, from_seq, to_seq, reason, detected_at, status)
    VALUES ($1, $2, $3, $4, $5, $6, 'open')
    ON CONFLICT (exchange, instrument, from_seq) DO NOTHING""";
  static final String GAP_STATUS = "SELECT status FROM gaps WHERE exchange = $1 AND instrument = $2 AND from_seq = $3";
  static final String CLOSE_GAP = """
    UPDATE gaps SET status = $4, filled_at = CASE WHEN $4 = 'filled' THEN now() END, filled_trades = $5, error = $6
    WHERE exchange = $1 AND instrument = $2 AND from_seq = $3 AND status = 'open'""";
  static final String COUNT_NOT_FILLED = """
    SELECT count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'unfillable')
    FROM gaps WHERE exchange = $1 AND status <> 'filled'""";

  private static final Logger LOG = LoggerFactory.getLogger(GapFillService.class);

  private GapFillOptions options;
  private PgResource pg;
  private RedisResource redis;
  private TradeHistoryClient history;
  private GroupConsumer consumer;
  private String consumerName;
  private long startedAtMs;
  private boolean stopping;
  private Counter filledTrades;

  /** Checks the whole config block up front, during the supervisor's config validation. */
  @Override
  protected void validateConfig(ConfigReader config) {
    new GapFillOptions(config);
  }

  @Override
  public Future<?> start() {
    options = new GapFillOptions(config());
    startedAtMs = System.currentTimeMillis();
    pg = service().resource(options.postgres, PgResource.class);
    redis = service().resource(options.redis, RedisResource.class);
    history = new TradeHistoryClient(vertx, service().resource(options.http, HttpResource.class), options);
    filledTrades = KitMetrics.of(vertx).registry().counter("tradekit.gapfill.filled.trades", "exchange", options.exchange);
    service().readinessCheck("gaps", p -> pg.query(COUNT_NOT_FILLED, Tuple.of(options.exchange), true)
      .onComplete(ar -> {
        // Data only: an open gap is work to do, not a reason to take the process out of service.
        JsonObject data = new JsonObject().put("exchange", options.exchange);
        if (ar.succeeded()) {
          Row row = ar.result().iterator().next();
          data.put("openGaps", row.getLong(0)).put("unfillableGaps", row.getLong(1));
        } else {
          data.put("error", ar.cause().toString());
        }
        p.tryComplete(new Status().setOk(true).setData(data));
      }));
    // A stable name per instance: a restarted process resumes its own pending gaps at once.
    consumerName = GroupConsumer.claimConsumerName(vertx, service().name());
    GroupConsumer.Settings settings = new GroupConsumer.Settings(options.group,
      consumerName, List.of(Streams.gaps(options.exchange)),
      options.batchSize, options.blockMs, options.claimIdleMs, options.claimIntervalMs, options.retryDelayMs,
      options.commandTimeoutMs);
    consumer = new GroupConsumer(vertx, redis, settings, this::fillAll);
    return consumer.start().onFailure(err -> releaseName());
  }

  private void releaseName() {
    if (consumerName != null) {
      GroupConsumer.releaseConsumerName(vertx, consumerName);
      consumerName = null;
    }
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (history != null) {
      // A gap in flight fails fast (not acknowledged): it is redelivered, and its row stays open.
      history.close();
    }
    Future<Void> stopped = consumer == null ? Future.succeededFuture() : consumer.stop();
    return stopped.onComplete(ar -> releaseName());
  }

  /** One gap after the other: the rate limit is the bottleneck, not concurrency. */
  private Future<Void> fillAll(List<StreamEntry> entries) {
    Future<Void> chain = Future.succeededFuture();
    for (StreamEntry entry : entries) {
      chain = chain.compose(v -> fill(entry));
    }
    return chain;
  }

  private Future<Void> fill(StreamEntry entry) {
    Gap gap;
    try {
      gap = Gap.fromFields(entry.fields());
    } catch (IllegalArgumentException invalid) {
      return deadLetter(entry, invalid.getMessage());
    }
    return pg.query(INSERT_GAP, Tuple.of(options.exchange, gap.instrument(), gap.fromSeq(), gap.toSeq(), gap.reason(),
        at(gap.detectedAtMs())), true)
      .compose(v -> pg.query(GAP_STATUS, Tuple.of(options.exchange, gap.instrument(), gap.fromSeq()), true))
      .compose(rows -> {
        String status = rows.iterator().next().getString(0);
        if (!"open".equals(status)) {
          // A redelivered entry whose row was already closed: nothing left to do.
          return Future.succeededFuture();
        }
        if (gap.detectedAtMs() < startedAtMs - options.lookbackMs) {
          return close(gap, "unfillable", 0, "detected at " + Instant.ofEpochMilli(gap.detectedAtMs())
            + ", more than lookbackMs=" + options.lookbackMs + " before gapfill started; not fetched");
        }
        return fetchFrom(new Progress(gap), gap.fromSeq());
      });
  }

  /** How far the fill of one gap got: trades written, trades the exchange no longer has. */
  private static final class Progress {
    final Gap gap;
    long written;
    long missing;
    /** The first range of missing trade_seq, for the row's error. */
    String firstHole;

    Progress(Gap gap) {
      this.gap = gap;
    }

    void missing(long fromSeq, long toSeq, String why) {
      missing += toSeq - fromSeq + 1;
      if (firstHole == null) {
        firstHole = "trade_seq " + fromSeq + ".." + toSeq + " " + why;
      }
    }
  }

  /**
   * Fetches and writes the trades {@code nextSeq..to} of the gap page by page, then closes its row:
   * {@code filled} when every missing trade was written, {@code unfillable} when the exchange no
   * longer has some of them (the ones it has are still written).
   */
  private Future<Void> fetchFrom(Progress progress, long nextSeq) {
    Gap gap = progress.gap;
    if (nextSeq > gap.toSeq()) {
      if (progress.missing == 0) {
        return close(gap, "filled", progress.written, null);
      }
      return close(gap, "unfillable", progress.written, progress.missing + " of " + gap.size()
        + " trades are no longer at the exchange, first " + progress.firstHole + "; " + progress.written + " filled");
    }
    if (stopping) {
      return Future.failedFuture(new TradeHistoryClient.Unavailable("gapfill is stopping; " + gap + " stays open"));
    }
    return history.page(gap.instrument(), nextSeq, gap.toSeq()).transform(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof TradeHistoryClient.Rejected rejected) {
          return close(gap, "unfillable", progress.written, "exchange rejected the request: " + rejected.getMessage()
            + "; " + progress.written + " of " + gap.size() + " trades filled");
        }
        return Future.failedFuture(ar.cause());
      }
      List<Trade> trades = new ArrayList<>();
      long expected = nextSeq;
      for (Trade t : ar.result().trades()) {
        if (t.tradeSeq() < expected || t.tradeSeq() > gap.toSeq() || !gap.instrument().equals(t.instrument())) {
          continue;
        }
        if (t.tradeSeq() > expected) {
          // The exchange's history starts later (or skips): those trades are gone for good.
          progress.missing(expected, t.tradeSeq() - 1, "not in the exchange's history");
        }
        trades.add(t);
        expected = t.tradeSeq() + 1;
      }
      if (trades.isEmpty() || (!ar.result().hasMore() && expected <= gap.toSeq())) {
        progress.missing(expected, gap.toSeq(), trades.isEmpty() ? "not returned (empty page)" : "not returned (no more pages)");
        expected = gap.toSeq() + 1;
      }
      long next = expected;
      progress.written += trades.size();
      return (trades.isEmpty() ? Future.<Void>succeededFuture() : write(trades)).compose(v -> fetchFrom(progress, next));
    });
  }

  /** XADDs the trades to their stream like the receiver does; duplicates are harmless (trades are keyed by id). */
  private Future<Void> write(List<Trade> trades) {
    long now = System.currentTimeMillis();
    List<Request> adds = new ArrayList<>(trades.size());
    for (Trade t : trades) {
      TradeRecord record = new TradeRecord(options.exchange, t.instrument(), t.tradeId(), t.tradeSeq(), t.price(),
        t.amount(), t.direction(), t.timestampMs());
      // maxLen 0: never a blind trim (trimming is the safe trimmer's job).
      adds.add(GroupConsumer.xadd(Streams.key(options.exchange, Streams.TRADES, t.instrument()), 0, record.toFields(now)));
    }
    // Idempotent enough to retry: a repeated XADD only duplicates entries the distributor dedupes.
    return redis.pipeline(adds, true).compose(results -> {
      for (CommandResult result : results) {
        if (!result.succeeded()) {
          return Future.failedFuture(result.error());
        }
      }
      filledTrades.increment(trades.size());
      return Future.succeededFuture();
    });
  }

  private Future<Void> close(Gap gap, String status, long filled, String error) {
    return pg.query(CLOSE_GAP, Tuple.of(options.exchange, gap.instrument(), gap.fromSeq(), status, (int) filled, error), true)
      .map(rows -> {
        KitMetrics.of(vertx).registry().counter("tradekit.gapfill.gaps", "exchange", options.exchange, "status", status).increment();
        if ("filled".equals(status)) {
          LOG.info("event=gapfill.filled gap=\"{}\" trades={}", gap, filled);
        } else {
          LOG.warn("event=gapfill.unfillable gap=\"{}\" trades={} error=\"{}\"", gap, filled, error);
        }
        return null;
      });
  }

  /** An entry that does not describe a gap can never be filled: park it with the reason and acknowledge it. */
  private Future<Void> deadLetter(StreamEntry entry, String reason) {
    List<String> fields = new ArrayList<>(List.of("stream", entry.stream(), "entry", entry.id(), "reason", reason));
    if (entry.fields() != null) {
      entry.fields().forEach((k, v) -> {
        fields.add("f." + k);
        fields.add(v == null ? "" : v);
      });
    }
    LOG.warn("event=gapfill.deadlettered stream={} entry={} reason=\"{}\"", entry.stream(), entry.id(), reason);
    return redis.send(GroupConsumer.xadd(Streams.DEAD_LETTER, 0, fields), false).mapEmpty();
  }

  private static OffsetDateTime at(long ms) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneOffset.UTC);
  }
}
