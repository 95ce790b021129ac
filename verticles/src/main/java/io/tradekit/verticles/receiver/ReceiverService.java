package io.tradekit.verticles.receiver;

import io.tradekit.config.ConfigReader;
import io.micrometer.core.instrument.Counter;
import io.tradekit.feed.FeedClient;
import io.tradekit.feed.FeedMessage;
import io.tradekit.feed.FeedOptions;
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

import java.util.ArrayList;
import java.util.List;

/**
 * The receiver service (daemon): the exchange feed ({@link FeedClient}) into Redis Streams
 * {@code md:<exchange>:<kind>:<instrument>} through the pipelined {@link StreamWriter}.
 *
 * <p>Malformed or unexpected messages are counted and skipped. Readiness includes the feed: not
 * ready while disconnected. On stop: stop the feed (no reconnect), hand what it already received
 * to the writer, flush the writer, then complete — so everything accepted reaches Redis.
 * Deployed by the supervisor; runs on its verticle context.
 */
public class ReceiverService extends ServiceVerticle {

  private ReceiverOptions options;
  private FeedClient feed;
  private StreamWriter writer;
  private Counter skipped;
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
    writer = new StreamWriter(vertx, redis, options, service().name());
    skipped = KitMetrics.registry().counter("tradekit.receiver.messages.skipped", "service", service().name());
    feed = new FeedClient(vertx, feedOptions).handler(this::write);
    service().readinessCheck("feed", p -> {
      JsonObject status = feed.status().put("buffered", writer.buffered()).put("dropped", writer.dropped());
      p.complete(new Status().setOk(feed.isConnected()).setData(status));
    });
    trimmer = new StreamTrimmer(vertx, redis);
    if (options.trimIntervalMs > 0) {
      trimmer.start(options.trimIntervalMs, this::trimTargets);
    }
    service().readinessCheck("streams", p -> p.complete(new Status().setOk(trimmer.overCap().isEmpty())
      .setData(new JsonObject().put("overCap", new JsonObject(new java.util.HashMap<>(trimmer.overCap()))))));
    return feed.start();
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
    return trimming.compose(v -> feed.stop()).compose(v -> feed.drain()).compose(v -> writer.drain());
  }

  private Future<Void> write(List<FeedMessage> batch) {
    long now = System.currentTimeMillis();
    List<Future<Void>> waiting = new ArrayList<>();
    for (FeedMessage message : batch) {
      try {
        switch (message.kind()) {
          case "trades" -> writeTrades(message, now, waiting);
          case "ticker" -> add(waiting, writer.append(Streams.key(options.exchange, Streams.TICKER, message.instrument()),
            tickerFields((JsonObject) message.data())));
          case "book" -> add(waiting, writer.append(Streams.key(options.exchange, Streams.BOOK, message.instrument()),
            bookFields((JsonObject) message.data())));
          default -> skipped.increment();
        }
      } catch (RuntimeException unexpectedShape) {
        skipped.increment();
      }
    }
    return waiting.isEmpty() ? Future.succeededFuture() : Future.all(waiting).mapEmpty();
  }

  private void writeTrades(FeedMessage message, long now, List<Future<Void>> waiting) {
    if (!(message.data() instanceof JsonArray trades)) {
      skipped.increment();
      return;
    }
    for (Object item : trades) {
      try {
        Trade t = Trade.fromJson((JsonObject) item);
        TradeRecord record = new TradeRecord(options.exchange, t.instrument(), t.tradeId(), t.tradeSeq(), t.price(),
          t.amount(), t.direction(), t.timestampMs());
        add(waiting, writer.append(Streams.key(options.exchange, Streams.TRADES, t.instrument()), record.toFields(now),
          t.timestampMs()));
      } catch (RuntimeException malformed) {
        skipped.increment();
      }
    }
  }

  private static void add(List<Future<Void>> waiting, Future<Void> appended) {
    if (!appended.isComplete()) {
      waiting.add(appended);
    }
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
