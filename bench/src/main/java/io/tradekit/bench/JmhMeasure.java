package io.tradekit.bench;

final class JmhMeasure {
  private final BenchContext ctx;

  JmhMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    throw new UnsupportedOperationException("not yet");
  }
}
