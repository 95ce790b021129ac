package io.tradekit.verticles.janitor;

import io.tradekit.config.ConfigReader;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.supervisor.TaskVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The janitor (run-once task): deletes trades and bars older than their retention in bounded
 * batches (each DELETE touches at most {@code batchSize} rows, so locks stay short), trims the
 * market-data streams by age ({@code XTRIM <key> MINID <cutoff-ms>}), logs the counts in one
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
        report.put("streamsTrimmed", trimmed[0]).put("entriesTrimmed", trimmed[1]);
        LOG.info("event=janitor.done tradesDeleted={} ohlcDeleted={} streamsTrimmed={} entriesTrimmed={}",
          report.getLong("tradesDeleted"), report.getLong("ohlcDeleted"), trimmed[0], trimmed[1]);
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

  /** @return {streams trimmed, entries removed} */
  private Future<long[]> trimStreams(long cutoffMs) {
    return scan("0", new ArrayList<>()).compose(keys -> {
      long[] result = new long[2];
      Future<Void> chain = Future.succeededFuture();
      for (String key : keys) {
        chain = chain.compose(v -> redis.api().type(key).compose(type -> !"stream".equals(type.toString())
            ? Future.succeededFuture()
            : redis.api().xtrim(List.of(key, "MINID", cutoffMs + "-0")).map(removed -> {
              result[0]++;
              result[1] += removed.toLong();
              return null;
            }))
          .timeout(options.commandTimeoutMs, TimeUnit.MILLISECONDS).mapEmpty());
      }
      return chain.map(v -> result);
    });
  }

  private Future<List<String>> scan(String cursor, List<String> keys) {
    return redis.api().scan(List.of(cursor, "MATCH", options.streamPattern, "COUNT", "500"))
      .timeout(options.commandTimeoutMs, TimeUnit.MILLISECONDS)
      .compose((Response reply) -> {
        reply.get(1).forEach(k -> keys.add(k.toString()));
        String next = reply.get(0).toString();
        return next.equals("0") ? Future.succeededFuture(keys) : scan(next, keys);
      });
  }
}
