package io.tradekit.verticles.receiver;

import io.tradekit.feed.Trade;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Encodes a trade's XADD for the receiver's writer straight into the Redis request's argument
 * arrays: {@code XADD md:<exchange>:trades:<instrument> * ex .. in .. id .. seq .. px .. qty ..
 * side .. ts .. rcv ..}, the same fields and text as {@link TradeRecord#toFields} (what the
 * distributor reads back is identical), without the intermediate {@code TradeRecord},
 * {@code BigDecimal} and field-name Strings. Field names, the exchange, stream keys and
 * instrument names are encoded once and shared; the request's argument list is created at its
 * final size ({@link Request#cmd(Command, Object...)} keeps byte arrays as they are).
 *
 * <p>Used by the receiver's {@link StreamWriter} on the receiver's context, when a batch is sent
 * (so a buffered trade holds only its {@link Trade}). Not thread-safe (it caches per instrument
 * and the receive time's digits). Public so benchmarks can compare it with the baseline
 * ({@code TradeRecord.toFields} + {@code GroupConsumer.xadd}).
 */
public final class XaddEncoder {

  private static final byte[] ID_AUTO = ascii("*");
  private static final byte[] EX = ascii("ex");
  private static final byte[] IN = ascii("in");
  private static final byte[] ID = ascii("id");
  private static final byte[] SEQ = ascii("seq");
  private static final byte[] PX = ascii("px");
  private static final byte[] QTY = ascii("qty");
  private static final byte[] SIDE = ascii("side");
  private static final byte[] TS = ascii("ts");
  private static final byte[] RCV = ascii("rcv");
  private static final byte[] BUY = ascii("buy");
  private static final byte[] SELL = ascii("sell");
  /** Instruments whose stream key and name bytes are kept; a receiver subscribes to a configured few. */
  private static final int MAX_CACHED_INSTRUMENTS = 1_024;

  /** An instrument's encoded stream key and name. */
  private record InstrumentBytes(byte[] streamKey, byte[] name) {
  }

  private final String exchange;
  private final byte[] exchangeBytes;
  private final Map<String, InstrumentBytes> instruments = new HashMap<>();
  private long receivedAtMs = Long.MIN_VALUE;
  private byte[] receivedAtBytes;

  /** @param exchange the exchange segment of the stream keys and the {@code ex} field, e.g. {@code deribit} */
  public XaddEncoder(String exchange) {
    this.exchange = exchange;
    this.exchangeBytes = utf8(exchange);
  }

  /** @return the XADD of {@code trade} received at {@code receivedAtMs} (epoch ms, the {@code rcv} field), no MAXLEN */
  public Request trade(Trade trade, long receivedAtMs) {
    InstrumentBytes instrument = instrument(trade.instrument());
    Object[] args = new Object[20];
    args[0] = instrument.streamKey();
    args[1] = ID_AUTO;
    args[2] = EX;
    args[3] = exchangeBytes;
    args[4] = IN;
    args[5] = instrument.name();
    args[6] = ID;
    args[7] = utf8(trade.tradeId());
    args[8] = SEQ;
    args[9] = digits(trade.tradeSeq());
    args[10] = PX;
    args[11] = ascii(trade.priceText());
    args[12] = QTY;
    args[13] = ascii(trade.amountText());
    args[14] = SIDE;
    String direction = trade.direction();
    args[15] = direction.equals("buy") ? BUY : direction.equals("sell") ? SELL : utf8(direction);
    args[16] = TS;
    args[17] = digits(trade.timestampMs());
    args[18] = RCV;
    args[19] = receivedAt(receivedAtMs);
    return Request.cmd(Command.XADD, args);
  }

  private InstrumentBytes instrument(String name) {
    InstrumentBytes bytes = instruments.get(name);
    if (bytes == null) {
      bytes = new InstrumentBytes(utf8(Streams.key(exchange, Streams.TRADES, name)), utf8(name));
      if (instruments.size() < MAX_CACHED_INSTRUMENTS) {
        instruments.put(name, bytes);
      }
    }
    return bytes;
  }

  /** Trades of one write batch share their receive time: its digits are made once. */
  private byte[] receivedAt(long ms) {
    if (ms != receivedAtMs || receivedAtBytes == null) {
      receivedAtBytes = digits(ms);
      receivedAtMs = ms;
    }
    return receivedAtBytes;
  }

  /** @return the decimal digits of {@code v} as ASCII, as {@code Long.toString} prints them, without the String */
  static byte[] digits(long v) {
    if (v == Long.MIN_VALUE) {
      return ascii(Long.toString(v));
    }
    boolean negative = v < 0;
    long rest = negative ? -v : v;
    int length = negative ? 2 : 1;
    for (long r = rest / 10; r != 0; r /= 10) {
      length++;
    }
    byte[] out = new byte[length];
    int i = length;
    do {
      out[--i] = (byte) ('0' + rest % 10);
      rest /= 10;
    } while (rest != 0);
    if (negative) {
      out[0] = '-';
    }
    return out;
  }

  /** Decimal texts are JSON numbers ({@link Trade#isJsonNumber}): ASCII only. */
  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
