package io.tradekit.verticles.distributor;

import io.tradekit.verticles.md.TradeRecord;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/** Test access to the distributor's insert statement, to simulate an instance that committed and died. */
public final class DistributorServiceAccess {

  public static final String INSERT_TRADES = DistributorService.INSERT_TRADES;

  private DistributorServiceAccess() {
  }

  public static Tuple tuple(List<TradeRecord> trades) {
    return DistributorService.tupleOf(trades);
  }
}
