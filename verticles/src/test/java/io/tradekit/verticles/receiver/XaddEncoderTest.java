package io.tradekit.verticles.receiver;

import io.tradekit.feed.Trade;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receiver's byte-level XADD encoding sends exactly the bytes of the baseline
 * ({@code TradeRecord.toFields} + {@code GroupConsumer.xadd}), so what the distributor reads back
 * is unchanged. Pure unit test: a request's {@code toString} is its RESP encoding on the wire.
 */
@Timeout(30)
class XaddEncoderTest {

  @Test
  void encodesTheSameWireBytesAsTheTradeRecordFields() {
    XaddEncoder encoder = new XaddEncoder("deribit");
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 2_000; i++) {
      String instrument = i % 3 == 0 ? "BTC-PERPETUAL" : i % 3 == 1 ? "ETH-PERPETUAL" : "SOL_USDC-PERPETUAL";
      String price = random.nextInt(100_000) + "." + random.nextInt(100);
      String amount = (1 + random.nextInt(1_000)) + (random.nextBoolean() ? ".0" : "");
      long seq = random.nextLong(Long.MAX_VALUE);
      Trade t = new Trade(instrument, "id-" + seq + "-é", seq, 1_735_689_600_000L + i, price, amount, i % 2 == 0 ? "buy" : "sell");
      long rcv = 1_735_689_600_000L + i / 7;
      TradeRecord record = new TradeRecord("deribit", t.instrument(), t.tradeId(), t.tradeSeq(), t.price(), t.amount(),
        t.direction(), t.timestampMs());
      String baseline = GroupConsumer.xadd(Streams.key("deribit", Streams.TRADES, instrument), 0, record.toFields(rcv)).toString();
      assertThat(encoder.trade(t, rcv).toString()).isEqualTo(baseline);
    }
  }

  @Test
  void writesDigitsAsLongToStringDoes() {
    for (long v : new long[] {0, 7, -7, 10, 99, 100, -100, 1_735_689_600_000L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1}) {
      assertThat(new String(XaddEncoder.digits(v), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v));
    }
  }
}
