package io.tradekit.bench;

final class PersistenceMeasure {
  private final BenchContext ctx;

  PersistenceMeasure(BenchContext ctx) {
    this.ctx = ctx;
  }

  void run() throws Exception {
    throw new UnsupportedOperationException("not yet");
  }
}
