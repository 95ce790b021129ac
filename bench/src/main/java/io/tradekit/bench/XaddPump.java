package io.tradekit.bench;

import io.tradekit.redis.CommandResult;
import io.tradekit.redis.RedisResource;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * A direct pipelined XADD client through the kit's Redis client: {@code count} entries in batches
 * of {@code batchSize}, at most {@code inFlight} batches outstanding, and EVERY reply checked (a
 * command error, or a reply that is not a stream id, fails the run: a ceiling that counted
 * rejected writes would not be one). Used as the direct-client ceiling of ingest and to preload
 * the persistence measure.
 *
 * <p>All state is touched on one Vert.x context (the one {@link #run} is called for).
 */
final class XaddPump {

  private static final Pattern STREAM_ID = Pattern.compile("\\d+-\\d+");

  private final RedisResource redis;
  private final int count;
  private final int batchSize;
  private final int inFlight;
  /** Entry {@code i}: stream key followed by alternating field names and values. */
  private final IntFunction<List<String>> entry;
  private final Promise<Void> done = Promise.promise();
  private int next;
  private int outstanding;
  private long acknowledged;

  XaddPump(RedisResource redis, int count, int batchSize, int inFlight, IntFunction<List<String>> entry) {
    this.redis = redis;
    this.count = count;
    this.batchSize = batchSize;
    this.inFlight = inFlight;
    this.entry = entry;
  }

  /** @return the nanoseconds from the first command to the last checked reply */
  Future<Long> run(Context context) {
    long start = System.nanoTime();
    context.runOnContext(v -> pump());
    return done.future().map(v -> System.nanoTime() - start);
  }

  private void pump() {
    while (outstanding < inFlight && next < count && !done.future().isComplete()) {
      int n = Math.min(batchSize, count - next);
      List<Request> batch = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        List<String> e = entry.apply(next + i);
        Request xadd = Request.cmd(Command.XADD).arg(e.get(0)).arg("*");
        for (int f = 1; f < e.size(); f++) {
          xadd.arg(e.get(f));
        }
        batch.add(xadd);
      }
      next += n;
      outstanding++;
      redis.pipeline(batch, false).onComplete(ar -> {
        outstanding--;
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        for (CommandResult r : ar.result()) {
          Response reply = r.reply();
          if (!r.succeeded() || reply == null || !STREAM_ID.matcher(reply.toString()).matches()) {
            done.tryFail(new IllegalStateException("XADD #" + r.index() + " not stored: "
              + (r.error() != null ? r.error().toString() : String.valueOf(reply))));
            return;
          }
          acknowledged++;
        }
        if (acknowledged == count) {
          done.tryComplete();
        } else {
          pump();
        }
      });
    }
  }
}
