package io.tradekit.verticles.receiver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.tradekit.feed.MemoryBudget;
import io.tradekit.feed.Trade;
import io.tradekit.health.KitMetrics;
import io.tradekit.redis.CommandResult;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.redis.RedisResource;
import io.tradekit.resilience.Backoff;
import io.tradekit.resilience.ErrorClass;
import io.tradekit.resilience.ErrorClassifier;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Pipelined XADD writer of the receiver: holds accepted entries in a buffer and flushes them to
 * Redis Streams as pipelined batches when a batch is full or after a short linger, with a bounded
 * number of batches in flight. No {@code MAXLEN}: streams are trimmed only by the safe trimmer.
 *
 * <p>It never refuses or drops an accepted entry: the receiver's {@link MemoryBudget} bounds what
 * it holds upstream (each entry carries its share of the budget, released once Redis acknowledged
 * it). A failed batch, and any entry without a reply, goes back to the front of the buffer and is
 * retried with the kit's {@link Backoff} (a duplicate entry is harmless downstream). Only a
 * PERMANENT Redis error reply for one command (e.g. WRONGTYPE) is not retried: counted
 * ({@code tradekit.receiver.entries.rejected}) and logged.
 *
 * <p>After each acknowledged batch the highest trade_seq per instrument is written to the hash
 * {@code lastSeq} ({@link LastSeqPublisher}) — only values below which everything accepted is
 * acknowledged, so a restart's {@code startup} gap covers whatever was lost in between.
 * Runs on the context that created it (the receiver's).
 */
final class StreamWriter {

  private static final Logger LOG = LoggerFactory.getLogger(StreamWriter.class);

  /**
   * One accepted entry: a trade (encoded by the {@link XaddEncoder} when its batch is sent, so a
   * buffered trade holds only its {@link Trade}), or another entry's stream and fields.
   *
   * @param trade the trade, or null for other entries
   * @param stream with {@code fields}: a non-trade entry, else null
   * @param receivedAtMs a trade's {@code rcv} field (the same on every retry)
   * @param bytes its share of the memory budget
   * @param admission the order it was accepted in
   */
  private record Pending(Trade trade, String stream, List<String> fields, long receivedAtMs, long bytes, long admission) {
  }

  private final Vertx vertx;
  private final RedisResource redis;
  private final ReceiverOptions options;
  private final MemoryBudget budget;
  private final LastSeqPublisher lastSeq;
  private final XaddEncoder encoder;
  private final Deque<Pending> buffer = new ArrayDeque<>();
  /** Lowest admission number of each batch in flight (in flush order, completion in any order). */
  private final List<Long> inFlightFirst = new ArrayList<>();
  private final Counter written;
  private final Counter failedBatches;
  private final Counter rejected;
  private final Timer endToEnd;
  private long admitted;
  private long lingerTimer = -1;
  /** Retry pacing while Redis fails: the kit's backoff, started over by each written batch. */
  private final Backoff.Sequence retryDelays;
  private boolean retryScheduled;
  private Promise<Void> drained;

  StreamWriter(Vertx vertx, RedisResource redis, ReceiverOptions options, MemoryBudget budget, String service) {
    this.vertx = vertx;
    this.redis = redis;
    this.options = options;
    this.budget = budget;
    this.lastSeq = new LastSeqPublisher(redis, options.exchange);
    this.encoder = new XaddEncoder(options.exchange);
    this.retryDelays = Backoff.fullJitter(options.retryMinMs, options.retryMaxMs, 0).newSequence();
    this.written = KitMetrics.of(vertx).registry().counter("tradekit.receiver.entries.written", "service", service);
    this.failedBatches = KitMetrics.of(vertx).registry().counter("tradekit.receiver.batches.failed", "service", service);
    this.rejected = KitMetrics.of(vertx).registry().counter("tradekit.receiver.entries.rejected", "service", service);
    // Exchange send timestamp → XADD acknowledged: the ingest latency the benchmark reports.
    this.endToEnd = Timer.builder("tradekit.receiver.e2e.latency").tag("service", service)
      .publishPercentiles(0.5, 0.99, 0.999).distributionStatisticExpiry(java.time.Duration.ofMinutes(10))
      .distributionStatisticBufferLength(1).register(KitMetrics.of(vertx).registry());
    KitMetrics.of(vertx).gauge("tradekit.receiver.buffer.size", buffer::size, "service", service);
  }

  /** Accepts a non-trade entry holding {@code bytes} of the budget (never refused, retried until acknowledged). */
  void append(String stream, List<String> fields, long bytes) {
    add(new Pending(null, stream, fields, 0, bytes, ++admitted));
  }

  /**
   * Accepts a trade (never refused): its XADD will be written, retried until Redis acknowledges it;
   * then its latency is recorded and its trade_seq reaches {@code lastseq}.
   *
   * @param receivedAtMs the {@code rcv} field (epoch ms)
   * @param bytes the entry's share of the memory budget, released when acknowledged
   */
  void appendTrade(Trade trade, long receivedAtMs, long bytes) {
    add(new Pending(trade, null, null, receivedAtMs, bytes, ++admitted));
  }

  private void add(Pending pending) {
    buffer.addLast(pending);
    if (buffer.size() >= options.batchSize) {
      flush();
    } else if (lingerTimer < 0) {
      lingerTimer = vertx.setTimer(options.lingerMs, t -> {
        lingerTimer = -1;
        flush();
      });
    }
  }

  /** @return entries accepted but not yet acknowledged by Redis (buffered or in flight) */
  int buffered() {
    return buffer.size();
  }

  private void flush() {
    while (!retryScheduled && inFlightFirst.size() < options.writeConcurrency && !buffer.isEmpty()) {
      List<Pending> batch = new ArrayList<>(Math.min(buffer.size(), options.batchSize));
      while (batch.size() < options.batchSize && !buffer.isEmpty()) {
        batch.add(buffer.pollFirst());
      }
      Long first = batch.get(0).admission();
      inFlightFirst.add(first);
      List<Request> requests = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        // No MAXLEN: no blind trim; the receiver's trimmer trims below what every group consumed.
        requests.add(p.trade() != null ? encoder.trade(p.trade(), p.receivedAtMs()) : GroupConsumer.xadd(p.stream(), 0, p.fields()));
      }
      redis.pipeline(requests, false).onComplete(ar -> {
        inFlightFirst.remove(first);
        List<Pending> retry = ar.succeeded() ? acknowledge(batch, ar.result()) : batch;
        if (!retry.isEmpty()) {
          // Keep the order: what failed goes back to the front, and is retried after a pause.
          failedBatches.increment();
          for (int i = retry.size() - 1; i >= 0; i--) {
            buffer.addFirst(retry.get(i));
          }
          long delayMs = retryDelays.nextDelayMs();
          LOG.warn("event=receiver.retry entries={} of={} cause=\"{}\" buffered={} delayMs={}", retry.size(), batch.size(),
            ar.failed() ? ar.cause().toString() : "no reply", buffer.size(), delayMs);
          if (!retryScheduled) {
            retryScheduled = true;
            vertx.setTimer(delayMs, t -> {
              retryScheduled = false;
              flush();
            });
          }
        } else {
          retryDelays.succeeded();
        }
        lastSeq.acknowledged(lowestUnacknowledged());
        if (!buffer.isEmpty() && !retryScheduled) {
          flush();
        }
        checkDrained();
      });
    }
  }

  /**
   * Each command's own outcome: written, rejected for good (a PERMANENT error reply: counted and
   * logged, never retried), or to retry (no reply, a transient error reply).
   *
   * @return the entries to retry, in order
   */
  private List<Pending> acknowledge(List<Pending> batch, List<CommandResult> results) {
    List<Pending> retry = new ArrayList<>();
    long ok = 0;
    long refused = 0;
    Throwable firstRefusal = null;
    long nowMs = System.currentTimeMillis();
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      CommandResult r = i < results.size() ? results.get(i) : null;
      if (r != null && r.succeeded()) {
        ok++;
        if (p.trade() != null) {
          endToEnd.record(Math.max(0, nowMs - p.trade().timestampMs()), TimeUnit.MILLISECONDS);
        }
      } else if (r != null && ErrorClassifier.isRedisErrorReply(r.error())
          && ErrorClassifier.classify(r.error()) == ErrorClass.PERMANENT) {
        refused++;
        firstRefusal = firstRefusal == null ? r.error() : firstRefusal;
      } else {
        retry.add(p);
        continue;
      }
      budget.release(p.bytes());
      if (p.trade() != null) {
        lastSeq.stored(p.admission(), p.trade().instrument(), p.trade().tradeSeq());
      }
    }
    written.increment(ok);
    if (refused > 0) {
      rejected.increment(refused);
      LOG.warn("event=receiver.rejected entries={} first=\"{}\"", refused, firstRefusal.getMessage());
    }
    return retry;
  }

  /** @return the lowest admission number not yet acknowledged (buffered or in flight), or the next one */
  private long lowestUnacknowledged() {
    long lowest = buffer.isEmpty() ? admitted + 1 : buffer.peekFirst().admission();
    for (Long first : inFlightFirst) {
      lowest = Math.min(lowest, first);
    }
    return lowest;
  }

  /** Flushes everything accepted; completes when the buffer is empty, nothing is in flight and lastseq is written. */
  Future<Void> drain() {
    if (drained == null) {
      drained = Promise.promise();
    }
    flush();
    checkDrained();
    return drained.future();
  }

  private void checkDrained() {
    if (drained != null && buffer.isEmpty() && inFlightFirst.isEmpty()) {
      Promise<Void> done = drained;
      lastSeq.flushed().onComplete(ar -> done.tryComplete());
    }
  }
}
