package io.tradekit.bench;

final class StartupMeasure {
  private final BenchContext ctx;

  StartupMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    throw new UnsupportedOperationException("not yet");
  }
}
