package io.tradekit.verticles.exchange;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Makes the simulated exchange's private ledger (orders, own fills, positions, the id counters)
 * durable in {@code stateDir}, so paper trading survives restarts.
 *
 * <p>Files: {@value #SNAPSHOT_FILE} (the whole ledger at one point, with the sequence number of the
 * last journal record it contains) and {@value #JOURNAL_FILE} (one JSON record per line after
 * that: an order's state after a change, or own fills with the position they led to; every
 * record carries the ledger's counters so ids never repeat). Start: snapshot, then the journal
 * records with a higher sequence number, then a fresh snapshot and an empty journal. A truncated
 * or corrupt LAST journal line (a kill in the middle of a write) is skipped with a WARN naming the
 * file and line; anything else unreadable fails the start with an error naming the file.
 *
 * <p>Size policy: once the journal passes {@code stateJournalMaxBytes} a snapshot is written
 * (temporary file, fsync, atomic rename) and the journal truncated; so on disk there is at most
 * about one snapshot (bounded by {@code privateHistorySize}) plus that many journal bytes. A clean
 * stop writes a snapshot too.
 *
 * <p>Durability: the {@link MatchingEngine}'s events pass through {@link #recording}, which
 * appends the record before the event reaches the notifier; replies and notifications go out
 * through {@link #afterWrite} only once the write() of every record before them returned. A write
 * that reached the kernel survives SIGKILL of the process (the page cache belongs to the kernel),
 * so no fsync per record: only a machine crash could lose the last records, which is acceptable for
 * a simulator. ONE append queue, one write in flight at a time (records appended meanwhile go in
 * the next write together), so the file order is the event order.
 *
 * <p>Created and used on the exchange's context; file I/O runs in {@code executeBlocking}, never
 * on the event loop. A write failure (disk full...) is logged as an ERROR and from then on replies
 * and notifications of the private API are withheld, as if the exchange hung: acknowledging
 * changes that a restart would forget is worse.
 */
final class LedgerJournal {

  static final String SNAPSHOT_FILE = "ledger-snapshot.json";
  static final String JOURNAL_FILE = "ledger-journal.jsonl";
  static final String LOCK_FILE = "lock";
  static final int FORMAT = 1;

  private static final Logger LOG = LoggerFactory.getLogger(LedgerJournal.class);

  private final Vertx vertx;
  private final Path dir;
  private final long journalMaxBytes;
  private PrivateLedger ledger;
  private FileChannel journal;
  private FileChannel lockChannel;
  private FileLock lock;
  /** Sequence number of the last record appended (in memory; maybe not yet written). */
  private long seq;
  private long journalBytes;
  /** Records appended but not yet handed to a write, and what waits for them. */
  private StringBuilder open;
  private List<Runnable> openAfter;
  /** What waits for the write (or snapshot) in flight; null when none is in flight. */
  private List<Runnable> inFlightAfter;
  private Throwable failure;
  private boolean closing;
  private Promise<Void> closed;

  LedgerJournal(Vertx vertx, Path dir, long journalMaxBytes) {
    this.vertx = vertx;
    this.dir = dir;
    this.journalMaxBytes = journalMaxBytes;
  }

  /** What {@link #read} found on disk, parsed off the event loop. */
  private static final class Loaded {
    JsonObject snapshot;
    final List<JsonObject> records = new ArrayList<>();
    final List<Integer> lines = new ArrayList<>();
  }

  /**
   * Locks the directory, reads it, restores the ledger and the resting orders into
   * {@code engine}, writes a fresh snapshot and opens the journal for appending. Call on the
   * exchange's context before the server listens.
   *
   * @param instrumentKnown whether an instrument is still configured: a restored open order of
   *     one that is not is cancelled ({@code instrument_removed}) instead of resting in no market
   */
  Future<Void> open(PrivateLedger ledger, MatchingEngine engine, Predicate<String> instrumentKnown) {
    this.ledger = ledger;
    return vertx.executeBlocking(this::lockAndRead, false).compose(loaded -> {
      try {
        int[] counts = restore(loaded, ledger, engine, instrumentKnown);
        LOG.info("event=exchange.state.restored dir={} orders={} openOrders={} fills={} positions={} journalRecords={}",
          dir, ledger.orders().size(), counts[0], ledger.fills().size(), ledger.positions().size(), loaded.records.size());
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      JsonObject snapshot = snapshot();
      return vertx.executeBlocking(() -> {
        writeSnapshot(snapshot);
        journal = FileChannel.open(dir.resolve(JOURNAL_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
        journal.truncate(0);
        return null;
      }, false);
    }).<Void>mapEmpty().recover(e -> {
      releaseLock();
      return Future.failedFuture(e);
    });
  }

  /**
   * @return the events of the engine, each first recorded, then passed on to {@code delegate}
   *     (the notifier, which sends through {@link #afterWrite})
   */
  MatchingEngine.Events recording(MatchingEngine.Events delegate) {
    return new MatchingEngine.Events() {
      @Override
      public void orderChanged(Order order) {
        append(new JsonObject().put("type", "order").put("order", order.toState()));
        delegate.orderChanged(order);
      }

      @Override
      public void traded(String account, String instrument, List<Fill> fills) {
        JsonArray states = new JsonArray();
        fills.forEach(f -> states.add(f.toState()));
        append(new JsonObject().put("type", "fills").put("fills", states)
          .put("position", ledger.positionState(account, instrument)));
        delegate.traded(account, instrument, fills);
      }

      @Override
      public void changed(Order order, List<Fill> fills) {
        // Both records first, then ONE event to the notifier (user.changes carries both at once).
        append(new JsonObject().put("type", "order").put("order", order.toState()));
        if (!fills.isEmpty()) {
          JsonArray states = new JsonArray();
          fills.forEach(f -> states.add(f.toState()));
          append(new JsonObject().put("type", "fills").put("fills", states)
            .put("position", ledger.positionState(order.account, order.instrument)));
        }
        delegate.changed(order, fills);
      }
    };
  }

  /**
   * Runs {@code action} (a reply, a notification) once every record appended so far has been
   * written: at once when none is pending, never after a write failure.
   */
  void afterWrite(Runnable action) {
    if (failure != null) {
      return;
    }
    if (open != null) {
      openAfter.add(action);
    } else if (inFlightAfter != null) {
      inFlightAfter.add(action);
    } else {
      action.run();
    }
  }

  /** Writes what is pending and a final snapshot, then closes the files and the lock. Idempotent. */
  Future<Void> close() {
    if (closed == null) {
      closed = Promise.promise();
      if (failure != null) {
        try {
          journal.close();
        } catch (IOException | RuntimeException e) {
          LOG.warn("event=exchange.state.close_failed dir={} error={}", dir, e.toString());
        }
        releaseLock();
        closed.fail(failure);
      } else if (journal == null) {
        releaseLock();
        closed.complete();
      } else {
        closing = true;
        pump();
      }
    }
    return closed.future();
  }

  private void append(JsonObject record) {
    if (failure != null || journal == null || closed != null && !closing) {
      return;
    }
    record.put("seq", ++seq).put("counters", ledger.countersState());
    if (open == null) {
      open = new StringBuilder();
      openAfter = new ArrayList<>();
    }
    open.append(record.encode()).append('\n');
    pump();
  }

  /** Starts the next write, snapshot or the final close when nothing is in flight. */
  private void pump() {
    if (inFlightAfter != null || failure != null) {
      return;
    }
    boolean compact = journalBytes > journalMaxBytes;
    if (compact || (closing && open == null)) {
      // The snapshot is taken now, so it holds every record appended so far, written or not:
      // what waits for the pending records may go once it is on disk.
      JsonObject snapshot = snapshot();
      inFlightAfter = open == null ? new ArrayList<>() : openAfter;
      open = null;
      openAfter = null;
      boolean last = closing;
      vertx.executeBlocking(() -> {
        writeSnapshot(snapshot);
        journal.truncate(0);
        if (last) {
          journal.close();
          releaseLock();
        }
        return 0L;
      }, false).onComplete(ar -> written(ar, true, last));
    } else if (open != null) {
      byte[] bytes = open.toString().getBytes(StandardCharsets.UTF_8);
      inFlightAfter = openAfter;
      open = null;
      openAfter = null;
      vertx.executeBlocking(() -> {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          journal.write(buffer);
        }
        return (long) bytes.length;
      }, false).onComplete(ar -> written(ar, false, false));
    }
  }

  private void written(AsyncResult<Long> ar, boolean snapshotted, boolean last) {
    List<Runnable> after = inFlightAfter;
    inFlightAfter = null;
    if (ar.failed()) {
      failure = ar.cause();
      LOG.error("event=exchange.state.write_failed dir={} error={}: private API replies and notifications are withheld from now on",
        dir, ar.cause().toString());
      if (closed != null) {
        releaseLock();
        closed.tryFail(ar.cause());
      }
      return;
    }
    journalBytes = snapshotted ? 0 : journalBytes + ar.result();
    after.forEach(Runnable::run);
    if (last) {
      journal = null;
      LOG.info("event=exchange.state.saved dir={} lastSeq={}", dir, seq);
      closed.complete();
    } else {
      pump();
    }
  }

  /** @return the whole ledger now (on the exchange's context: the objects are mutable), encoded later off it */
  private JsonObject snapshot() {
    JsonArray orders = new JsonArray();
    ledger.orders().forEach(o -> orders.add(o.toState()));
    JsonArray fills = new JsonArray();
    ledger.fills().forEach(f -> fills.add(f.toState()));
    JsonArray positions = new JsonArray();
    ledger.positions().forEach(p -> positions.add(p.toState()));
    return new JsonObject().put("format", FORMAT).put("lastSeq", seq).put("counters", ledger.countersState())
      .put("orders", orders).put("fills", fills).put("positions", positions);
  }

  /** Worker thread: temporary file, fsync, atomic rename (a crash leaves the old or the new snapshot). */
  private void writeSnapshot(JsonObject snapshot) throws IOException {
    Path tmp = dir.resolve(SNAPSHOT_FILE + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
      StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(snapshot.encode().getBytes(StandardCharsets.UTF_8));
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      // Once per snapshot (rare), unlike journal records: the rename must not outrun the data.
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(SNAPSHOT_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Worker thread: creates and locks the directory, reads and parses both files. */
  private Loaded lockAndRead() throws IOException {
    Files.createDirectories(dir);
    lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      lockChannel = null;
      throw new IllegalStateException("stateDir " + dir + " is in use by another simulated exchange (" + dir.resolve(LOCK_FILE)
        + " is locked): give each exchange its own stateDir");
    }
    Loaded loaded = new Loaded();
    Path snapshotFile = dir.resolve(SNAPSHOT_FILE);
    if (Files.exists(snapshotFile)) {
      try {
        loaded.snapshot = new JsonObject(Files.readString(snapshotFile, StandardCharsets.UTF_8));
      } catch (DecodeException | IOException | UncheckedIOException e) {
        throw new IllegalStateException("cannot read the simulated exchange's state " + snapshotFile + ": " + e.getMessage()
          + " (move the directory away to start with an empty account)", e);
      }
      if (!Integer.valueOf(FORMAT).equals(loaded.snapshot.getInteger("format"))) {
        throw new IllegalStateException("cannot read the simulated exchange's state " + snapshotFile + ": expected format "
          + FORMAT + ", got " + loaded.snapshot.getValue("format"));
      }
    }
    Path journalFile = dir.resolve(JOURNAL_FILE);
    if (Files.exists(journalFile)) {
      String text = Files.readString(journalFile, StandardCharsets.UTF_8);
      String[] lines = text.split("\n", -1);
      // split leaves "" after a final newline: that is no line.
      int count = text.endsWith("\n") || text.isEmpty() ? lines.length - 1 : lines.length;
      for (int i = 0; i < count; i++) {
        try {
          Object parsed = new JsonObject(lines[i]);
          loaded.records.add((JsonObject) parsed);
          loaded.lines.add(i + 1);
        } catch (DecodeException e) {
          if (i == count - 1) {
            LOG.warn("event=exchange.state.truncated_record file={} line={}: skipped (the last write was cut short, e.g. by a kill)",
              journalFile, i + 1);
          } else {
            throw new IllegalStateException("cannot read the simulated exchange's state " + journalFile + ": line " + (i + 1)
              + " of " + count + " is not a JSON record (" + e.getMessage() + "); only a cut-off last line is skipped", e);
          }
        }
      }
    }
    return loaded;
  }

  /** On the context: snapshot, then newer journal records, then the books. @return {open orders resting} */
  private int[] restore(Loaded loaded, PrivateLedger ledger, MatchingEngine engine, Predicate<String> instrumentKnown) {
    Map<String, Order> seen = new HashMap<>();
    long lastSeq = 0;
    if (loaded.snapshot != null) {
      Path file = dir.resolve(SNAPSHOT_FILE);
      try {
        JsonObject s = loaded.snapshot;
        lastSeq = s.getLong("lastSeq");
        ledger.restoreCounters(s.getJsonObject("counters"));
        for (Object o : s.getJsonArray("orders")) {
          Order order = Order.fromState((JsonObject) o);
          seen.put(order.orderId, order);
          ledger.accepted(order);
        }
        for (Object f : s.getJsonArray("fills")) {
          ledger.restoreFill(Fill.fromState((JsonObject) f, seen::get));
        }
        for (Object p : s.getJsonArray("positions")) {
          ledger.restorePosition(PrivateLedger.Position.fromState((JsonObject) p));
        }
      } catch (RuntimeException e) {
        throw new IllegalStateException("cannot read the simulated exchange's state " + file + ": " + e.getMessage(), e);
      }
    }
    seq = lastSeq;
    Path file = dir.resolve(JOURNAL_FILE);
    for (int i = 0; i < loaded.records.size(); i++) {
      JsonObject r = loaded.records.get(i);
      try {
        long recordSeq = r.getLong("seq");
        if (recordSeq <= lastSeq) {
          // Already in the snapshot: a kill between its rename and the journal's truncation.
          continue;
        }
        seq = recordSeq;
        ledger.restoreCounters(r.getJsonObject("counters"));
        String type = r.getString("type");
        if ("order".equals(type)) {
          JsonObject state = r.getJsonObject("order");
          Order known = seen.get(state.getString("orderId"));
          if (known == null) {
            Order order = Order.fromState(state);
            seen.put(order.orderId, order);
            ledger.accepted(order);
          } else {
            known.applyState(state);
          }
        } else if ("fills".equals(type)) {
          for (Object f : r.getJsonArray("fills")) {
            ledger.restoreFill(Fill.fromState((JsonObject) f, seen::get));
          }
          ledger.restorePosition(PrivateLedger.Position.fromState(r.getJsonObject("position")));
        } else {
          throw new IllegalArgumentException("unknown record type " + type);
        }
      } catch (RuntimeException e) {
        throw new IllegalStateException("cannot read the simulated exchange's state " + file + ": line " + loaded.lines.get(i)
          + ": " + e.getMessage(), e);
      }
    }
    int resting = 0;
    long now = System.currentTimeMillis();
    for (Order o : ledger.orders()) {
      if (!o.isOpen()) {
        continue;
      }
      if (instrumentKnown.test(o.instrument)) {
        engine.restoreResting(o);
        resting++;
      } else {
        // No market any more to rest in; the snapshot written right after start records it.
        o.cancel("instrument_removed", now);
        LOG.warn("event=exchange.state.order_cancelled order={} account={} instrument={}: the instrument is no longer configured",
          o.orderId, o.account, o.instrument);
      }
    }
    return new int[] {resting};
  }

  private void releaseLock() {
    try {
      if (lock != null) {
        lock.release();
      }
      if (lockChannel != null) {
        lockChannel.close();
      }
    } catch (IOException e) {
      LOG.warn("event=exchange.state.unlock_failed dir={} error={}", dir, e.toString());
    }
    lock = null;
    lockChannel = null;
  }
}
