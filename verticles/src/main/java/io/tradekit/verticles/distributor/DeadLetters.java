package io.tradekit.verticles.distributor;

import io.tradekit.redis.RedisResource;
import io.tradekit.redis.StreamEntry;
import io.tradekit.verticles.md.Streams;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes entries that can never be persisted to {@link Streams#DEAD_LETTER}, each ONCE: one entry
 * per bad stream entry with the original {@code stream} and {@code entry} id, the {@code stage} that
 * rejected it ({@code parse}, {@code insert} or {@code deliveries}), the {@code sqlstate} (empty
 * unless PostgreSQL rejected it) and the {@code reason}, plus the original fields as {@code f.<name>}
 * (so it can be replayed). A Lua script adds the dead letter only when a marker key
 * {@code tradekit:deadletter:seen:<stream>:<id>} (kept {@value #SEEN_TTL_S} s) did not exist, so a
 * batch retried after its dead letters were written (XACK lost, process killed) adds none again.
 * The stream is never trimmed (XADD without MAXLEN). Used by the distributor on its context.
 */
final class DeadLetters {

  /** Stages that reject an entry. */
  static final String PARSE = "parse";
  static final String INSERT = "insert";
  static final String DELIVERIES = "deliveries";

  static final String SEEN_PREFIX = "tradekit:deadletter:seen:";
  /** How long a dead-lettered entry is remembered; far longer than any entry stays pending. */
  static final long SEEN_TTL_S = 7 * 24 * 3600;

  /** KEYS[1] the dead-letter stream, KEYS[2] the marker; ARGV[1] the marker's TTL, then the fields. */
  private static final String ADD_ONCE = """
    if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[1])) then
      redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
      return 1
    end
    return 0""";

  /** One entry to dead-letter. */
  record DeadLetter(StreamEntry entry, String stage, String sqlState, String reason) {

    static DeadLetter rejected(StreamEntry entry, String reason) {
      return new DeadLetter(entry, PARSE, "", reason);
    }

    /** An entry PostgreSQL rejected on its own: the SQLSTATE and message of its failure. */
    static DeadLetter insertFailed(StreamEntry entry, Throwable failure) {
      PgException pg = pgException(failure);
      return new DeadLetter(entry, INSERT, pg == null || pg.getSqlState() == null ? "" : pg.getSqlState(),
        pg == null ? String.valueOf(failure.getMessage()) : pg.getErrorMessage());
    }
  }

  private final RedisResource redis;

  DeadLetters(RedisResource redis) {
    this.redis = redis;
  }

  /** @return how many were added (entries dead-lettered before are skipped) */
  Future<Integer> park(List<DeadLetter> letters) {
    Future<Integer> chain = Future.succeededFuture(0);
    for (DeadLetter letter : letters) {
      // Idempotent: the marker makes a second run a no-op, so a lost reply may be retried.
      chain = chain.compose(added -> redis.send(request(letter), true).map(reply -> added + reply.toInteger()));
    }
    return chain;
  }

  private static Request request(DeadLetter letter) {
    StreamEntry entry = letter.entry();
    Request request = Request.cmd(Command.EVAL).arg(ADD_ONCE).arg(2).arg(Streams.DEAD_LETTER)
      .arg(SEEN_PREFIX + entry.stream() + ":" + entry.id()).arg(SEEN_TTL_S);
    List<String> fields = new ArrayList<>(List.of("stream", entry.stream(), "entry", entry.id(), "stage", letter.stage(),
      "sqlstate", letter.sqlState(), "reason", String.valueOf(letter.reason())));
    if (entry.fields() != null) {
      entry.fields().forEach((k, v) -> {
        fields.add("f." + k);
        fields.add(v == null ? "" : v);
      });
    }
    fields.forEach(request::arg);
    return request;
  }

  /** @return the PostgreSQL error under {@code failure} (retries wrap it), or null */
  static PgException pgException(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof PgException pg) {
        return pg;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
