package io.tradekit.verticles.distributor;

import io.tradekit.verticles.md.TradeRecord;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * Benchmark-only door to the distributor's package-private parameter building (the bench module
 * puts it in the distributor's package; the production jar exposes nothing new). Pure; any thread.
 */
public final class DistributorAccess {

  private DistributorAccess() {
  }

  /** The one-array-per-column parameters of the distributor's insert of {@code trades}. */
  public static Tuple tupleOf(List<TradeRecord> trades) {
    return DistributorService.tupleOf(trades);
  }
}
