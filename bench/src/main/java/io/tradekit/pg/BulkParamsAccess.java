package io.tradekit.pg;

import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.function.Function;

/**
 * Benchmark-only door to the package-private {@link BulkParams} (this class lives in the bench
 * module, in the kit's package, so the production jar exposes nothing new). Pure; any thread.
 */
public final class BulkParamsAccess {

  private BulkParamsAccess() {
  }

  public static <T> Tuple of(BulkUpsert spec, List<T> rows, Function<T, Object[]> extractor) {
    return BulkParams.of(spec, rows, extractor);
  }
}
