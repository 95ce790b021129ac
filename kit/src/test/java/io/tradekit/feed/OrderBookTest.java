package io.tradekit.feed;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

/** Pure unit test of the book logic (no I/O involved). */
class OrderBookTest {

  private static io.vertx.core.json.JsonObject frame(String json) {
    return (io.vertx.core.json.JsonObject) ExactJson.decode(json);
  }

  @Test
  void appliesSnapshotThenContinuousChangesWithExactPrices() {
    OrderBook book = new OrderBook("book.BTC-PERPETUAL.100ms");
    book.applySnapshot(frame("{\"type\":\"snapshot\",\"change_id\":100,\"bids\":[[\"new\",97010.0,1200.0],[\"new\",97009.5,10]],"
      + "\"asks\":[[\"new\",97012.5,800.0]]}"));
    boolean applied = book.applyChange(frame("{\"type\":\"change\",\"prev_change_id\":100,\"change_id\":104,"
      + "\"bids\":[[\"change\",97010.0,900.0],[\"delete\",97009.5,0.0]],\"asks\":[[\"new\",97011.0,5]]}"));
    assertThat(applied).isTrue();
    assertThat(book.changeId()).isEqualTo(104);
    assertThat(book.bids()).hasSize(1);
    assertThat(book.bestBid().orElseThrow().getValue()).isEqualByComparingTo("900.0");
    assertThat(book.bestAsk().orElseThrow().getKey()).isEqualTo(new BigDecimal("97011.0"));
  }

  @Test
  void gapInvalidatesUntilTheNextSnapshot() {
    OrderBook book = new OrderBook("book.X.100ms");
    book.applySnapshot(frame("{\"type\":\"snapshot\",\"change_id\":10,\"bids\":[],\"asks\":[]}"));
    assertThat(book.applyChange(frame("{\"type\":\"change\",\"prev_change_id\":12,\"change_id\":15,\"bids\":[],\"asks\":[]}"))).isFalse();
    assertThat(book.isValid()).isFalse();
    // Even a change that would continue the old id is refused once the book is invalid.
    assertThat(book.applyChange(frame("{\"type\":\"change\",\"prev_change_id\":10,\"change_id\":11,\"bids\":[],\"asks\":[]}"))).isFalse();
    book.applySnapshot(frame("{\"type\":\"snapshot\",\"change_id\":20,\"bids\":[[\"new\",1.5,2]],\"asks\":[]}"));
    assertThat(book.isValid()).isTrue();
    assertThat(book.bestBid().orElseThrow().getValue()).isEqualByComparingTo("2");
  }
}
