package io.tradekit.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The direct-client ingest ceiling: a minimal pipelined XADD client over one plain TCP connection
 * speaking RESP itself, with the commands encoded before the clock starts, so it measures what
 * Redis can take from one connection of one client that still reads and CHECKS every reply (each
 * must be a bulk-string stream id {@code <ms>-<seq>}; an error reply or anything else fails the
 * run). Batches of {@code batch} commands, at most {@code inFlight} batches outstanding.
 *
 * <p>Everything runs on the context the connection was made on (its event loop): writes, reply
 * parsing, and the state below.
 */
final class RespXadd {

  private final List<byte[]> commands;
  private final long count;
  private final int batch;
  private final int inFlight;
  private final Promise<Long> done = Promise.promise();
  private NetSocket socket;
  private Buffer pending = Buffer.buffer();
  private long sent;
  private long replies;
  private long start;

  /**
   * @param entries each [stream key, field, value, ...]; command {@code i} uses entry {@code i % size}
   */
  RespXadd(List<List<String>> entries, long count, int batch, int inFlight) {
    this.commands = new ArrayList<>(entries.size());
    for (List<String> e : entries) {
      commands.add(encode(e));
    }
    this.count = count;
    this.batch = batch;
    this.inFlight = inFlight;
  }

  static byte[] encode(List<String> entry) {
    List<String> args = new ArrayList<>(entry.size() + 2);
    args.add("XADD");
    args.add(entry.get(0));
    args.add("*");
    args.addAll(entry.subList(1, entry.size()));
    Buffer b = Buffer.buffer();
    b.appendString("*" + args.size() + "\r\n");
    for (String a : args) {
      byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
      b.appendString("$" + bytes.length + "\r\n").appendBytes(bytes).appendString("\r\n");
    }
    return b.getBytes();
  }

  /** @return nanoseconds from the first write to the last checked reply */
  Future<Long> run(Vertx vertx, Context context, String host, int port) {
    context.runOnContext(v -> {
      NetClient client = vertx.createNetClient();
      client.connect(port, host).onFailure(done::tryFail).onSuccess(s -> {
        socket = s;
        s.handler(this::onData);
        s.exceptionHandler(done::tryFail);
        s.closeHandler(x -> done.tryFail(new IllegalStateException("Redis closed the connection after " + replies + " replies")));
        start = System.nanoTime();
        pump();
      });
      done.future().onComplete(x -> client.close());
    });
    return done.future();
  }

  private void pump() {
    while (sent < count && sent - replies < (long) batch * inFlight) {
      Buffer out = Buffer.buffer(batch * 200);
      long n = Math.min(batch, count - sent);
      for (long i = 0; i < n; i++) {
        out.appendBytes(commands.get((int) ((sent + i) % commands.size())));
      }
      sent += n;
      socket.write(out);
    }
  }

  private void onData(Buffer data) {
    pending = pending.length() == 0 ? data : pending.appendBuffer(data);
    int pos = 0;
    int len = pending.length();
    while (pos < len) {
      byte type = pending.getByte(pos);
      int eol = indexOfCrlf(pending, pos, len);
      if (eol < 0) {
        break;
      }
      if (type != '$') {
        done.tryFail(new IllegalStateException("XADD #" + replies + " not stored: " + pending.getString(pos, eol)));
        return;
      }
      int size = Integer.parseInt(pending.getString(pos + 1, eol));
      int end = eol + 2 + size + 2;
      if (size < 0 || end > len) {
        if (size < 0) {
          done.tryFail(new IllegalStateException("XADD #" + replies + " not stored: nil reply"));
          return;
        }
        break;
      }
      if (!isStreamId(pending, eol + 2, eol + 2 + size)) {
        done.tryFail(new IllegalStateException("XADD #" + replies + ": not a stream id: " + pending.getString(eol + 2, eol + 2 + size)));
        return;
      }
      replies++;
      pos = end;
    }
    pending = pos == len ? Buffer.buffer() : pending.getBuffer(pos, len);
    if (replies == count) {
      done.tryComplete(System.nanoTime() - start);
    } else {
      pump();
    }
  }

  private static int indexOfCrlf(Buffer b, int from, int len) {
    for (int i = from; i + 1 < len; i++) {
      if (b.getByte(i) == '\r' && b.getByte(i + 1) == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static boolean isStreamId(Buffer b, int from, int to) {
    boolean dash = false;
    boolean digits = false;
    for (int i = from; i < to; i++) {
      byte c = b.getByte(i);
      if (c == '-' && !dash && digits) {
        dash = true;
        digits = false;
      } else if (c >= '0' && c <= '9') {
        digits = true;
      } else {
        return false;
      }
    }
    return dash && digits;
  }
}
