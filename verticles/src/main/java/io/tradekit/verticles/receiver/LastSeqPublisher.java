package io.tradekit.verticles.receiver;

import io.tradekit.redis.RedisResource;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps the hash {@code md:<exchange>:lastseq} (field instrument, value trade_seq) at the highest
 * trade_seq the receiver stored in Redis such that everything it accepted before that trade is
 * acknowledged too: batches are acknowledged out of order (several in flight, retries), so a
 * batch's trade_seqs are published only once no entry accepted before it is still unacknowledged.
 * A restart then reads a value at or below what is really stored, and its {@code startup} gap
 * covers whatever was accepted but lost.
 *
 * <p>Values only grow: a value is written only when larger than what this process wrote (the
 * receiver is the hash's only writer, so no Lua is needed). One {@code HSET} at a time; a failed
 * one is retried with the next acknowledged batch (the values are kept). Confined to the
 * receiver's context.
 */
final class LastSeqPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(LastSeqPublisher.class);

  private final RedisResource redis;
  private final String key;
  /** The current batch's highest seq per instrument, and its highest admission number. */
  private Map<String, Long> current = new HashMap<>();
  private long currentAdmission = -1;
  /** Acknowledged batches waiting for everything accepted before them: highest admission → seqs. */
  private final TreeMap<Long, Map<String, Long>> waiting = new TreeMap<>();
  private final Map<String, Long> toWrite = new HashMap<>();
  private final Map<String, Long> written = new HashMap<>();
  private boolean writing;
  private Promise<Void> flushed;

  LastSeqPublisher(RedisResource redis, String exchange) {
    this.redis = redis;
    this.key = Streams.lastSeq(exchange);
  }

  /** Redis acknowledged the entry of trade {@code seq} of {@code instrument}, accepted {@code admission}-th. */
  void stored(long admission, String instrument, long seq) {
    current.merge(instrument, seq, Math::max);
    currentAdmission = Math.max(currentAdmission, admission);
  }

  /**
   * Ends an acknowledged batch and publishes every batch whose entries were all accepted before
   * {@code lowestUnacknowledged} (the oldest entry still buffered or in flight).
   */
  void acknowledged(long lowestUnacknowledged) {
    if (!current.isEmpty()) {
      waiting.merge(currentAdmission, current, (a, b) -> {
        b.forEach((k, v) -> a.merge(k, v, Math::max));
        return a;
      });
      current = new HashMap<>();
      currentAdmission = -1;
    }
    while (!waiting.isEmpty() && waiting.firstKey() < lowestUnacknowledged) {
      waiting.pollFirstEntry().getValue().forEach((instrument, seq) -> {
        if (seq > written.getOrDefault(instrument, Long.MIN_VALUE)) {
          toWrite.merge(instrument, seq, Math::max);
        }
      });
    }
    write();
  }

  private void write() {
    if (writing || toWrite.isEmpty()) {
      if (!writing && toWrite.isEmpty() && flushed != null) {
        flushed.tryComplete();
      }
      return;
    }
    Map<String, Long> batch = new HashMap<>(toWrite);
    toWrite.clear();
    Request hset = Request.cmd(Command.HSET).arg(key);
    batch.forEach((instrument, seq) -> hset.arg(instrument).arg(seq));
    writing = true;
    redis.send(hset, true).onComplete(ar -> {
      writing = false;
      if (ar.succeeded()) {
        batch.forEach((instrument, seq) -> written.merge(instrument, seq, Math::max));
      } else {
        LOG.warn("event=receiver.lastseq_failed key={} cause=\"{}\"", key, ar.cause().toString());
        batch.forEach((instrument, seq) -> toWrite.merge(instrument, seq, Math::max));
        if (flushed != null) {
          flushed.tryComplete(); // on the way out: the next start's startup gap covers it
          return;
        }
        return; // retried with the next acknowledged batch
      }
      write();
    });
  }

  /** @return completes when every publishable value was written (or its last attempt failed) */
  Future<Void> flushed() {
    if (flushed == null) {
      flushed = Promise.promise();
    }
    write();
    return flushed.future();
  }
}
