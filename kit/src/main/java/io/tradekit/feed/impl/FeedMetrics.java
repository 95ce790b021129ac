package io.tradekit.feed.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tradekit.health.KitMetrics;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The feed's meters in {@link KitMetrics}, tagged {@code feed=<name>}. Registered once per feed
 * (gauges read volatile state the feed publishes on its context, so scraping from the admin
 * server's thread never walks the feed's collections); nothing is looked up in the registry per
 * message (the per-channel message counters are held once created).
 */
public final class FeedMetrics {

  public final Counter connects;
  public final Counter reconnects;
  public final Counter transportStalls;
  public final Counter channelStalls;
  public final Counter drops;
  public final Counter gaps;
  /** Book resubscribe attempts (each try of a book's retry loop). */
  public final Counter resubscribes;
  /** Book resubscribe attempts that failed (error, timeout, or the channel not accepted). */
  public final Counter resubscribeFailures;
  public final Counter rejected;
  public final Counter malformed;
  public final Counter unsolicitedErrors;
  public final Timer heartbeatReply;
  private final MeterRegistry registry;
  private final String feed;
  /** Per-channel message counters (bounded by the configured channels); the feed's context only. */
  private final Map<String, Counter> messages = new HashMap<>();

  /**
   * @param metrics the feed's Vert.x instance's metrics
   * @param connected whether the feed is subscribed (read from the scraping thread)
   * @param queueDepth messages waiting for the consumer
   * @param invalidBooks books waiting for a snapshot (read from the scraping thread)
   */
  public FeedMetrics(KitMetrics metrics, String feed, Supplier<Boolean> connected, IntSupplier queueDepth, IntSupplier invalidBooks) {
    this.registry = metrics.registry();
    this.feed = feed;
    connects = counter("tradekit.feed.connects");
    reconnects = counter("tradekit.feed.reconnects");
    transportStalls = counter("tradekit.feed.stalls.transport");
    channelStalls = counter("tradekit.feed.stalls.channel");
    drops = counter("tradekit.feed.queue.drops");
    gaps = counter("tradekit.feed.book.gaps");
    resubscribes = counter("tradekit.feed.book.resubscribes");
    resubscribeFailures = counter("tradekit.feed.book.resubscribe.failures");
    rejected = counter("tradekit.feed.subscriptions.rejected");
    malformed = counter("tradekit.feed.frames.malformed");
    unsolicitedErrors = counter("tradekit.feed.errors.unsolicited");
    heartbeatReply = Timer.builder("tradekit.feed.heartbeat.reply").tag("feed", feed).register(registry);
    metrics.gauge("tradekit.feed.connected", () -> connected.get() ? 1 : 0, "feed", feed);
    metrics.gauge("tradekit.feed.queue.depth", queueDepth::getAsInt, "feed", feed);
    metrics.gauge("tradekit.feed.books.invalid", invalidBooks::getAsInt, "feed", feed);
  }

  private Counter counter(String name) {
    return registry.counter(name, "feed", feed);
  }

  /** Counts a message of {@code channel}; the channel's counter is looked up in the registry once, then held. */
  public void message(String channel) {
    Counter counter = messages.get(channel);
    if (counter == null) {
      counter = registry.counter("tradekit.feed.messages", "feed", feed, "channel", channel);
      messages.put(channel, counter);
    }
    counter.increment();
  }
}
