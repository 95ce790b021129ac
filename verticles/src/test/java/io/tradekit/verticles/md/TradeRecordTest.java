package io.tradekit.verticles.md;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parse-time bounds: what the trades table would reject is rejected here, with the field named. */
class TradeRecordTest {

  private static Map<String, String> fields(String key, String value) {
    Map<String, String> f = new HashMap<>(Map.of("ex", "deribit", "in", "BTC-PERPETUAL", "id", "t1", "seq", "7",
      "px", "97000.5", "qty", "10", "side", "buy", "ts", "1700000000000", "rcv", "0"));
    f.put(key, value);
    return f;
  }

  @Test
  void aWellFormedEntryRoundTrips() {
    TradeRecord t = new TradeRecord("deribit", "BTC-PERPETUAL", "t1", 7, new BigDecimal("97000.5"), new BigDecimal("0.00000001"),
      "sell", 1_700_000_000_000L);
    Map<String, String> f = new HashMap<>();
    var list = t.toFields(1);
    for (int i = 0; i < list.size(); i += 2) {
      f.put(list.get(i), list.get(i + 1));
    }
    assertThat(TradeRecord.fromFields(f)).isEqualTo(t);
  }

  @Test
  void aPriceWithAnExponentBeyondWhatATradeNeedsIsRejectedWithoutExpandingIt() {
    assertThatThrownBy(() -> TradeRecord.fromFields(fields("px", "1E+999999999")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("px: expected at most 30 digits");
    assertThatThrownBy(() -> TradeRecord.fromFields(fields("qty", "1E-999999999")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("qty: expected at most 30 digits");
    assertThatThrownBy(() -> TradeRecord.fromFields(fields("px", "1".repeat(65))))
      .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("px: longer than 64 characters");
  }

  @Test
  void trailingZerosDoNotCountAgainstTheScale() {
    assertThat(TradeRecord.fromFields(fields("px", "1." + "0".repeat(40))).price()).isEqualByComparingTo("1");
  }

  @Test
  void timestampsOutsideTheYears2000To2099AreRejected() {
    assertThatThrownBy(() -> TradeRecord.fromFields(fields("ts", "9200000000000000000")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ts: expected epoch ms in");
    assertThatThrownBy(() -> TradeRecord.fromFields(fields("ts", "1")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ts:");
    assertThat(TradeRecord.fromFields(fields("ts", Long.toString(TradeRecord.MIN_TIMESTAMP_MS))).timestampMs())
      .isEqualTo(TradeRecord.MIN_TIMESTAMP_MS);
    assertThatThrownBy(() -> TradeRecord.fromFields(fields("ts", Long.toString(TradeRecord.MAX_TIMESTAMP_MS))))
      .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void textWithANulOrBeyondTheLengthLimitIsRejected() {
    assertThatThrownBy(() -> TradeRecord.fromFields(fields("id", "t\u00001")))
      .isInstanceOf(IllegalArgumentException.class).hasMessage("id: contains a NUL character (not storable in PostgreSQL text)");
    assertThatThrownBy(() -> TradeRecord.fromFields(fields("in", "X".repeat(129))))
      .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("in: longer than 128 characters");
  }
}
