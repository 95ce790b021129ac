package io.tradekit.redis;

import io.tradekit.resilience.Backoff;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Streams consumer-group loop with at-least-once delivery: read a batch, hand it to the
 * handler, XACK only after the handler's future succeeded. Used by the distributor and analyzer.
 *
 * <p>Reads with XREADGROUP BLOCK on a DEDICATED connection (a blocked read must not hold a pooled
 * connection the rest of the service needs). On start and every {@code claimIntervalMs} it claims
 * entries another consumer left pending longer than {@code claimIdleMs} (XAUTOCLAIM), so a crashed
 * instance's batch is persisted by a live one. After a handler failure it re-reads its own pending
 * entries first. {@link #stop()} lets the in-flight batch finish, drains what is already in the
 * streams without blocking, then closes the connection; a read blocked in XREADGROUP BLOCK at that
 * moment is ended at once with CLIENT UNBLOCK, so a stop never waits out {@code blockMs}. After a
 * failed read or batch it waits a {@link Backoff} delay growing from {@code retryDelayMs} to
 * {@link #MAX_RETRY_DELAY_MS}; a stop cuts a pending delay short. Runs on the context that called
 * start().
 */
public final class GroupConsumer {

  /** Processes a batch; the entries are acknowledged only when the returned future succeeds. */
  public interface BatchHandler {
    Future<Void> handle(List<StreamEntry> entries);
  }

  /** Loop settings; all durations in milliseconds. */
  public record Settings(String group, String consumer, List<String> streams, int count, long blockMs,
                         long claimIdleMs, long claimIntervalMs, long retryDelayMs, long commandTimeoutMs) {
  }

  private static final Logger LOG = LoggerFactory.getLogger(GroupConsumer.class);

  private final Vertx vertx;
  private final RedisResource redis;
  private final Settings settings;
  private final BatchHandler handler;
  private final Promise<Void> stopped = Promise.promise();
  private Context context;
  private RedisConnection connection;
  /** Redis's id of the dedicated connection (CLIENT ID), for CLIENT UNBLOCK; -1 when unknown. */
  private long connectionClientId = -1;
  private boolean blockedReadInFlight;
  private boolean stopping;
  private boolean readOwnPending = true;
  private boolean claimDue = true;
  private boolean lastReadWasNew;
  private long claimTimer = -1;
  private long retryTimer = -1;
  /** Delays after consecutive failed steps; see {@link #MAX_RETRY_DELAY_MS}. */
  private final Backoff.Sequence retryDelays;

  /** @param redis the shared client: group commands go through its breaker and retries */
  public GroupConsumer(Vertx vertx, RedisResource redis, Settings settings, BatchHandler handler) {
    this.vertx = vertx;
    this.redis = redis;
    this.settings = settings;
    this.handler = handler;
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
    });
  }

  private Future<Void> createGroup(String stream) {
    return redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg(settings.group()).arg("0").arg("MKSTREAM"), true)
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
    if (blockedReadInFlight && connectionClientId >= 0) {
      // Ends the blocked read as if its BLOCK timed out (an empty reply): nothing delivered is
      // lost, and the loop goes on to drain without blocking. Without this a stop waited up to
      // blockMs (1 s by default) for a read that producers, already stopped, would never feed.
      // If it fails, the read still ends by its own timeout.
      redis.send(Request.cmd(Command.CLIENT).arg("UNBLOCK").arg(connectionClientId), true)
        .onFailure(err -> LOG.debug("CLIENT UNBLOCK for consumer {} failed: {}", settings.consumer(), err.toString()));
    }
    return stopped.future();
  }

  private void loop() {
    Future<Integer> step;
    if (claimDue && !stopping) {
      claimDue = false;
      lastReadWasNew = false;
      step = claimStale();
    } else {
      step = readAndHandle();
    }
    step.onComplete(ar -> {
      if (ar.failed()) {
        readOwnPending = true;
        dropConnection();
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
      return handleAndAck(entries);
    });
  }

  private Future<Integer> handleAndAck(List<StreamEntry> entries) {
    Future<Void> handled;
    try {
      handled = handler.handle(entries);
    } catch (RuntimeException e) {
      handled = Future.failedFuture(e);
    }
    return handled.compose(v -> ack(entries)).map(v -> entries.size());
  }

  private Future<List<StreamEntry>> read(String id, boolean block) {
    return connection().compose(conn -> {
      Request request = Request.cmd(Command.XREADGROUP).arg("GROUP").arg(settings.group()).arg(settings.consumer())
        .arg("COUNT").arg(settings.count());
      if (block) {
        request.arg("BLOCK").arg(settings.blockMs());
      }
      request.arg("STREAMS");
      settings.streams().forEach(request::arg);
      settings.streams().forEach(s -> request.arg(id));
      blockedReadInFlight = block;
      return conn.send(request).timeout(settings.commandTimeoutMs() + (block ? settings.blockMs() : 0), TimeUnit.MILLISECONDS)
        .onComplete(ar -> blockedReadInFlight = false);
    }).map(StreamEntry::fromReadGroup);
  }

  private Future<Integer> claimStale() {
    Future<Integer> chain = Future.succeededFuture(0);
    for (String stream : settings.streams()) {
      chain = chain.compose(total -> redis.send(Request.cmd(Command.XAUTOCLAIM).arg(stream).arg(settings.group())
          .arg(settings.consumer()).arg(settings.claimIdleMs()).arg("0-0").arg("COUNT").arg(settings.count()), true)
        .compose(reply -> {
          List<StreamEntry> claimed = StreamEntry.fromAutoClaim(stream, reply);
          if (claimed.isEmpty()) {
            return Future.succeededFuture(total);
          }
          LOG.info("event=stream.claimed group={} consumer={} stream={} entries={}", settings.group(),
            settings.consumer(), stream, claimed.size());
          return handleAndAck(claimed).map(n -> total + n);
        }));
    }
    return chain;
  }

  private Future<Void> ack(List<StreamEntry> entries) {
    Map<String, Request> byStream = new LinkedHashMap<>();
    for (StreamEntry e : entries) {
      byStream.computeIfAbsent(e.stream(), k -> Request.cmd(Command.XACK).arg(k).arg(settings.group())).arg(e.id());
    }
    // One pipelined round trip for all streams. Acknowledging twice is harmless, so a lost XACK
    // may be retried.
    return redis.pipeline(new ArrayList<>(byStream.values()), true).compose(results -> {
      for (CommandResult result : results) {
        if (!result.succeeded()) {
          return Future.failedFuture(result.error());
        }
      }
      return Future.succeededFuture();
    });
  }

  private Future<RedisConnection> connection() {
    if (connection != null) {
      return Future.succeededFuture(connection);
    }
    return redis.client().connect().timeout(settings.commandTimeoutMs(), TimeUnit.MILLISECONDS).compose(conn -> {
      connection = conn;
      conn.exceptionHandler(err -> dropConnection());
      return conn.send(Request.cmd(Command.CLIENT).arg("ID")).timeout(settings.commandTimeoutMs(), TimeUnit.MILLISECONDS)
        .map(id -> {
          connectionClientId = id.toLong();
          return conn;
        })
        // Without the id a stop merely waits for the BLOCK to time out: not worth failing the read.
        .otherwise(err -> {
          connectionClientId = -1;
          return conn;
        });
    });
  }

  private void dropConnection() {
    RedisConnection conn = connection;
    connection = null;
    connectionClientId = -1;
    if (conn != null) {
      conn.close();
    }
  }

  private void finish() {
    dropConnection();
    stopped.tryComplete();
  }

  /** @return a consumer name unique to this process and instance, for XREADGROUP */
  public static String uniqueConsumerName(String prefix) {
    return prefix + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
  }

  /** Sends XADD with approximate trimming; fields alternate names and values. */
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
