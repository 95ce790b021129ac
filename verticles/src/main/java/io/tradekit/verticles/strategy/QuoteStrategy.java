package io.tradekit.verticles.strategy;

import io.tradekit.config.ConfigReader;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.redis.RedisResource;
import io.tradekit.redis.StreamEntry;
import io.tradekit.supervisor.ServiceVerticle;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The example paper-trading strategy (daemon): every {@code quoteIntervalMs}, for each configured
 * instrument with a latest bar (the analyzer's hash {@code latest:<exchange>:bar:<instrument>}), it
 * cancels its previous quotes and then places a post-only limit bid at
 * {@code close * (1 - spreadBps/10000)} rounded down to the tick and an ask at
 * {@code close * (1 + spreadBps/10000)} rounded up, as intents on {@code exec:<exchange>:intents}.
 * Prices are exact decimals.
 *
 * <p>It learns what became of its quotes from the executor's outcomes ({@code exec:<exchange>:outcomes})
 * and order events ({@code exec:<exchange>:orders}: every state change and every fill, so a resting
 * quote's fill and its end are seen too), in its own consumer group (see {@link QuoteBook}), and
 * logs each fill of its quotes once ({@code event=strategy.fill}). It
 * re-quotes an instrument only after each of its last quotes got an outcome (or
 * {@code outcomeTimeoutMs} passed), so a stopped executor sees one round of intents, not a pile, and
 * it never has more than {@code maxOpenQuotes} quotes live. Labels are
 * {@code <labelPrefix>q-<instrument>-<run>-<n>}: {@code run} is the start time in base 36, so a
 * restarted strategy never reuses a label. On stop it writes a cancel for every quote still live.
 * Deployed by the supervisor ({@code uses} its redis resource); runs on its verticle context.
 */
public class QuoteStrategy extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(QuoteStrategy.class);
  private static final BigDecimal BPS_PER_UNIT = BigDecimal.valueOf(10_000);

  private StrategyOptions options;
  private RedisResource redis;
  private GroupConsumer outcomes;
  private String consumerName;
  private final QuoteBook book = new QuoteBook();
  /** Instruments whose missing bar was logged already (logged once until a bar appears). */
  private final Set<String> noBarLogged = new HashSet<>();
  private boolean limitLogged;
  private String runId;
  private long counter;
  private long timer = -1;
  private Future<Void> currentTick = Future.succeededFuture();
  private boolean stopping;

  @Override
  protected void validateConfig(ConfigReader config) {
    new StrategyOptions(config);
  }

  @Override
  public Future<?> start() {
    options = new StrategyOptions(ConfigReader.of(config(), "config"));
    redis = service().resource(options.redis, RedisResource.class);
    runId = Long.toString(System.currentTimeMillis(), 36);
    consumerName = GroupConsumer.claimConsumerName(vertx, service().name());
    // Outcomes are small and few: 100 per read; another consumer's entries idle 30 s are claimed
    // (checked every 10 s); a failed read is retried from 500 ms with the consumer's backoff.
    GroupConsumer.Settings settings = new GroupConsumer.Settings(options.group, consumerName,
      List.of(Streams.outcomes(options.exchange), Streams.orders(options.exchange)), 100, options.blockMs, 30_000, 10_000, 500,
      options.commandTimeoutMs);
    outcomes = new GroupConsumer(vertx, redis, settings, this::onOutcomes);
    return outcomes.start()
      .onSuccess(v -> timer = vertx.setPeriodic(1, options.quoteIntervalMs, t -> tick()))
      .onFailure(err -> releaseName());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    // The tick in flight finishes first, so no quote is placed after the cancels below.
    return currentTick.eventually(this::cancelAllLive)
      .eventually(() -> outcomes == null ? Future.succeededFuture() : outcomes.stop())
      .onComplete(ar -> releaseName());
  }

  private void releaseName() {
    if (consumerName != null) {
      GroupConsumer.releaseConsumerName(vertx, consumerName);
      consumerName = null;
    }
  }

  private Future<Void> onOutcomes(List<StreamEntry> entries) {
    for (StreamEntry entry : entries) {
      Map<String, String> f = entry.fields();
      if (f == null) {
        continue;
      }
      String kind = f.get("kind");
      if (kind == null) {
        book.apply(f); // an outcome of one of our intents
      } else if ("fill".equals(kind) && ownLabel(f.get("label"))) {
        LOG.info("event=strategy.fill label={} instrument={} side={} price={} amount={} liquidity={} trade_id={}", f.get("label"),
          f.get("instrument"), f.get("side"), f.get("price"), f.get("amount"), f.get("liquidity"), f.get("trade_id"));
      } else if ("order".equals(kind) && ownLabel(f.get("label"))) {
        // The quote's order changed (e.g. a resting quote filled or was cancelled): like an outcome of its intent.
        book.apply(Map.of("intent_id", f.get("label"), "status", f.getOrDefault("state", ""),
          "order_state", f.getOrDefault("state", "")));
      }
    }
    return Future.succeededFuture();
  }

  /** @return whether {@code label} is one of this strategy's quotes (any run: they share the prefix) */
  private boolean ownLabel(String label) {
    return label != null && label.startsWith(options.labelPrefix + "q-");
  }

  /** One round over the instruments, one at a time; a tick still running when the timer fires is not overlapped. */
  private void tick() {
    if (stopping || !currentTick.isComplete()) {
      return;
    }
    Future<Void> chain = Future.succeededFuture();
    for (String instrument : options.instruments) {
      chain = chain.compose(v -> quote(instrument).recover(err -> {
        LOG.warn("event=strategy.quote_failed instrument={}: {}", instrument, err.toString());
        return Future.succeededFuture();
      }));
    }
    currentTick = chain;
  }

  private Future<Void> quote(String instrument) {
    if (stopping || book.awaitingOutcome(instrument, System.currentTimeMillis(), options.outcomeTimeoutMs)) {
      return Future.succeededFuture();
    }
    String barKey = "latest:" + options.exchange + ":bar:" + instrument;
    return redis.send(Request.cmd(Command.HGET).arg(barKey).arg("close"), true).compose(close -> {
      if (close == null) {
        if (noBarLogged.add(instrument)) {
          LOG.info("event=strategy.no_bar instrument={} key={}: no quotes until the analyzer writes a bar", instrument, barKey);
        }
        return Future.succeededFuture();
      }
      noBarLogged.remove(instrument);
      BigDecimal price = new BigDecimal(close.toString());
      return cancelPrevious(instrument).compose(v -> placeQuotes(instrument, price));
    });
  }

  /** Writes the cancels one after another, so all are in the stream before the new quotes. */
  private Future<Void> cancelPrevious(String instrument) {
    long nowMs = System.currentTimeMillis();
    Future<Void> chain = Future.succeededFuture();
    for (QuoteBook.Quote q : book.toCancel(instrument, nowMs, options.outcomeTimeoutMs)) {
      chain = chain.compose(v -> cancel(q));
    }
    return chain;
  }

  private Future<Void> cancel(QuoteBook.Quote q) {
    String cancelId = nextId("x", q.instrument);
    // Recorded even if the write fails: it may have reached Redis; an outcome-less cancel is repeated later.
    book.cancelRequested(q, cancelId, System.currentTimeMillis());
    return write(List.of("type", "cancel", "intent_id", cancelId, "target", q.label));
  }

  private Future<Void> placeQuotes(String instrument, BigDecimal close) {
    if (book.live() + 2 > options.maxOpenQuotes) {
      if (!limitLogged) {
        LOG.warn("event=strategy.quote_limit live={} maxOpenQuotes={}: no new quotes until outcomes close some",
          book.live(), options.maxOpenQuotes);
        limitLogged = true;
      }
      return Future.succeededFuture();
    }
    limitLogged = false;
    BigDecimal tick = options.tickSizes.get(instrument);
    BigDecimal offset = close.multiply(options.spreadBps).divide(BPS_PER_UNIT);
    BigDecimal bid = onGrid(close.subtract(offset), tick, RoundingMode.FLOOR);
    BigDecimal ask = onGrid(close.add(offset), tick, RoundingMode.CEILING);
    Future<Void> bidPlaced = bid.signum() > 0 ? place(instrument, "buy", bid) : Future.succeededFuture();
    return bidPlaced.compose(v -> place(instrument, "sell", ask));
  }

  /** {@code price} moved to a multiple of {@code tick} in the direction of {@code rounding}. */
  static BigDecimal onGrid(BigDecimal price, BigDecimal tick, RoundingMode rounding) {
    return price.divide(tick, 0, rounding).multiply(tick);
  }

  private Future<Void> place(String instrument, String side, BigDecimal price) {
    String label = nextId("q", instrument);
    book.sent(label, instrument, side, System.currentTimeMillis());
    return write(List.of("type", "new", "intent_id", label, "instrument", instrument, "side", side,
      "amount", options.quoteAmount.toPlainString(), "order_type", "limit", "price", price.stripTrailingZeros().toPlainString(),
      "post_only", "true", "reduce_only", "false", "time_in_force", "good_til_cancelled"));
  }

  private Future<Void> cancelAllLive() {
    Future<Void> chain = Future.succeededFuture();
    for (QuoteBook.Quote q : book.all()) {
      if (q.state != QuoteBook.State.CANCELLING) {
        chain = chain.compose(v -> cancel(q));
      }
    }
    return chain.onFailure(err -> LOG.warn("event=strategy.stop_cancel_failed: {}", err.toString()));
  }

  private Future<Void> write(List<String> fields) {
    // Not retried: a second XADD of the same fields is a second intent, not a repair of the first.
    return redis.send(GroupConsumer.xadd(Streams.intents(options.exchange), 0, fields), false).mapEmpty();
  }

  private String nextId(String kind, String instrument) {
    return options.labelPrefix + kind + "-" + instrument + "-" + runId + "-" + Long.toString(++counter, 36);
  }
}
