package io.tradekit.redis;

import io.tradekit.resilience.Backoff;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Streams consumer-group loop with at-least-once delivery: read a batch, hand it to the
 * handler, XACK only after the handler's future succeeded. Used by the distributor and analyzer.
 *
 * <p>Every command of the loop (XGROUP CREATE, XREADGROUP BLOCK, XAUTOCLAIM, XPENDING, XCLAIM,
 * XACK) runs on a connection of its OWN, from a one-connection client the consumer creates from the
 * shared resource's options ({@link DedicatedConnection}), never from the shared pool: a saturated
 * shared pool cannot starve the reads, and a blocked read holds no connection anyone else needs.
 * A connect that completes after its timeout is closed, and a failed connection is discarded with
 * its client, so nothing leaks.
 *
 * <p>The consumer name should be stable per service instance ({@link #claimConsumerName}), so a
 * restarted process re-reads its own pending entries first. On start and every
 * {@code claimIntervalMs} it claims entries another consumer left pending longer than
 * {@code claimIdleMs} (XAUTOCLAIM), so a crashed instance's batch is persisted by a live one.
 *
 * <p>A batch whose handler (or XACK) failed is retried in memory after a {@link Backoff} delay
 * growing from {@code retryDelayMs} to {@link #MAX_RETRY_DELAY_MS}; before each retry the consumer
 * re-claims its entries with XCLAIM JUSTID, which keeps them from looking idle to other instances
 * and does not count as a delivery (entries another consumer acknowledged meanwhile are dropped).
 * So the delivery count Redis keeps grows only when a batch is really read again: after a restart,
 * a lost connection or a claim. Entries re-read more than {@code maxDeliveries} times (XPENDING) go
 * to the {@link OverLimitHandler} instead of the batch handler, and are acknowledged with the batch:
 * the last resort for an entry that makes its consumer crash.
 *
 * <p>{@link #stop()} lets the in-flight batch finish, drains what is already in the streams without
 * blocking, then closes the connection; a read blocked in XREADGROUP BLOCK at that moment is ended
 * at once with CLIENT UNBLOCK (sent through the shared resource), so a stop never waits out
 * {@code blockMs}; a stop also cuts a pending retry delay short. Runs on the context that called
 * start().
 */
public final class GroupConsumer {

  /** Processes a batch; the entries are acknowledged only when the returned future succeeds. */
  public interface BatchHandler {
    Future<Void> handle(List<StreamEntry> entries);
  }

  /**
   * Receives entries delivered more than {@code maxDeliveries} times (e.g. to dead-letter them);
   * they are acknowledged only when the returned future succeeds.
   */
  public interface OverLimitHandler {
    Future<Void> overLimit(List<StreamEntry> entries, long maxDeliveries);
  }

  /**
   * Loop settings; all durations in milliseconds.
   *
   * @param maxDeliveries entries delivered more than this many times go to the {@link OverLimitHandler}
   *     (0: no limit)
   */
  public record Settings(String group, String consumer, List<String> streams, int count, long blockMs,
                         long claimIdleMs, long claimIntervalMs, long retryDelayMs, long commandTimeoutMs,
                         long maxDeliveries) {

    /** Settings without a delivery-count limit. */
    public Settings(String group, String consumer, List<String> streams, int count, long blockMs,
                    long claimIdleMs, long claimIntervalMs, long retryDelayMs, long commandTimeoutMs) {
      this(group, consumer, streams, count, blockMs, claimIdleMs, claimIntervalMs, retryDelayMs, commandTimeoutMs, 0);
    }
  }

  /** A batch in the handler or retried: entries for the handler and entries over the delivery limit. */
  private record Batch(List<StreamEntry> normal, List<StreamEntry> overLimit) {
    int size() {
      return normal.size() + overLimit.size();
    }

    List<StreamEntry> all() {
      List<StreamEntry> all = new ArrayList<>(normal);
      all.addAll(overLimit);
      return all;
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(GroupConsumer.class);
  /** Shared-data map of consumer names in use in this Vert.x instance (see {@link #claimConsumerName}). */
  static final String NAMES_MAP = "tradekit.group-consumer.names";

  private final Vertx vertx;
  private final RedisResource redis;
  private final Settings settings;
  private final BatchHandler handler;
  private final OverLimitHandler overLimitHandler;
  private final DedicatedConnection connection;
  private final Promise<Void> stopped = Promise.promise();
  private Context context;
  private boolean blockedReadInFlight;
  private boolean stopping;
  private boolean readOwnPending = true;
  private boolean claimDue = true;
  private boolean lastReadWasNew;
  /** A batch whose handler or XACK failed: retried (in memory) before anything else is read. */
  private Batch retryBatch;
  /** The last failed step failed in the handler, not in Redis: the connection is fine, keep it. */
  private boolean handlerFailed;
  private long claimTimer = -1;
  private long retryTimer = -1;
  /** Delays after consecutive failed steps; see {@link #MAX_RETRY_DELAY_MS}. */
  private final Backoff.Sequence retryDelays;

  /** A consumer without a delivery-count limit. */
  public GroupConsumer(Vertx vertx, RedisResource redis, Settings settings, BatchHandler handler) {
    this(vertx, redis, settings, handler, null);
  }

  /**
   * @param redis the shared resource: its options configure the consumer's own connection; CLIENT
   *     UNBLOCK on stop goes through it
   * @param overLimitHandler receives entries over {@code settings.maxDeliveries()}; null: no limit
   */
  public GroupConsumer(Vertx vertx, RedisResource redis, Settings settings, BatchHandler handler,
                       OverLimitHandler overLimitHandler) {
    this.vertx = vertx;
    this.redis = redis;
    this.settings = settings;
    this.handler = handler;
    this.overLimitHandler = overLimitHandler;
    this.connection = new DedicatedConnection(vertx, redis, "tradekit-consumer:" + settings.group() + ":" + settings.consumer(),
      settings.commandTimeoutMs());
    this.retryDelays = retryBackoff(settings.retryDelayMs()).newSequence();
  }

  /**
   * The cap of the retry delay: after consecutive failed reads or batches the delay grows from
   * {@code retryDelayMs} by doubling up to this (or {@code retryDelayMs} when that is larger), with
   * up to half of each delay taken off at random so instances that failed together spread out. A
   * step that succeeds starts the next failure over from {@code retryDelayMs}.
   */
  public static final long MAX_RETRY_DELAY_MS = 10_000;

  static Backoff retryBackoff(long retryDelayMs) {
    return new Backoff(retryDelayMs, Math.max(retryDelayMs, MAX_RETRY_DELAY_MS), Backoff.DEFAULT_MULTIPLIER, 0.5, 0);
  }

  /** Creates the groups (MKSTREAM; an existing group is fine) and starts the loop. */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    Future<Void> groups = Future.succeededFuture();
    for (String stream : settings.streams()) {
      groups = groups.compose(v -> createGroup(stream));
    }
    return groups.onSuccess(v -> {
      claimTimer = vertx.setPeriodic(settings.claimIntervalMs(), t -> claimDue = true);
      context.runOnContext(x -> loop());
    }).onFailure(err -> connection.close());
  }

  private Future<Void> createGroup(String stream) {
    return connection.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(settings.group()).arg("0").arg("MKSTREAM"), 0)
      .<Void>mapEmpty()
      // The group already exists: exactly what we wanted.
      .recover(err -> String.valueOf(err.getMessage()).contains("BUSYGROUP") ? Future.succeededFuture()
        : Future.failedFuture(err));
  }

  /** Finishes the in-flight batch, drains without blocking, closes the dedicated connection. */
  public Future<Void> stop() {
    stopping = true;
    if (claimTimer >= 0) {
      vertx.cancelTimer(claimTimer);
    }
    if (retryTimer >= 0 && vertx.cancelTimer(retryTimer)) {
      // A grown retry delay must not hold up the stop: drain (or give up) now.
      retryTimer = -1;
      context.runOnContext(v -> loop());
    }
    long clientId = connection.clientId();
    if (blockedReadInFlight && clientId >= 0) {
      // Ends the blocked read as if its BLOCK timed out (an empty reply): nothing delivered is
      // lost, and the loop goes on to drain without blocking. Without this a stop waited up to
      // blockMs (1 s by default) for a read that producers, already stopped, would never feed.
      // If it fails (e.g. the shared pool is saturated), the read still ends by its own timeout.
      redis.send(Request.cmd(Command.CLIENT).arg("UNBLOCK").arg(clientId), true)
        .onFailure(err -> LOG.debug("CLIENT UNBLOCK for consumer {} failed: {}", settings.consumer(), err.toString()));
    }
    return stopped.future();
  }

  private void loop() {
    Future<Integer> step;
    if (retryBatch != null) {
      step = retryFailedBatch();
    } else if (claimDue && !stopping) {
      claimDue = false;
      lastReadWasNew = false;
      step = claimStale();
    } else {
      step = readAndHandle();
    }
    step.onComplete(ar -> {
      if (ar.failed()) {
        readOwnPending = true;
        if (!handlerFailed) {
          // A fresh connection for the next step: this one may be broken or still blocked.
          connection.discard();
        }
        handlerFailed = false;
        if (stopping) {
          LOG.warn("consumer {} of group {}: {}; stopping", settings.consumer(), settings.group(), ar.cause().toString());
          finish();
          return;
        }
        long delayMs = retryDelays.nextDelayMs();
        LOG.warn("consumer {} of group {}: {}; retrying in {} ms (attempt {})", settings.consumer(), settings.group(),
          ar.cause().toString(), delayMs, retryDelays.attempt());
        retryTimer = vertx.setTimer(delayMs, t -> {
          retryTimer = -1;
          loop();
        });
        return;
      }
      retryDelays.succeeded();
      if (stopping && ar.result() == 0 && lastReadWasNew) {
        // Drained: the last non-blocking read of new entries found nothing.
        finish();
      } else {
        context.runOnContext(v -> loop());
      }
    });
  }

  /** @return the number of entries handled */
  private Future<Integer> readAndHandle() {
    boolean pending = readOwnPending;
    lastReadWasNew = !pending;
    return read(pending ? "0" : ">", !stopping && !pending).compose(entries -> {
      if (entries.isEmpty()) {
        readOwnPending = false;
        return Future.succeededFuture(0);
      }
      // New entries are on their first delivery; only a re-read can be over the limit.
      return (pending ? splitByDeliveries(entries) : Future.succeededFuture(new Batch(entries, List.of())))
        .compose(this::handleAndAck);
    });
  }

  private Future<Integer> retryFailedBatch() {
    Batch batch = retryBatch;
    lastReadWasNew = false;
    return stillOurs(batch.all()).compose(ours -> {
      Batch kept = new Batch(batch.normal().stream().filter(ours::contains).toList(),
        batch.overLimit().stream().filter(ours::contains).toList());
      if (kept.size() == 0) {
        retryBatch = null;
        return Future.succeededFuture(0);
      }
      return handleAndAck(kept);
    });
  }

  private Future<Integer> handleAndAck(Batch batch) {
    Future<Void> handled;
    try {
      Future<Void> parked = batch.overLimit().isEmpty() ? Future.succeededFuture()
        : overLimitHandler.overLimit(batch.overLimit(), settings.maxDeliveries());
      handled = parked.compose(v -> batch.normal().isEmpty() ? Future.succeededFuture() : handler.handle(batch.normal()));
    } catch (RuntimeException e) {
      handled = Future.failedFuture(e);
    }
    return handled.onFailure(err -> handlerFailed = true).compose(v -> ack(batch.all()))
      .onSuccess(v -> retryBatch = null)
      .onFailure(err -> retryBatch = batch)
      .map(v -> batch.size());
  }

  private Future<List<StreamEntry>> read(String id, boolean block) {
    Request request = Request.cmd(Command.XREADGROUP).arg("GROUP").arg(settings.group()).arg(settings.consumer())
      .arg("COUNT").arg(settings.count());
    if (block) {
      request.arg("BLOCK").arg(settings.blockMs());
    }
    request.arg("STREAMS");
    settings.streams().forEach(request::arg);
    settings.streams().forEach(s -> request.arg(id));
    blockedReadInFlight = block;
    return connection.send(request, block ? settings.blockMs() : 0)
      .onComplete(ar -> blockedReadInFlight = false)
      .map(StreamEntry::fromReadGroup);
  }

  private Future<Integer> claimStale() {
    Future<Integer> chain = Future.succeededFuture(0);
    for (String stream : settings.streams()) {
      chain = chain.compose(total -> connection.send(Request.cmd(Command.XAUTOCLAIM).arg(stream).arg(settings.group())
          .arg(settings.consumer()).arg(settings.claimIdleMs()).arg("0-0").arg("COUNT").arg(settings.count()), 0)
        .compose(reply -> {
          List<StreamEntry> claimed = StreamEntry.fromAutoClaim(stream, reply);
          if (claimed.isEmpty()) {
            return Future.succeededFuture(total);
          }
          LOG.info("event=stream.claimed group={} consumer={} stream={} entries={}", settings.group(),
            settings.consumer(), stream, claimed.size());
          return splitByDeliveries(claimed).compose(this::handleAndAck).map(n -> total + n);
        }));
    }
    return chain;
  }

  /**
   * Separates entries delivered more than {@code maxDeliveries} times (XPENDING of this consumer
   * over the entries' id range, one call per stream); without a limit every entry is normal.
   */
  private Future<Batch> splitByDeliveries(List<StreamEntry> entries) {
    if (settings.maxDeliveries() <= 0 || overLimitHandler == null) {
      return Future.succeededFuture(new Batch(entries, List.of()));
    }
    Map<String, List<StreamEntry>> byStream = byStream(entries);
    Map<String, Long> deliveries = new HashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, List<StreamEntry>> e : byStream.entrySet()) {
      List<StreamEntry> list = e.getValue();
      String min = list.stream().map(StreamEntry::id).min(GroupConsumer::compareIds).orElseThrow();
      String max = list.stream().map(StreamEntry::id).max(GroupConsumer::compareIds).orElseThrow();
      // Our other pending entries may lie in the same range: ask for enough to see all of ours.
      Request request = Request.cmd(Command.XPENDING).arg(e.getKey()).arg(settings.group()).arg(min).arg(max)
        .arg(list.size() + settings.count()).arg(settings.consumer());
      chain = chain.compose(v -> connection.send(request, 0)).map(reply -> {
        for (int i = 0; i < reply.size(); i++) {
          Response item = reply.get(i);
          deliveries.put(e.getKey() + " " + item.get(0).toString(), item.get(3).toLong());
        }
        return null;
      });
    }
    return chain.map(v -> {
      List<StreamEntry> normal = new ArrayList<>();
      List<StreamEntry> over = new ArrayList<>();
      for (StreamEntry entry : entries) {
        long n = deliveries.getOrDefault(entry.stream() + " " + entry.id(), 0L);
        (n > settings.maxDeliveries() ? over : normal).add(entry);
      }
      if (!over.isEmpty()) {
        LOG.warn("event=stream.delivery_limit group={} consumer={} entries={} maxDeliveries={}", settings.group(),
          settings.consumer(), over.size(), settings.maxDeliveries());
      }
      return new Batch(normal, over);
    });
  }

  /**
   * Re-claims a failed batch's entries for this consumer with XCLAIM ... JUSTID: resets their idle
   * time (so other instances do not claim them while we retry) without counting a delivery.
   *
   * @return the entries still pending (at any consumer) and now ours
   */
  private Future<Set<StreamEntry>> stillOurs(List<StreamEntry> entries) {
    Set<StreamEntry> ours = new HashSet<>();
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, List<StreamEntry>> e : byStream(entries).entrySet()) {
      Request request = Request.cmd(Command.XCLAIM).arg(e.getKey()).arg(settings.group()).arg(settings.consumer()).arg(0);
      Map<String, StreamEntry> byId = new HashMap<>();
      e.getValue().forEach(entry -> {
        request.arg(entry.id());
        byId.put(entry.id(), entry);
      });
      request.arg("JUSTID");
      chain = chain.compose(v -> connection.send(request, 0)).map(reply -> {
        for (int i = 0; i < reply.size(); i++) {
          StreamEntry entry = byId.get(reply.get(i).toString());
          if (entry != null) {
            ours.add(entry);
          }
        }
        return null;
      });
    }
    return chain.map(v -> ours);
  }

  private Future<Void> ack(List<StreamEntry> entries) {
    List<Future<Response>> acks = new ArrayList<>();
    // Pipelined on the consumer's connection, one XACK per stream. Acknowledging twice is
    // harmless, so a lost XACK may be retried.
    byStream(entries).forEach((stream, list) -> {
      Request request = Request.cmd(Command.XACK).arg(stream).arg(settings.group());
      list.forEach(e -> request.arg(e.id()));
      acks.add(connection.send(request, 0));
    });
    return Future.all(acks).mapEmpty();
  }

  private static Map<String, List<StreamEntry>> byStream(List<StreamEntry> entries) {
    Map<String, List<StreamEntry>> byStream = new LinkedHashMap<>();
    for (StreamEntry e : entries) {
      byStream.computeIfAbsent(e.stream(), k -> new ArrayList<>()).add(e);
    }
    return byStream;
  }

  /** Orders stream ids ({@code <ms>-<seq>}) numerically. */
  static int compareIds(String a, String b) {
    int da = a.indexOf('-');
    int db = b.indexOf('-');
    int c = Long.compareUnsigned(Long.parseUnsignedLong(a.substring(0, da)), Long.parseUnsignedLong(b.substring(0, db)));
    return c != 0 ? c : Long.compareUnsigned(Long.parseUnsignedLong(a.substring(da + 1)), Long.parseUnsignedLong(b.substring(db + 1)));
  }

  private void finish() {
    connection.close();
    stopped.tryComplete();
  }

  /**
   * Claims the lowest free consumer name {@code <base>-<n>} (n = 0, 1, ...) in this Vert.x
   * instance, so each instance of a service gets a name that is the same after a process restart
   * (and re-reads that consumer's pending entries). Processes sharing a group on several hosts must
   * use different bases (e.g. a configured name per host). Release it with
   * {@link #releaseConsumerName} when the consumer stopped. Any thread.
   */
  public static String claimConsumerName(Vertx vertx, String base) {
    LocalMap<String, Boolean> names = vertx.sharedData().getLocalMap(NAMES_MAP);
    for (int n = 0; ; n++) {
      String name = base + "-" + n;
      if (names.putIfAbsent(name, Boolean.TRUE) == null) {
        return name;
      }
    }
  }

  /** Frees a name from {@link #claimConsumerName}. */
  public static void releaseConsumerName(Vertx vertx, String name) {
    vertx.sharedData().<String, Boolean>getLocalMap(NAMES_MAP).remove(name);
  }

  /** Sends XADD with approximate trimming ({@code maxLen} 0: none); fields alternate names and values. */
  public static Request xadd(String stream, long maxLen, List<String> fields) {
    Request request = Request.cmd(Command.XADD).arg(stream);
    if (maxLen > 0) {
      request.arg("MAXLEN").arg("~").arg(maxLen);
    }
    request.arg("*");
    fields.forEach(request::arg);
    return request;
  }

}
