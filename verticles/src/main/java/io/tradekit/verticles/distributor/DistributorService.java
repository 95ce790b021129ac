package io.tradekit.verticles.distributor;

import io.tradekit.config.ConfigReader;
import io.micrometer.core.instrument.Counter;
import io.tradekit.health.KitMetrics;
import io.tradekit.pg.PgResource;
import io.tradekit.redis.RedisResource;
import io.tradekit.supervisor.ServiceVerticle;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.redis.StreamEntry;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.core.Future;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The distributor service (daemon): consumes the trade streams with a consumer group and persists
 * trades into PostgreSQL with one bulk {@code UNNEST} insert per batch ({@code ON CONFLICT DO
 * NOTHING}, so redelivery is harmless), acknowledging entries only after the insert committed.
 *
 * <p>Entries that can never be persisted (validation fails) go to {@link Streams#DEAD_LETTER} with
 * the reason and are acknowledged, so they do not block the group. After each commit it appends
 * one notification per instrument to {@link Streams#persisted} for the analyzer. Several instances
 * (threads or processes) share the work; stale pending entries of a crashed instance are claimed.
 * Deployed by the supervisor; runs on its verticle context.
 */
public class DistributorService extends ServiceVerticle {

  static final String INSERT_TRADES = """
    INSERT INTO trades (exchange, instrument, trade_id, trade_seq, price, amount, direction, ts)
    SELECT u.ex, u.ins, u.id, u.seq, u.px::numeric, u.qty::numeric, u.side,
           TIMESTAMPTZ 'epoch' + u.ts * INTERVAL '1 millisecond'
    FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::bigint[])
         AS u(ex, ins, id, seq, px, qty, side, ts)
    ON CONFLICT (exchange, instrument, trade_id) DO NOTHING""";

  private static final Logger LOG = LoggerFactory.getLogger(DistributorService.class);

  private DistributorOptions options;
  private PgResource pg;
  private RedisResource redis;
  private GroupConsumer consumer;
  private Counter persisted;
  private Counter deadLettered;

  /** Checks the whole config block up front, during the supervisor's config validation. */
  @Override
  protected void validateConfig(ConfigReader config) {
    new DistributorOptions(config);
  }

  @Override
  public Future<?> start() {
    options = new DistributorOptions(config());
    pg = service().resource(options.postgres, PgResource.class);
    redis = service().resource(options.redis, RedisResource.class);
    persisted = KitMetrics.registry().counter("tradekit.distributor.trades.persisted", "service", service().name());
    deadLettered = KitMetrics.registry().counter("tradekit.distributor.entries.deadlettered", "service", service().name());
    List<String> streams = options.instruments.stream().map(i -> Streams.key(options.exchange, Streams.TRADES, i)).toList();
    GroupConsumer.Settings settings = new GroupConsumer.Settings(options.group,
      GroupConsumer.uniqueConsumerName(service().name()), streams, options.batchSize, options.blockMs,
      options.claimIdleMs, options.claimIntervalMs, options.retryDelayMs, options.commandTimeoutMs);
    consumer = new GroupConsumer(vertx, redis, settings, this::persist);
    return consumer.start();
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.stop();
  }

  private Future<Void> persist(List<StreamEntry> entries) {
    List<TradeRecord> valid = new ArrayList<>(entries.size());
    List<Request> deadLetters = new ArrayList<>();
    for (StreamEntry entry : entries) {
      try {
        if (entry.fields() == null) {
          throw new IllegalArgumentException("entry was deleted while pending");
        }
        valid.add(TradeRecord.fromFields(entry.fields()));
      } catch (IllegalArgumentException invalid) {
        deadLetters.add(deadLetter(entry, invalid.getMessage()));
      }
    }
    Future<Void> parked = deadLetters.isEmpty() ? Future.succeededFuture()
      : redis.client().batch(deadLetters).timeout(options.commandTimeoutMs, TimeUnit.MILLISECONDS).map(r -> {
        deadLettered.increment(deadLetters.size());
        LOG.warn("event=distributor.deadlettered entries={}", deadLetters.size());
        return null;
      });
    return parked.compose(v -> valid.isEmpty() ? Future.succeededFuture() : insert(valid).compose(x -> notifyPersisted(valid)));
  }

  private Request deadLetter(StreamEntry entry, String reason) {
    List<String> fields = new ArrayList<>();
    fields.add("stream");
    fields.add(entry.stream());
    fields.add("entry");
    fields.add(entry.id());
    fields.add("reason");
    fields.add(reason);
    if (entry.fields() != null) {
      entry.fields().forEach((k, v) -> {
        fields.add("f." + k);
        fields.add(v == null ? "" : v);
      });
    }
    return GroupConsumer.xadd(Streams.DEAD_LETTER, 100_000, fields);
  }

  private Future<Void> insert(List<TradeRecord> trades) {
    // ON CONFLICT DO NOTHING makes the insert idempotent: safe to retry even when lost in flight.
    return pg.query(INSERT_TRADES, tupleOf(trades), true)
      .map(rows -> {
        persisted.increment(rows.rowCount());
        return null;
      });
  }

  /** One array parameter per column: the whole batch is one statement, whatever its size. */
  static Tuple tupleOf(List<TradeRecord> trades) {
    int n = trades.size();
    String[] ex = new String[n];
    String[] ins = new String[n];
    String[] id = new String[n];
    Long[] seq = new Long[n];
    String[] px = new String[n];
    String[] qty = new String[n];
    String[] side = new String[n];
    Long[] ts = new Long[n];
    for (int i = 0; i < n; i++) {
      TradeRecord t = trades.get(i);
      ex[i] = t.exchange();
      ins[i] = t.instrument();
      id[i] = t.tradeId();
      seq[i] = t.tradeSeq();
      px[i] = t.price().toPlainString();
      qty[i] = t.amount().toPlainString();
      side[i] = t.direction();
      ts[i] = t.timestampMs();
    }
    return Tuple.of(ex, ins, id, seq, px, qty, side, ts);
  }

  /** One entry per instrument: the time range the analyzer must recompute. */
  private Future<Void> notifyPersisted(List<TradeRecord> trades) {
    Map<String, long[]> ranges = new LinkedHashMap<>();
    for (TradeRecord t : trades) {
      long[] r = ranges.computeIfAbsent(t.exchange() + "\u0000" + t.instrument(), k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
      r[0] = Math.min(r[0], t.timestampMs());
      r[1] = Math.max(r[1], t.timestampMs());
    }
    List<Request> notes = new ArrayList<>();
    ranges.forEach((key, r) -> {
      String[] parts = key.split("\u0000");
      notes.add(GroupConsumer.xadd(Streams.persisted(parts[0]), 100_000,
        List.of("in", parts[1], "from", Long.toString(r[0]), "to", Long.toString(r[1]))));
    });
    return redis.client().batch(notes).timeout(options.commandTimeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
  }
}
