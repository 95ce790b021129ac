package io.tradekit.verticles.executor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tradekit.health.KitMetrics;

/**
 * The executor's counters, created once at start (nothing looked up per intent except the
 * rejection and resolution tags): {@code tradekit.executor.intents{exchange}},
 * {@code tradekit.executor.orders.placed{exchange}}, {@code tradekit.executor.ambiguous{exchange}}
 * (sends and modifications whose reply was lost), {@code tradekit.executor.resolutions{exchange,result=found|absent}},
 * {@code tradekit.executor.rejections{exchange,by=invalid|risk|exchange|fail-closed|duplicate}},
 * {@code tradekit.executor.fills{exchange}} (own trades stored, each once),
 * {@code tradekit.executor.events.dropped{exchange}} (order events past the pending bound).
 */
final class ExecutorMetrics {

  private final MeterRegistry registry;
  private final String exchange;
  private final Counter intents;
  private final Counter placed;
  private final Counter ambiguous;
  private final Counter fills;

  ExecutorMetrics(KitMetrics metrics, String exchange) {
    this.registry = metrics.registry();
    this.exchange = exchange;
    intents = registry.counter("tradekit.executor.intents", "exchange", exchange);
    placed = registry.counter("tradekit.executor.orders.placed", "exchange", exchange);
    ambiguous = registry.counter("tradekit.executor.ambiguous", "exchange", exchange);
    fills = registry.counter("tradekit.executor.fills", "exchange", exchange);
  }

  void fill() {
    fills.increment();
  }

  void eventDropped() {
    registry.counter("tradekit.executor.events.dropped", "exchange", exchange).increment();
  }

  void intent() {
    intents.increment();
  }

  void placed() {
    placed.increment();
  }

  void ambiguous() {
    ambiguous.increment();
  }

  void resolved(String result) {
    registry.counter("tradekit.executor.resolutions", "exchange", exchange, "result", result).increment();
  }

  void rejected(String by) {
    registry.counter("tradekit.executor.rejections", "exchange", exchange, "by", by).increment();
  }
}
