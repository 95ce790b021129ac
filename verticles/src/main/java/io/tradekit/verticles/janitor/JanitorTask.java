package io.tradekit.verticles.janitor;

import io.tradekit.config.ConfigReader;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.redis.StreamTrimmer;
import io.tradekit.supervisor.TaskVerticle;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The janitor (run-once task): deletes trades and bars older than their retention in bounded
 * batches (each DELETE touches at most {@code batchSize} rows, so locks stay short), trims the
 * market-data streams safely ({@link StreamTrimmer}: below what every consumer group acknowledged
 * AND older than {@code streamRetentionMs}, whichever is lower; a stream without groups only when
 * it is a ticker/book stream; never {@code md:deadletter} or {@code md:<exchange>:gaps}), every
 * command through the resources' resilient API, logs the counts in one
 * {@code event=janitor.done} line and completes. A failure fails the task; the supervisor then
 * shuts down cleanly and the process exits 1. Run alone with
 * {@code java -jar tradekit.jar run service:janitor -conf conf/config.json}.
 */
public class JanitorTask extends TaskVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(JanitorTask.class);

  private JanitorOptions options;
  private PgResource pg;
  private RedisResource redis;

  /** Checks the whole config block up front, during the supervisor's config validation. */
  @Override
  protected void validateConfig(ConfigReader config) {
    new JanitorOptions(config);
  }

  @Override
  protected Future<?> run() {
    options = new JanitorOptions(config());
    pg = service().resource(options.postgres, PgResource.class);
    redis = service().resource(options.redis, RedisResource.class);
    long now = System.currentTimeMillis();
    JsonObject report = new JsonObject();
    return deleteOld("trades", "ts", now - options.tradesRetentionMs)
      .compose(n -> {
        report.put("tradesDeleted", n);
        return deleteOld("ohlc", "bucket_start", now - options.ohlcRetentionMs);
      })
      .compose(n -> {
        report.put("ohlcDeleted", n);
        return trimStreams(now - options.streamRetentionMs);
      })
      .map(trimmed -> {
        report.put("streamsTrimmed", trimmed.streamsTrimmed()).put("entriesTrimmed", trimmed.entriesTrimmed())
          .put("streamsKept", trimmed.streamsKept());
        LOG.info("event=janitor.done tradesDeleted={} ohlcDeleted={} streamsTrimmed={} entriesTrimmed={} streamsKeptWithoutGroups={}",
          report.getLong("tradesDeleted"), report.getLong("ohlcDeleted"), trimmed.streamsTrimmed(),
          trimmed.entriesTrimmed(), trimmed.streamsKept());
        return report;
      });
  }

  /** Deletes in batches until a batch comes back short (or maxBatches is reached). */
  private Future<Long> deleteOld(String table, String column, long cutoffMs) {
    // Table and column names are constants of this class, never input.
    String sql = "DELETE FROM " + table + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + table + " WHERE " + column
      + " < $1 LIMIT $2))";
    OffsetDateTime cutoff = OffsetDateTime.ofInstant(Instant.ofEpochMilli(cutoffMs), ZoneOffset.UTC);
    return deleteBatch(sql, cutoff, 0L, 0);
  }

  private Future<Long> deleteBatch(String sql, OffsetDateTime cutoff, long total, int batches) {
    // Deleting by a fixed cutoff is idempotent, so a batch lost in flight may be retried.
    return pg.query(sql, Tuple.of(cutoff, options.batchSize), true).compose(rows -> {
      long sum = total + rows.rowCount();
      int done = batches + 1;
      if (rows.rowCount() < options.batchSize || (options.maxBatches > 0 && done >= options.maxBatches)) {
        return Future.succeededFuture(sum);
      }
      return deleteBatch(sql, cutoff, sum, done);
    });
  }

  /** What the stream pass did, for the report. */
  private record TrimReport(long streamsTrimmed, long entriesTrimmed, long streamsKept) {
  }

  /**
   * Trims every matching stream below its safe point AND below the retention cutoff, whichever is
   * lower ({@link StreamTrimmer}); never {@code md:deadletter} or {@code md:<exchange>:gaps}.
   */
  private Future<TrimReport> trimStreams(long cutoffMs) {
    StreamTrimmer trimmer = new StreamTrimmer(vertx, redis);
    String cutoffId = cutoffMs + "-0";
    return scan("0", new ArrayList<>()).compose(keys -> {
      List<StreamTrimmer.Outcome> outcomes = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (String key : keys) {
        if (neverTrimmed(key)) {
          continue;
        }
        chain = chain.compose(v -> redis.send(Request.cmd(Command.TYPE).arg(key), true)
          .compose(type -> !"stream".equals(type.toString()) ? Future.succeededFuture()
            : trimmer.trim(key, cutoffId, 0, readByNoGroup(key)).map(outcome -> {
              outcomes.add(outcome);
              return null;
            })));
      }
      return chain.map(v -> new TrimReport(outcomes.stream().filter(o -> o.removed() > 0).count(),
        outcomes.stream().mapToLong(StreamTrimmer.Outcome::removed).sum(),
        outcomes.stream().filter(o -> o.safeId() == null && o.trimmedBelow() == null).count()));
    });
  }

  /** Dead letters and gap records are evidence to be worked off, never aged out. */
  static boolean neverTrimmed(String key) {
    return key.equals(Streams.DEAD_LETTER) || (key.startsWith(Streams.PREFIX) && key.endsWith(":gaps"));
  }

  /**
   * Latest-value streams ({@code md:<exchange>:ticker:*}, {@code md:<exchange>:book:*}) are read by
   * no consumer group; without one they are trimmed by age alone. Any other stream without a group
   * (e.g. trades whose distributor never started) is kept whole.
   */
  static boolean readByNoGroup(String key) {
    String[] parts = key.split(":", 4);
    return parts.length == 4 && (parts[2].equals(Streams.TICKER) || parts[2].equals(Streams.BOOK));
  }

  private Future<List<String>> scan(String cursor, List<String> keys) {
    return redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(options.streamPattern).arg("COUNT").arg(500), true)
      .compose((Response reply) -> {
        reply.get(1).forEach(k -> keys.add(k.toString()));
        String next = reply.get(0).toString();
        return next.equals("0") ? Future.succeededFuture(keys) : scan(next, keys);
      });
  }
}
