package io.tradekit.verticles.receiver;

import io.tradekit.config.ConfigReader;
import io.micrometer.core.instrument.Counter;
import io.tradekit.feed.FeedClient;
import io.tradekit.feed.FeedMessage;
import io.tradekit.feed.FeedOptions;
import io.tradekit.feed.MemoryBudget;
import io.tradekit.feed.Trade;
import io.tradekit.health.KitMetrics;
import io.tradekit.redis.RedisResource;
import io.tradekit.redis.StreamTrimmer;
import io.tradekit.supervisor.ServiceVerticle;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

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
    if (!"trades".equals(message.kind()) || !(message.data() instanceof JsonArray trades) || gaps == null) {
      return;
    }
    shedTrades.increment(trades.size());
    Map<String, long[]> ranges = new HashMap<>(2);
    for (Object item : trades) {
      if (item instanceof JsonObject t && t.getValue("trade_seq") instanceof Long seq
          && t.getValue("instrument_name") instanceof String instrument) {
        long[] range = ranges.computeIfAbsent(instrument, k -> new long[] {seq, seq});
        range[0] = Math.min(range[0], seq);
        range[1] = Math.max(range[1], seq);
      }
    }
    ranges.forEach((instrument, range) -> gaps.shed(instrument, range[0], range[1]));
  }

  /**
   * Converts each message into writer entries. The message's budget reservation (the feed's
   * estimate) is split among its entries and released as Redis acknowledges them; a message that
   * yields no entry releases it at once. Never waits: the writer accepts everything.
   */
  private Future<Void> write(List<FeedMessage> batch) {
    long now = System.currentTimeMillis();
    List<Entry> entries = new ArrayList<>();
    for (FeedMessage message : batch) {
      entries.clear();
      try {
        switch (message.kind()) {
          case "trades" -> trades(message, now, entries);
          case "ticker" -> entries.add(new Entry(Streams.key(options.exchange, Streams.TICKER, message.instrument()),
            tickerFields((JsonObject) message.data()), -1, null, -1));
          case "book" -> entries.add(new Entry(Streams.key(options.exchange, Streams.BOOK, message.instrument()),
            bookFields((JsonObject) message.data()), -1, null, -1));
          default -> skipped.increment();
        }
      } catch (RuntimeException unexpectedShape) {
        skipped.increment();
      }
      long reserved = MemoryBudget.estimateBytes(message);
      if (entries.isEmpty()) {
        budget.release(reserved);
        continue;
      }
      long share = reserved / entries.size();
      for (int i = 0; i < entries.size(); i++) {
        Entry e = entries.get(i);
        long bytes = i == 0 ? reserved - share * (entries.size() - 1) : share;
        writer.append(e.stream, e.fields, e.exchangeTsMs, bytes, e.instrument, e.seq);
      }
    }
    return Future.succeededFuture();
  }

  /** One writer entry in the making. */
  private record Entry(String stream, List<String> fields, long exchangeTsMs, String instrument, long seq) {
  }

  private void trades(FeedMessage message, long now, List<Entry> entries) {
    if (!(message.data() instanceof JsonArray trades)) {
      skipped.increment();
      return;
    }
    for (Object item : trades) {
      try {
        Trade t = Trade.fromJson((JsonObject) item);
        TradeRecord record = new TradeRecord(options.exchange, t.instrument(), t.tradeId(), t.tradeSeq(), t.price(),
          t.amount(), t.direction(), t.timestampMs());
        GapTracker.Gap gap = gaps.trade(t.instrument(), t.tradeSeq(), message.receivedNanos());
        if (gap != null) {
          entries.add(gapEntry(gap, now));
        }
        entries.add(new Entry(Streams.key(options.exchange, Streams.TRADES, t.instrument()), record.toFields(now),
          t.timestampMs(), t.instrument(), t.tradeSeq()));
      } catch (RuntimeException malformed) {
        skipped.increment();
      }
    }
  }

  private Entry gapEntry(GapTracker.Gap gap, long nowMs) {
    gapTrades.increment(gap.size());
    KitMetrics.of(vertx).registry().counter("tradekit.receiver.gaps", "service", service().name(), "reason", gap.reason()).increment();
    List<String> fields = List.of("ex", options.exchange, "in", gap.instrument(), "from", Long.toString(gap.from()),
      "to", Long.toString(gap.to()), "reason", gap.reason(), "at", Long.toString(nowMs));
    return new Entry(gapStream, fields, -1, null, -1);
  }

  private void writeGap(GapTracker.Gap gap, long nowMs, long bytes) {
    Entry e = gapEntry(gap, nowMs);
    writer.append(e.stream, e.fields, -1, bytes, null, -1);
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
