package io.tradekit.bench.jmh;

import io.tradekit.feed.ExactJson;
import io.tradekit.feed.TradeBatch;
import io.tradekit.feed.TradeFrameDecoder;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The receiver's frame decode, per trade: a 100-trade {@code trades.*} notification from its UTF-8
 * bytes to a {@link TradeBatch}.
 *
 * <ul>
 *   <li>{@code genericTree}: the baseline, {@link ExactJson#decode} into a {@code JsonObject} tree
 *       (a map per trade, exact decimals) then {@link TradeBatch#fromJson}.</li>
 *   <li>{@code streaming}: the hot path, {@link TradeFrameDecoder#decode} straight from the bytes.</li>
 * </ul>
 * Both read the same bytes (the generic path's per-frame {@code String} of the old text-message
 * handler is not counted against it). Scores are ns per trade ({@code OperationsPerInvocation});
 * run with {@code -prof gc} for bytes allocated per trade.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameDecodeBenchmark {

  private byte[][] frames;
  private TradeFrameDecoder decoder;
  private int next;

  @Setup
  public void setUp() {
    frames = Frames.notifications();
    decoder = new TradeFrameDecoder();
    // Both decoders must read every trade of every frame, or the comparison means nothing.
    for (byte[] frame : frames) {
      int streamed = decoder.decode(frame, 0, frame.length).trades().size();
      int generic = generic(frame).size();
      if (streamed != Frames.TRADES_PER_FRAME || generic != Frames.TRADES_PER_FRAME) {
        throw new IllegalStateException("decoded " + streamed + " / " + generic + " trades of " + Frames.TRADES_PER_FRAME);
      }
    }
  }

  private byte[] nextFrame() {
    byte[] frame = frames[next];
    next = (next + 1) % frames.length;
    return frame;
  }

  private static TradeBatch generic(byte[] frame) {
    JsonObject params = ((JsonObject) ExactJson.decode(frame, 0, frame.length)).getJsonObject("params");
    return TradeBatch.fromJson(params.getJsonArray("data"));
  }

  @Benchmark
  @OperationsPerInvocation(Frames.TRADES_PER_FRAME)
  public TradeBatch genericTree() {
    return generic(nextFrame());
  }

  @Benchmark
  @OperationsPerInvocation(Frames.TRADES_PER_FRAME)
  public TradeBatch streaming() {
    byte[] frame = nextFrame();
    return decoder.decode(frame, 0, frame.length).trades();
  }
}
