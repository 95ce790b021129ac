package io.tradekit.feed.impl;

import io.tradekit.feed.FeedMessage;
import io.tradekit.feed.FeedOptions;
import io.tradekit.feed.MemoryBudget;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The bounded queue between the socket and the consumer. The socket is never paused (a paused
 * socket stops heartbeat replies and the exchange disconnects); instead a consumer that falls
 * behind fills this queue, and past its bounds messages are shed, counted and reported.
 *
 * <p>Two bounds: {@code capacity} messages (past it the overflow policy drops the newest or the
 * oldest message), and, when a {@link MemoryBudget} is given, bytes: a message whose
 * {@link MemoryBudget#estimateBytes estimate} does not fit in the budget is shed on arrival. With
 * a budget, a delivered message's reservation passes to the consumer (it releases it); a message
 * evicted from the queue has its reservation released here. Every shed message goes to
 * {@code onShed} (the consumer records it, e.g. as a gap).
 *
 * <p>The consumer gets one batch at a time: the next only after the previous batch's future
 * completed. Confined to the feed's context.
 */
public final class DeliveryQueue {

  private final Context context;
  private final int capacity;
  private final FeedOptions.OverflowPolicy policy;
  private final int batchMax;
  private final MemoryBudget budget;
  private final Consumer<FeedMessage> onShed;
  private final Deque<FeedMessage> queue = new ArrayDeque<>();
  private Function<List<FeedMessage>, Future<Void>> consumer;
  private boolean delivering;
  private Promise<Void> drained;

  /** A queue bounded by message count only; {@code onDrop} is told of each dropped message. */
  public DeliveryQueue(Context context, int capacity, FeedOptions.OverflowPolicy policy, int batchMax, Runnable onDrop) {
    this(context, capacity, policy, batchMax, null, message -> onDrop.run());
  }

  /**
   * @param budget the byte budget shared with the consumer, or null for none
   * @param onShed told of every message shed (dropped by either bound), on the feed's context
   */
  public DeliveryQueue(Context context, int capacity, FeedOptions.OverflowPolicy policy, int batchMax, MemoryBudget budget,
      Consumer<FeedMessage> onShed) {
    this.context = context;
    this.capacity = capacity;
    this.policy = policy;
    this.batchMax = batchMax;
    this.budget = budget;
    this.onShed = onShed;
  }

  public void consumer(Function<List<FeedMessage>, Future<Void>> consumer) {
    this.consumer = consumer;
  }

  public int size() {
    return queue.size();
  }

  public void offer(FeedMessage message) {
    if (queue.size() >= capacity) {
      if (policy == FeedOptions.OverflowPolicy.DROP_NEWEST) {
        onShed.accept(message);
        return;
      }
      FeedMessage oldest = queue.pollFirst();
      if (budget != null) {
        budget.release(MemoryBudget.estimateBytes(oldest));
      }
      onShed.accept(oldest);
    }
    if (budget != null && !budget.tryReserve(MemoryBudget.estimateBytes(message))) {
      onShed.accept(message);
      return;
    }
    queue.addLast(message);
    deliver();
  }

  /** @return completes once everything queued so far has been handed to the consumer and completed */
  public Future<Void> drain() {
    if (drained == null) {
      drained = Promise.promise();
    }
    checkDrained();
    return drained.future();
  }

  private void deliver() {
    if (delivering || queue.isEmpty() || consumer == null) {
      checkDrained();
      return;
    }
    delivering = true;
    List<FeedMessage> batch = new ArrayList<>(Math.min(batchMax, queue.size()));
    while (batch.size() < batchMax && !queue.isEmpty()) {
      batch.add(queue.pollFirst());
    }
    Future<Void> handled;
    try {
      handled = consumer.apply(batch);
    } catch (RuntimeException e) {
      handled = Future.failedFuture(e);
    }
    handled.onComplete(ar -> context.runOnContext(v -> {
      delivering = false;
      deliver();
    }));
  }

  private void checkDrained() {
    if (drained != null && !delivering && (queue.isEmpty() || consumer == null)) {
      drained.tryComplete();
    }
  }
}
