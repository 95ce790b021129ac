package io.tradekit.redis;

import io.tradekit.health.KitMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Safe trimming of Redis Streams: a stream is trimmed only below what EVERY consumer group has
 * delivered and acknowledged, never by a blind {@code MAXLEN} or age.
 *
 * <p>The safe point of a stream is the minimum over its groups (from {@code XINFO GROUPS}) of the
 * group's smallest pending id ({@code XPENDING <stream> <group>}) when it has pending entries, else
 * the id right after its {@code last-delivered-id}. Every entry below it was delivered to every
 * group and acknowledged; {@code XTRIM <stream> MINID <point>} removes exactly those (and, with a
 * caller's bound, only those below the bound too). A group only moves forward, so a point read a
 * moment before the trim is still safe. A stream WITHOUT groups has no safe point: it is not trimmed
 * (its consumers may not have created their group yet), unless the caller declares it a stream no
 * group ever reads ({@link Target#trimWithoutGroups}, e.g. latest-ticker streams), which is then
 * trimmed by the caller's bound alone.
 *
 * <p>A stream longer than its cap after trimming means its consumers are behind (or absent): that
 * is an ALERT, never a deletion: the gauge {@code tradekit.stream.over_cap{stream}} is 1, the stream
 * is listed by {@link #overCap()} (services turn that into a readiness reason) and
 * {@code event=stream.over_cap} is logged once when it starts ({@code event=stream.cap_ok} when it
 * ends).
 *
 * <p>Used by the receiver (periodically over the streams it writes: {@link #start}) and by the
 * janitor (once per run: {@link #trim}). Every command goes through {@link RedisResource#send}
 * (reads and {@code XTRIM MINID} are idempotent). Create and use it on one context (the service's):
 * its timer and state live there; {@link #overCap()} may be read from any thread.
 */
public final class StreamTrimmer {

  private static final Logger LOG = LoggerFactory.getLogger(StreamTrimmer.class);

  /**
   * One stream to keep trimmed.
   *
   * @param capLength the length above which the stream is over its cap (an alert); 0 = no cap
   * @param trimWithoutGroups true only for streams no consumer group ever reads: without groups
   *     they are trimmed to {@code capLength} (approximately, {@code MAXLEN ~}) instead of kept
   */
  public record Target(String stream, long capLength, boolean trimWithoutGroups) {
  }

  /**
   * What one trim did.
   *
   * @param groups how many consumer groups the stream has
   * @param safeId the safe point (exclusive), or null without groups
   * @param trimmedBelow the MINID used, or null when nothing was trimmed by id
   * @param removed entries removed
   * @param length the stream's length afterwards
   */
  public record Outcome(String stream, int groups, String safeId, String trimmedBelow, long removed, long length) {
  }

  private final Vertx vertx;
  private final RedisResource redis;
  private final Map<String, Long> overCap = new ConcurrentHashMap<>();
  private final Set<String> gauged = ConcurrentHashMap.newKeySet();
  private long timer = -1;
  private boolean stopped;
  private Future<Void> running = Future.succeededFuture();

  public StreamTrimmer(Vertx vertx, RedisResource redis) {
    this.vertx = vertx;
    this.redis = redis;
  }

  /**
   * Trims every target every {@code intervalMs} (the first run after one interval), one stream
   * after the other; runs never overlap. A failed stream is logged ({@code event=stream.trim_failed})
   * and tried again on the next run.
   *
   * @param targets read on each run, so a caller may add streams as it discovers them
   */
  public void start(long intervalMs, Supplier<List<Target>> targets) {
    if (stopped || timer >= 0) {
      return;
    }
    timer = vertx.setTimer(intervalMs, t -> {
      timer = -1;
      running = trimAll(targets.get()).onComplete(ar -> start(intervalMs, targets));
    });
  }

  /** Stops the periodic runs; completes when a run in flight has finished. */
  public Future<Void> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    return running;
  }

  /** @return the streams over their cap, with their length at the last check (any thread) */
  public Map<String, Long> overCap() {
    return Map.copyOf(overCap);
  }

  /** Trims each target once (no age bound), in order; never fails: a stream's failure is logged. */
  public Future<Void> trimAll(List<Target> targets) {
    Future<Void> chain = Future.succeededFuture();
    for (Target target : targets) {
      // After stop() only the stream in flight finishes, so a stop never waits for a whole run.
      chain = chain.compose(v -> stopped ? Future.<Void>succeededFuture() : trim(target.stream(), null, target.capLength(), target.trimWithoutGroups())
        .<Void>mapEmpty()
        .recover(err -> {
          LOG.warn("event=stream.trim_failed stream={} error=\"{}\"", target.stream(), err.toString());
          return Future.succeededFuture();
        }));
    }
    return chain;
  }

  /**
   * Trims one stream below its safe point and below {@code notAfterId} when given (whichever is
   * lower), then checks its length against {@code capLength}.
   *
   * @param notAfterId an extra exclusive bound, e.g. the janitor's retention cutoff {@code <ms>-0}; null for none
   * @param capLength 0 for no cap
   * @param trimWithoutGroups see {@link Target#trimWithoutGroups}
   */
  public Future<Outcome> trim(String stream, String notAfterId, long capLength, boolean trimWithoutGroups) {
    return groups(stream).compose(groups -> safePoint(stream, groups).compose(safe -> {
      Request xtrim;
      String below = null;
      if (safe.isPresent()) {
        below = notAfterId == null || compare(notAfterId, safe.get()) > 0 ? safe.get() : notAfterId;
        xtrim = compare(below, "0-1") <= 0 ? null : Request.cmd(Command.XTRIM).arg(stream).arg("MINID").arg(below);
      } else if (!trimWithoutGroups) {
        xtrim = null; // no group has read it yet: nothing is known to be consumed
      } else if (notAfterId != null) {
        below = notAfterId;
        xtrim = Request.cmd(Command.XTRIM).arg(stream).arg("MINID").arg(notAfterId);
      } else {
        xtrim = capLength > 0 ? Request.cmd(Command.XTRIM).arg(stream).arg("MAXLEN").arg("~").arg(capLength) : null;
      }
      Future<Long> removed = xtrim == null ? Future.succeededFuture(0L) : redis.send(xtrim, true).map(Response::toLong);
      String trimmedBelow = xtrim == null ? null : below;
      return removed.compose(n -> length(stream).map(len -> {
        boolean capped = safe.isEmpty() && trimWithoutGroups;
        alert(stream, capLength > 0 && !capped && len > capLength, len, capLength);
        return new Outcome(stream, groups.size(), safe.orElse(null), trimmedBelow, n, len);
      }));
    }));
  }

  /**
   * @return the exclusive id below which every group has been delivered and acknowledged every
   *     entry; empty when the stream has no consumer group
   */
  public Future<Optional<String>> safePoint(String stream) {
    return groups(stream).compose(groups -> safePoint(stream, groups));
  }

  private Future<Optional<String>> safePoint(String stream, List<Map<String, String>> groups) {
    if (groups.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    List<Future<String>> points = new ArrayList<>();
    for (Map<String, String> group : groups) {
      String name = group.get("name");
      String lastDelivered = group.getOrDefault("last-delivered-id", "0-0");
      points.add(redis.send(Request.cmd(Command.XPENDING).arg(stream).arg(name), true).map(summary -> {
        long pending = summary == null || summary.size() == 0 || summary.get(0) == null ? 0 : summary.get(0).toLong();
        // Pending entries were delivered but not acknowledged: keep the smallest and all after it.
        // Without any, everything up to last-delivered-id is acknowledged.
        return pending > 0 ? summary.get(1).toString() : successor(lastDelivered);
      }));
    }
    return Future.all(points).map(all -> {
      String min = null;
      for (int i = 0; i < points.size(); i++) {
        String p = all.resultAt(i);
        min = min == null || compare(p, min) < 0 ? p : min;
      }
      return Optional.of(min);
    });
  }

  /** @return each group's XINFO fields (name, last-delivered-id, ...); empty for a missing stream */
  private Future<List<Map<String, String>>> groups(String stream) {
    return length(stream).compose(len -> len == 0 ? Future.succeededFuture(List.of())
      : redis.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(stream), true).map(StreamTrimmer::parseGroups));
  }

  private Future<Long> length(String stream) {
    return redis.send(Request.cmd(Command.XLEN).arg(stream), true).map(Response::toLong);
  }

  /** XINFO GROUPS: a map per group in RESP3, a flat key/value array in RESP2. */
  static List<Map<String, String>> parseGroups(Response reply) {
    List<Map<String, String>> groups = new ArrayList<>();
    if (reply == null) {
      return groups;
    }
    for (int i = 0; i < reply.size(); i++) {
      Response group = reply.get(i);
      Map<String, String> fields = new java.util.HashMap<>();
      Set<String> keys = StreamEntry.mapKeys(group);
      if (keys != null) {
        for (String key : keys) {
          Response value = group.get(key);
          fields.put(key, value == null ? null : value.toString());
        }
      } else {
        for (int f = 0; f + 1 < group.size(); f += 2) {
          Response value = group.get(f + 1);
          fields.put(group.get(f).toString(), value == null ? null : value.toString());
        }
      }
      groups.add(fields);
    }
    return groups;
  }

  private void alert(String stream, boolean over, long length, long capLength) {
    if (gauged.add(stream)) {
      KitMetrics.of(vertx).gauge("tradekit.stream.over_cap", () -> overCap.containsKey(stream) ? 1 : 0, "stream", stream);
    }
    if (over) {
      if (overCap.put(stream, length) == null) {
        LOG.warn("event=stream.over_cap stream={} length={} cap={} (consumers are behind; nothing is trimmed above "
          + "what every group acknowledged)", stream, length, capLength);
      }
    } else if (overCap.remove(stream) != null) {
      LOG.info("event=stream.cap_ok stream={} length={} cap={}", stream, length, capLength);
    }
  }

  /** Compares stream ids {@code <ms>-<seq>} numerically (unsigned, as Redis does). */
  public static int compare(String a, String b) {
    Id x = Id.parse(a);
    Id y = Id.parse(b);
    int c = Long.compareUnsigned(x.ms(), y.ms());
    return c != 0 ? c : Long.compareUnsigned(x.seq(), y.seq());
  }

  /** @return the smallest id greater than {@code id} */
  static String successor(String id) {
    Id p = Id.parse(id);
    return p.seq() == -1L ? Long.toUnsignedString(p.ms() + 1) + "-0"
      : Long.toUnsignedString(p.ms()) + "-" + Long.toUnsignedString(p.seq() + 1);
  }

  /** A stream id; both parts are unsigned 64-bit numbers. */
  private record Id(long ms, long seq) {
    static Id parse(String id) {
      int dash = id.indexOf('-');
      return dash < 0 ? new Id(Long.parseUnsignedLong(id), 0)
        : new Id(Long.parseUnsignedLong(id.substring(0, dash)), Long.parseUnsignedLong(id.substring(dash + 1)));
    }
  }
}
