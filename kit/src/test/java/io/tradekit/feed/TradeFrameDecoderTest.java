package io.tradekit.feed;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The streaming trades decoder against the generic exact decoder ({@link ExactJson} +
 * {@link TradeBatch#fromJson}) on many generated frames, and its handling of malformed input.
 * Pure unit test (no I/O).
 */
@Timeout(30)
class TradeFrameDecoderTest {

  private final TradeFrameDecoder decoder = new TradeFrameDecoder();

  private static String frame(String channel, String data) {
    return "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"" + channel + "\",\"data\":" + data + "}}";
  }

  private TradeFrameDecoder.TradesNotification decode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    // Decode from the middle of a larger array: offsets must be honoured.
    byte[] padded = new byte[bytes.length + 10];
    System.arraycopy(bytes, 0, padded, 5, bytes.length);
    return decoder.decode(padded, 5, bytes.length);
  }

  private static TradeBatch generic(String text) {
    JsonObject params = ((JsonObject) ExactJson.decode(text)).getJsonObject("params");
    return TradeBatch.fromJson(params.getJsonArray("data"));
  }

  /** A random decimal as JSON text: integers, fractions with trailing zeros, exponents. */
  private static String decimal(SplittableRandom random) {
    String digits = Long.toString(1 + random.nextLong(10_000_000));
    return switch (random.nextInt(5)) {
      case 0 -> digits;
      case 1 -> digits + "." + random.nextInt(10);
      case 2 -> digits + ".50";
      case 3 -> "0.000" + digits;
      default -> digits + ".0";
    };
  }

  private static String trade(SplittableRandom random, String instrument, long seq) {
    // Field order varies, and the fields the kit does not keep come in between, as on Deribit.
    return random.nextBoolean()
      ? "{\"trade_seq\":" + seq + ",\"trade_id\":\"" + (seq * 3 + 1) + "\",\"timestamp\":" + (1_735_689_600_000L + seq)
        + ",\"tick_direction\":" + random.nextInt(4) + ",\"price\":" + decimal(random) + ",\"mark_price\":" + decimal(random)
        + ",\"instrument_name\":\"" + instrument + "\",\"index_price\":" + decimal(random) + ",\"direction\":\""
        + (random.nextBoolean() ? "buy" : "sell") + "\",\"amount\":" + decimal(random) + "}"
      : "{\"amount\":" + decimal(random) + ",\"direction\":\"sell\",\"liquidation\":{\"side\":[\"M\",\"T\"]},\"price\":"
        + decimal(random) + ",\"instrument_name\":\"" + instrument + "\",\"timestamp\":" + (1_735_689_600_000L + seq)
        + ",\"trade_id\":\"ETH-" + seq + "\",\"trade_seq\":" + seq + "}";
  }

  @Test
  void decodesTheSameTradesAsTheGenericExactDecoderWithDecimalsVerbatim() {
    SplittableRandom random = new SplittableRandom(42);
    for (int f = 0; f < 500; f++) {
      String instrument = f % 2 == 0 ? "BTC-PERPETUAL" : "ETH-PERPETUAL";
      StringBuilder data = new StringBuilder("[");
      int n = 1 + random.nextInt(100);
      for (int i = 0; i < n; i++) {
        data.append(i == 0 ? "" : ",").append(trade(random, instrument, 1_000L * f + i));
      }
      String text = frame("trades." + instrument + ".100ms", data.append(']').toString());

      TradeFrameDecoder.TradesNotification decoded = decode(text);
      TradeBatch expected = generic(text);

      assertThat(decoded).isNotNull();
      assertThat(decoded.channel()).isEqualTo("trades." + instrument + ".100ms");
      assertThat(decoded.trades().malformed()).isZero();
      assertThat(decoded.trades().size()).isEqualTo(n).isEqualTo(expected.size());
      JsonArray raw = ((JsonObject) ExactJson.decode(text)).getJsonObject("params").getJsonArray("data");
      for (int i = 0; i < n; i++) {
        Trade got = decoded.trades().trades().get(i);
        Trade want = expected.trades().get(i);
        assertThat(got.instrument()).isEqualTo(want.instrument());
        assertThat(got.tradeId()).isEqualTo(want.tradeId());
        assertThat(got.tradeSeq()).isEqualTo(want.tradeSeq());
        assertThat(got.timestampMs()).isEqualTo(want.timestampMs());
        assertThat(got.direction()).isEqualTo(want.direction());
        assertThat(got.price()).isEqualTo(want.price());
        assertThat(got.amount()).isEqualTo(want.amount());
        // Verbatim: exactly the characters sent (the generic path's toPlainString agrees on these forms).
        String sentPrice = raw.getJsonObject(i).getValue("price").toString();
        assertThat(got.priceText()).isEqualTo(want.priceText()).isEqualTo(new java.math.BigDecimal(sentPrice).toPlainString());
        assertThat(got.amountText()).isEqualTo(want.amountText());
      }
    }
  }

  @Test
  void keepsExponentsAndTrailingZerosAsSent() {
    TradeBatch batch = decode(frame("trades.X.raw", "[{\"trade_seq\":1,\"trade_id\":\"a\",\"timestamp\":5,\"price\":1.50E+3,"
      + "\"instrument_name\":\"X\",\"direction\":\"buy\",\"amount\":10.000}]")).trades();
    Trade t = batch.trades().get(0);
    assertThat(t.priceText()).isEqualTo("1.50E+3");
    assertThat(t.price()).isEqualByComparingTo("1500");
    assertThat(t.amountText()).isEqualTo("10.000");
  }

  @Test
  void decodesFromABuffer() {
    String text = frame("trades.BTC-PERPETUAL.100ms", "[" + trade(new SplittableRandom(1), "BTC-PERPETUAL", 7) + "]");
    TradeFrameDecoder.TradesNotification decoded = decoder.decode(Buffer.buffer(text));
    assertThat(decoded.trades().trades()).containsExactlyElementsOf(generic(text).trades());
  }

  @Test
  void declinesFramesThatAreNotTradesNotifications() {
    assertThat(decode("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":[\"trades.X.100ms\"]}")).isNull();
    assertThat(decode("{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\",\"params\":{\"type\":\"test_request\"}}")).isNull();
    assertThat(decode(frame("book.X.100ms", "{\"type\":\"snapshot\",\"bids\":[],\"asks\":[]}"))).isNull();
    assertThat(decode(frame("ticker.X.100ms", "{\"last_price\":1.5}"))).isNull();
    // data before channel: left to the generic path, which yields the same TradeBatch
    assertThat(decode("{\"method\":\"subscription\",\"params\":{\"data\":[],\"channel\":\"trades.X.100ms\"}}")).isNull();
    assertThat(decode("[1,2]")).isNull();
  }

  @Test
  void dropsMalformedTradesNamingTheEntryAndTheField() {
    String ok = "{\"trade_seq\":1,\"trade_id\":\"a\",\"timestamp\":5,\"price\":1.5,\"instrument_name\":\"X\",\"direction\":\"buy\",\"amount\":1}";
    TradeBatch batch = decode(frame("trades.X.100ms", "[" + ok
      + ",{\"trade_seq\":2,\"trade_id\":\"b\",\"timestamp\":5,\"price\":\"NaN\",\"instrument_name\":\"X\",\"direction\":\"buy\",\"amount\":1}"
      + ",{\"trade_seq\":3.5,\"trade_id\":\"c\",\"timestamp\":5,\"price\":1,\"instrument_name\":\"X\",\"direction\":\"buy\",\"amount\":1}"
      + ",{\"trade_seq\":4,\"trade_id\":\"d\",\"timestamp\":5,\"price\":1,\"instrument_name\":\"X\",\"direction\":\"buy\"}"
      + ",{\"trade_seq\":99999999999999999999,\"trade_id\":\"e\",\"timestamp\":5,\"price\":1,\"instrument_name\":\"X\",\"direction\":\"buy\",\"amount\":1}"
      + ",\"not a trade\"," + ok + "]")).trades();
    assertThat(batch.size()).isEqualTo(2);
    assertThat(batch.malformed()).isEqualTo(5);
    assertThat(batch.firstError()).isEqualTo("data[1].price: expected a number, got a string");

    assertThat(decode(frame("trades.X.100ms", "[" + ok.replace("\"trade_seq\":1", "\"trade_seq\":1.5") + "]")).trades().firstError())
      .isEqualTo("data[0].trade_seq: expected an integer, got the number 1.5");
    assertThat(decode(frame("trades.X.100ms", "[" + ok.replace(",\"amount\":1", "") + "]")).trades().firstError())
      .isEqualTo("data[0].amount: missing");
    assertThat(decode(frame("trades.X.100ms", "[7]")).trades().firstError()).isEqualTo("data[0]: expected an object, got the number 7");
  }

  @Test
  void rejectsNonJsonNumbersAndBrokenFramesWithAClearError() {
    String nan = frame("trades.X.100ms", "[{\"trade_seq\":1,\"trade_id\":\"a\",\"timestamp\":5,\"price\":NaN,\"instrument_name\":\"X\","
      + "\"direction\":\"buy\",\"amount\":1}]");
    assertThatThrownBy(() -> decode(nan)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed JSON")
      .hasMessageContaining("NaN");
    assertThatThrownBy(() -> decode(frame("trades.X.100ms", "[{\"price\":1.}]"))).isInstanceOf(IllegalArgumentException.class)
      .hasMessageStartingWith("malformed JSON");
    assertThatThrownBy(() -> decode(frame("trades.X.100ms", "[]") + "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> decode(frame("trades.X.100ms", "[{\"trade_seq\":1"))).isInstanceOf(IllegalArgumentException.class)
      .hasMessageStartingWith("malformed JSON");
  }

  @Test
  void tradeTextsMustBeJsonNumbers() {
    for (String good : new String[] {"0", "-0.5", "97012.5", "10.0", "1e9", "1.5E-3", "123456789012345678901234567890"}) {
      assertThat(Trade.isJsonNumber(good)).as(good).isTrue();
    }
    for (String bad : new String[] {"", "-", "NaN", "Infinity", "+1", "01", "1.", ".5", "1e", "0x10", " 1", "1 ", "1,5", "--1"}) {
      assertThat(Trade.isJsonNumber(bad)).as(bad).isFalse();
    }
    assertThatThrownBy(() -> new Trade("X", "1", 1, 1, "NaN", "1", "buy")).hasMessage("price: expected a JSON number, got \"NaN\"");
    assertThatThrownBy(() -> new Trade("X", "1", 1, 1, "1", null, "buy")).hasMessage("amount: missing");
  }
}
