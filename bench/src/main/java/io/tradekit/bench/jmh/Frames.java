package io.tradekit.bench.jmh;

import io.tradekit.feed.Trade;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Test data for the microbenchmarks: trades notification frames shaped as the simulated
 * exchange sends them at max rate (its {@code InstrumentSim.render}: 100 trades per
 * {@code trades.<instrument>.100ms} notification, fields in the exchange's order, including the
 * fields the kit skips: {@code tick_direction}, {@code mark_price}, {@code index_price}), and
 * the trades they carry. Deterministic (fixed seed); built once per benchmark trial.
 */
final class Frames {

  /** Trades per notification: the exchange's batch at max rate. */
  static final int TRADES_PER_FRAME = 100;
  /** Distinct frames cycled through, so no single frame stays hot in the branch predictors. */
  static final int FRAMES = 64;
  static final String[] INSTRUMENTS = {"BTC-PERPETUAL", "ETH-PERPETUAL", "SOL_USDC-PERPETUAL"};

  private Frames() {
  }

  /** @return {@link #FRAMES} UTF-8 notification frames of {@link #TRADES_PER_FRAME} trades each */
  static byte[][] notifications() {
    SplittableRandom random = new SplittableRandom(13);
    byte[][] frames = new byte[FRAMES][];
    long seq = 1_000_000;
    for (int f = 0; f < FRAMES; f++) {
      String instrument = INSTRUMENTS[f % INSTRUMENTS.length];
      StringBuilder sb = new StringBuilder(TRADES_PER_FRAME * 260 + 128)
        .append("{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"trades.")
        .append(instrument).append(".100ms\",\"data\":[");
      long priceTicks = 19_400_000 + random.nextInt(200_000);
      for (int i = 0; i < TRADES_PER_FRAME; i++, seq++) {
        priceTicks += random.nextInt(21) - 10;
        BigDecimal price = BigDecimal.valueOf(priceTicks, 2);
        sb.append(i == 0 ? "" : ",")
          .append("{\"trade_seq\":").append(seq)
          .append(",\"trade_id\":\"").append(seq * INSTRUMENTS.length + f % INSTRUMENTS.length).append('"')
          .append(",\"timestamp\":").append(1_735_689_600_000L + seq / 10)
          .append(",\"tick_direction\":").append(random.nextInt(4))
          .append(",\"price\":").append(price.toPlainString())
          .append(",\"mark_price\":").append(price.add(BigDecimal.valueOf(random.nextInt(1001) - 500, 2)).toPlainString())
          .append(",\"instrument_name\":\"").append(instrument).append('"')
          .append(",\"index_price\":").append(price.add(BigDecimal.valueOf(random.nextInt(1001) - 500, 2)).toPlainString())
          .append(",\"direction\":\"").append(random.nextBoolean() ? "buy" : "sell").append('"')
          .append(",\"amount\":").append(1 + random.nextInt(5_000)).append(".0}");
      }
      frames[f] = sb.append("]}}").toString().getBytes(StandardCharsets.UTF_8);
    }
    return frames;
  }

  /** @return the trades of {@code frames}, frame after frame, as the receiver buffers them */
  static List<List<Trade>> trades(byte[][] frames) {
    io.tradekit.feed.TradeFrameDecoder decoder = new io.tradekit.feed.TradeFrameDecoder();
    List<List<Trade>> batches = new ArrayList<>(frames.length);
    for (byte[] frame : frames) {
      batches.add(List.copyOf(decoder.decode(frame, 0, frame.length).trades().trades()));
    }
    return batches;
  }
}
