package io.tradekit.bench;

final class LatencyMeasure {
  private final BenchContext ctx;

  LatencyMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    throw new UnsupportedOperationException("not yet");
  }
}
