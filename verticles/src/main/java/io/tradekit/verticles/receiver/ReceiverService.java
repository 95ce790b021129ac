package io.tradekit.verticles.receiver;

import io.tradekit.config.ConfigReader;
import io.micrometer.core.instrument.Counter;
import io.tradekit.feed.FeedClient;
import io.tradekit.feed.FeedMessage;
import io.tradekit.feed.FeedOptions;
import io.tradekit.feed.MemoryBudget;
import io.tradekit.feed.Trade;
import io.tradekit.feed.TradeBatch;
import io.tradekit.health.KitMetrics;
import io.tradekit.redis.RedisResource;
import io.tradekit.redis.StreamTrimmer;
import io.tradekit.supervisor.ServiceVerticle;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The receiver service (daemon): the exchange feed ({@link FeedClient}) into Redis Streams
 * {@code md:<exchange>:<kind>:<instrument>} through the pipelined {@link StreamWriter}.
 *
 * <p>Memory: one {@link MemoryBudget} ({@code memoryBudgetBytes}) bounds the feed's delivery
 * queue and the writer's buffer together. A message that does not fit when it arrives is SHED
 * (never the socket paused: heartbeats keep flowing), counted ({@code tradekit.receiver.shed.messages},
 * {@code .shed.trades}); everything admitted is written, retried until Redis acknowledges it.
 *
 * <p>Gaps: every processed trade goes through a {@link GapTracker}; a jump in an instrument's
 * trade_seq is one entry in {@code md:<exchange>:gaps} (reason shed, reconnect, startup or jump),
 * written through the same writer, and counts {@code tradekit.feed.gap.trades}. The tracker starts
 * from the hash {@code md:<exchange>:lastseq} (read before the feed starts), which the writer keeps
 * up to date, so what a previous run lost shows up as a {@code startup} gap.
 *
 * <p>Malformed or unexpected messages are counted and skipped. Readiness includes the feed: not
 * ready while disconnected. On stop: stop the feed (no reconnect), hand what it already received
 * to the writer, record trailing shed trades as gaps, flush the writer, then complete — so
 * everything accepted reaches Redis. Deployed by the supervisor; runs on its verticle context.
 */
public class ReceiverService extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(ReceiverService.class);
  /** Malformed trades are counted each time; their first reason is logged at most this often. */
  private static final long MALFORMED_LOG_INTERVAL_MS = 10_000;

  private ReceiverOptions options;
  private FeedClient feed;
  private StreamWriter writer;
  private MemoryBudget budget;
  private GapTracker gaps;
  private String gapStream;
  private Counter skipped;
  private Counter shedMessages;
  private Counter shedTrades;
  private Counter gapTrades;
  private StreamTrimmer trimmer;
  private long lastMalformedLogMs = Long.MIN_VALUE / 2;

  /** Checks the whole config block up front, during the supervisor's config validation. */
  @Override
  protected void validateConfig(ConfigReader config) {
    ReceiverOptions parsed = new ReceiverOptions(config);
    new FeedOptions(parsed.feed, config.path("feed")).setChannels(parsed.channels());
  }

  @Override
  public Future<?> start() {
    options = new ReceiverOptions(config());
    FeedOptions feedOptions = new FeedOptions(options.feed, "config.feed").setChannels(options.channels());
    RedisResource redis = service().resource(options.redis, RedisResource.class);
    String name = service().name();
    budget = new MemoryBudget(options.memoryBudgetBytes);
    KitMetrics.of(vertx).gauge("tradekit.receiver.budget.used.bytes", budget::usedBytes, "service", name);
    KitMetrics.of(vertx).gauge("tradekit.receiver.budget.peak.bytes", budget::peakBytes, "service", name);
    KitMetrics.of(vertx).gauge("tradekit.receiver.budget.limit.bytes", budget::limitBytes, "service", name);
    writer = new StreamWriter(vertx, redis, options, budget, name);
    gapStream = Streams.gaps(options.exchange);
    skipped = KitMetrics.of(vertx).registry().counter("tradekit.receiver.messages.skipped", "service", name);
    shedMessages = KitMetrics.of(vertx).registry().counter("tradekit.receiver.shed.messages", "service", name);
    shedTrades = KitMetrics.of(vertx).registry().counter("tradekit.receiver.shed.trades", "service", name);
    gapTrades = KitMetrics.of(vertx).registry().counter("tradekit.feed.gap.trades", "exchange", options.exchange);
    feed = new FeedClient(vertx, feedOptions).handler(this::write).budget(budget, this::shed)
      .connectionHandler(up -> {
        if (!up) {
          gaps.disconnected(System.nanoTime());
        }
      });
    service().readinessCheck("feed", p -> {
      JsonObject status = feed.status().put("buffered", writer.buffered()).put("shedMessages", (long) shedMessages.count())
        .put("shedTrades", (long) shedTrades.count()).put("budgetUsedBytes", budget.usedBytes())
        .put("budgetLimitBytes", budget.limitBytes());
      p.complete(new Status().setOk(feed.isConnected()).setData(status));
    });
    trimmer = new StreamTrimmer(vertx, redis);
    if (options.trimIntervalMs > 0) {
      trimmer.start(options.trimIntervalMs, this::trimTargets);
    }
    service().readinessCheck("streams", p -> p.complete(new Status().setOk(trimmer.overCap().isEmpty())
      .setData(new JsonObject().put("overCap", new JsonObject(new HashMap<>(trimmer.overCap()))))));
    // The tracker must know what earlier runs stored before the first trade is processed.
    return loadLastSeq(redis).compose(stored -> {
      gaps = new GapTracker(stored, System.nanoTime());
      return feed.start();
    });
  }

  private Future<Map<String, Long>> loadLastSeq(RedisResource redis) {
    return redis.send(Request.cmd(Command.HGETALL).arg(Streams.lastSeq(options.exchange)), true).map(reply -> {
      Map<String, Long> stored = new HashMap<>();
      if (reply != null) {
        for (String field : reply.getKeys()) {
          Response value = reply.get(field);
          try {
            stored.put(field, Long.parseLong(value.toString()));
          } catch (RuntimeException notANumber) {
            skipped.increment();
          }
        }
      }
      return stored;
    });
  }

  /** The streams this receiver writes; ticker/book streams are read by no consumer group. */
  private List<StreamTrimmer.Target> trimTargets() {
    return options.kinds.stream().flatMap(kind -> options.instruments.stream().map(i -> new StreamTrimmer.Target(
      Streams.key(options.exchange, kind, i), options.maxLen, !kind.equals(Streams.TRADES)))).toList();
  }

  @Override
  public Future<?> stop() {
    Future<Void> trimming = trimmer == null ? Future.succeededFuture() : trimmer.stop();
    if (feed == null) {
      return trimming;
    }
    return trimming.compose(v -> feed.stop()).compose(v -> feed.drain()).compose(v -> {
      if (gaps != null) {
        // Shed after the last processed trade: no later trade will reveal it in this run.
        long nowMs = System.currentTimeMillis();
        gaps.trailingShed().forEach(gap -> writeGap(gap, nowMs, 0));
      }
      return writer.drain();
    });
  }

  /** A message the feed shed (budget full, or its queue's capacity): counted, and remembered for the gap it leaves. */
  private void shed(FeedMessage message) {
    shedMessages.increment();
    if (!(message.data() instanceof TradeBatch batch) || gaps == null) {
      return;
    }
    shedTrades.increment(batch.size());
    // A notification holds one instrument's trades in order: one range per run of an instrument.
    String instrument = null;
    long min = 0;
    long max = 0;
    for (Trade t : batch.trades()) {
      if (!t.instrument().equals(instrument)) {
        if (instrument != null) {
          gaps.shed(instrument, min, max);
        }
        instrument = t.instrument();
        min = t.tradeSeq();
        max = t.tradeSeq();
      }
      min = Math.min(min, t.tradeSeq());
      max = Math.max(max, t.tradeSeq());
    }
    if (instrument != null) {
      gaps.shed(instrument, min, max);
    }
  }

  /**
   * Converts each message into writer entries. The message's budget reservation (the feed's
   * estimate) goes with its entries and is released as Redis acknowledges them; a message that
   * yields no entry releases it at once. Never waits: the writer accepts everything.
   */
  private Future<Void> write(List<FeedMessage> batch) {
    long now = System.currentTimeMillis();
    for (FeedMessage message : batch) {
      long reserved = MemoryBudget.estimateBytes(message);
      if (message.data() instanceof TradeBatch trades) {
        trades(message, trades, reserved, now);
        continue;
      }
      Entry entry = null;
      try {
        switch (message.kind()) {
          case "ticker" -> entry = new Entry(Streams.key(options.exchange, Streams.TICKER, message.instrument()),
            tickerFields((JsonObject) message.data()));
          case "book" -> entry = new Entry(Streams.key(options.exchange, Streams.BOOK, message.instrument()),
            bookFields((JsonObject) message.data()));
          default -> skipped.increment();
        }
      } catch (RuntimeException unexpectedShape) {
        skipped.increment();
      }
      if (entry == null) {
        budget.release(reserved);
      } else {
        writer.append(entry.stream, entry.fields, reserved);
      }
    }
    return Future.succeededFuture();
  }

  /** One non-trade writer entry in the making. */
  private record Entry(String stream, List<String> fields) {
  }

  /**
   * Each trade goes to the writer with {@link MemoryBudget#BYTES_PER_TRADE} of the reservation, the
   * first one also with the message's overhead; a gap a trade reveals is written before it.
   */
  private void trades(FeedMessage message, TradeBatch batch, long reserved, long now) {
    if (batch.malformed() > 0) {
      skipped.increment(batch.malformed());
      if (now - lastMalformedLogMs >= MALFORMED_LOG_INTERVAL_MS) {
        lastMalformedLogMs = now;
        LOG.warn("event=receiver.malformed_trades channel={} dropped={} first=\"{}\"", message.channel(), batch.malformed(),
          batch.firstError());
      }
    }
    long overhead = reserved - batch.size() * MemoryBudget.BYTES_PER_TRADE;
    for (Trade t : batch.trades()) {
      GapTracker.Gap gap = gaps.trade(t.instrument(), t.tradeSeq(), message.receivedNanos());
      if (gap != null) {
        writeGap(gap, now, 0);
      }
      writer.appendTrade(t, now, MemoryBudget.BYTES_PER_TRADE + overhead);
      overhead = 0;
    }
    if (overhead > 0) {
      budget.release(overhead);
    }
  }

  private Entry gapEntry(GapTracker.Gap gap, long nowMs) {
    gapTrades.increment(gap.size());
    KitMetrics.of(vertx).registry().counter("tradekit.receiver.gaps", "service", service().name(), "reason", gap.reason()).increment();
    List<String> fields = List.of("ex", options.exchange, "in", gap.instrument(), "from", Long.toString(gap.from()),
      "to", Long.toString(gap.to()), "reason", gap.reason(), "at", Long.toString(nowMs));
    return new Entry(gapStream, fields);
  }

  private void writeGap(GapTracker.Gap gap, long nowMs, long bytes) {
    Entry e = gapEntry(gap, nowMs);
    writer.append(e.stream, e.fields, bytes);
  }

  private static List<String> tickerFields(JsonObject t) {
    List<String> fields = new ArrayList<>();
    for (String name : new String[] {"timestamp", "last_price", "mark_price", "index_price", "best_bid_price",
      "best_ask_price", "open_interest"}) {
      Object value = t.getValue(name);
      if (value != null) {
        fields.add(name);
        fields.add(value instanceof java.math.BigDecimal d ? d.toPlainString() : value.toString());
      }
    }
    if (fields.isEmpty()) {
      throw new IllegalArgumentException("ticker without fields");
    }
    return fields;
  }

  private static List<String> bookFields(JsonObject b) {
    return List.of("type", String.valueOf(b.getValue("type")), "change_id", String.valueOf(b.getValue("change_id")),
      "prev_change_id", String.valueOf(b.getValue("prev_change_id")), "ts", String.valueOf(b.getValue("timestamp")),
      "bids", String.valueOf(b.getValue("bids")), "asks", String.valueOf(b.getValue("asks")));
  }
}
