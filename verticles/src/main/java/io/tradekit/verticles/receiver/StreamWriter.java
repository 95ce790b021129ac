package io.tradekit.verticles.receiver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.tradekit.health.KitMetrics;
import io.tradekit.redis.GroupConsumer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.tradekit.redis.RedisResource;
import io.tradekit.resilience.Backoff;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Pipelined XADD writer of the receiver: accepts entries into a bounded in-memory buffer and flushes
 * them to Redis Streams as pipelined batches ({@code MAXLEN ~} trimming) when a batch is full or
 * after a short linger, with a bounded number of batches in flight.
 *
 * <p>While Redis is unavailable the buffer holds what was accepted and retries with backoff; when it
 * is full, the overflow policy applies: {@code block} (the caller's future waits for space, which
 * pushes back on the feed's own bounded queue), {@code drop-newest} or {@code drop-oldest} (counted).
 * Entries keep their order per writer. Runs on the context that created it (the receiver's).
 */
public final class StreamWriter {

  /** What to do with a new entry when the buffer is full. */
  public enum Overflow { BLOCK, DROP_NEWEST, DROP_OLDEST }

  private static final Logger LOG = LoggerFactory.getLogger(StreamWriter.class);

  /** @param exchangeTsMs the exchange's send timestamp of a trade, or -1 */
  private record Pending(String stream, List<String> fields, long exchangeTsMs) {
  }

  private final Vertx vertx;
  private final RedisResource redis;
  private final ReceiverOptions options;
  private final Deque<Pending> buffer = new ArrayDeque<>();
  private final Deque<Promise<Void>> waitingForSpace = new ArrayDeque<>();
  private final Counter written;
  private final Counter dropped;
  private final Counter failedBatches;
  private final Counter rejected;
  private final Timer endToEnd;
  private int inFlight;
  private long lingerTimer = -1;
  /** Retry pacing while Redis fails: the kit's backoff, started over by each written batch. */
  private final Backoff.Sequence retryDelays;
  private boolean retryScheduled;
  private Promise<Void> drained;

  StreamWriter(Vertx vertx, RedisResource redis, ReceiverOptions options, String service) {
    this.vertx = vertx;
    this.redis = redis;
    this.options = options;
    this.retryDelays = Backoff.fullJitter(options.retryMinMs, options.retryMaxMs, 0).newSequence();
    this.written = KitMetrics.registry().counter("tradekit.receiver.entries.written", "service", service);
    this.dropped = KitMetrics.registry().counter("tradekit.receiver.entries.dropped", "service", service);
    this.failedBatches = KitMetrics.registry().counter("tradekit.receiver.batches.failed", "service", service);
    this.rejected = KitMetrics.registry().counter("tradekit.receiver.entries.rejected", "service", service);
    // Exchange send timestamp → XADD acknowledged: the ingest latency the benchmark reports.
    this.endToEnd = Timer.builder("tradekit.receiver.e2e.latency").tag("service", service)
      .publishPercentiles(0.5, 0.99, 0.999).distributionStatisticExpiry(java.time.Duration.ofMinutes(10))
      .distributionStatisticBufferLength(1).register(KitMetrics.registry());
    KitMetrics.gauge("tradekit.receiver.buffer.size", buffer::size, "service", service);
  }

  /** @return completes when the entry is accepted into the buffer (not yet written) */
  Future<Void> append(String stream, List<String> fields) {
    return append(stream, fields, -1);
  }

  /** Like {@link #append(String, List)} for a trade sent by the exchange at {@code exchangeTsMs}. */
  Future<Void> append(String stream, List<String> fields, long exchangeTsMs) {
    if (buffer.size() >= options.maxBuffered) {
      switch (options.overflow) {
        case DROP_NEWEST -> {
          dropped.increment();
          return Future.succeededFuture();
        }
        case DROP_OLDEST -> {
          buffer.pollFirst();
          dropped.increment();
        }
        case BLOCK -> {
          Promise<Void> space = Promise.promise();
          waitingForSpace.addLast(space);
          return space.future().compose(v -> append(stream, fields, exchangeTsMs));
        }
      }
    }
    buffer.addLast(new Pending(stream, fields, exchangeTsMs));
    if (buffer.size() >= options.batchSize) {
      flush();
    } else if (lingerTimer < 0) {
      lingerTimer = vertx.setTimer(options.lingerMs, t -> {
        lingerTimer = -1;
        flush();
      });
    }
    return Future.succeededFuture();
  }

  /** @return entries accepted but not yet acknowledged by Redis */
  int buffered() {
    return buffer.size();
  }

  long dropped() {
    return (long) dropped.count();
  }

  private void flush() {
    while (!retryScheduled && inFlight < options.writeConcurrency && !buffer.isEmpty()) {
      List<Pending> batch = new ArrayList<>(Math.min(buffer.size(), options.batchSize));
      while (batch.size() < options.batchSize && !buffer.isEmpty()) {
        batch.add(buffer.pollFirst());
      }
      inFlight++;
      List<Request> requests = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        requests.add(GroupConsumer.xadd(p.stream(), 0, p.fields()));
      }
      redis.pipeline(requests, false).onComplete(ar -> {
        inFlight--;
        if (ar.succeeded()) {
          // Each command's own outcome: an error reply (e.g. WRONGTYPE) can never succeed, so that
          // entry is counted and logged, not retried; the rest of the batch is written.
          long failed = ar.result().stream().filter(r -> !r.succeeded()).count();
          written.increment(batch.size() - failed);
          long nowMs = System.currentTimeMillis();
          for (Pending p : batch) {
            if (p.exchangeTsMs() > 0) {
              endToEnd.record(Math.max(0, nowMs - p.exchangeTsMs()), TimeUnit.MILLISECONDS);
            }
          }
          if (failed > 0) {
            rejected.increment(failed);
            ar.result().stream().filter(r -> !r.succeeded()).findFirst().ifPresent(r ->
              LOG.warn("event=receiver.rejected entries={} first=\"{}\"", failed, r.error().getMessage()));
          }
          retryDelays.succeeded();
        } else {
          // Keep the order: the failed batch goes back to the front, and is retried after a pause.
          failedBatches.increment();
          for (int i = batch.size() - 1; i >= 0; i--) {
            buffer.addFirst(batch.get(i));
          }
          long delayMs = retryDelays.nextDelayMs();
          LOG.warn("XADD batch of {} failed ({}); {} buffered, retrying in {} ms", batch.size(), ar.cause().toString(),
            buffer.size(), delayMs);
          retryScheduled = true;
          vertx.setTimer(delayMs, t -> {
            retryScheduled = false;
            flush();
          });
        }
        releaseSpace();
        if (!buffer.isEmpty() && !retryScheduled) {
          flush();
        }
        checkDrained();
      });
    }
  }

  private void releaseSpace() {
    while (!waitingForSpace.isEmpty() && buffer.size() < options.maxBuffered) {
      waitingForSpace.pollFirst().complete();
    }
  }

  /** Flushes everything accepted; completes when the buffer is empty and nothing is in flight. */
  Future<Void> drain() {
    if (drained == null) {
      drained = Promise.promise();
    }
    flush();
    checkDrained();
    return drained.future();
  }

  private void checkDrained() {
    if (drained != null && buffer.isEmpty() && inFlight == 0 && waitingForSpace.isEmpty()) {
      drained.tryComplete();
    }
  }
}
