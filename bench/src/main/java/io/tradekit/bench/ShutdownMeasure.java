package io.tradekit.bench;

final class ShutdownMeasure {
  private final BenchContext ctx;

  ShutdownMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    throw new UnsupportedOperationException("not yet");
  }
}
