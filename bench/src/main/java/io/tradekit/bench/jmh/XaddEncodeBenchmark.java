package io.tradekit.bench.jmh;

import io.tradekit.feed.Trade;
import io.tradekit.redis.GroupConsumer;
import io.tradekit.verticles.md.Streams;
import io.tradekit.verticles.md.TradeRecord;
import io.tradekit.verticles.receiver.XaddEncoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.impl.RequestImpl;
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
import org.openjdk.jmh.infra.Blackhole;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The receiver's XADD building, per trade: a decoded {@link Trade} to the RESP bytes of its XADD.
 *
 * <ul>
 *   <li>{@code tradeRecordFields}: the baseline, {@link TradeRecord} (BigDecimal price and amount)
 *       {@code toFields} + {@link GroupConsumer#xadd} (String arguments).</li>
 *   <li>{@code xaddEncoder}: the hot path, {@link XaddEncoder#trade} (byte arguments at final size).</li>
 * </ul>
 * Both then encode the request to its wire bytes with the Redis client's own encoder
 * ({@code RequestImpl.encode()}, an impl class of the client: a benchmark may reach for it, the kit
 * does not), so the scores include what the connection does with the arguments. The two produce
 * the same bytes ({@code XaddEncoderTest}). Scores are ns per trade over 100-trade batches.
 *
 * <p>Two more split the cost: {@code xaddEncoderArgumentsOnly} (the request without its wire
 * encoding) and {@code xaddEncoderIntoOneBuffer}, which encodes the 100 requests into ONE buffer
 * as {@code RedisConnection.batch} does (and so {@code RedisResource.pipeline}) instead of a
 * buffer per request as {@code send} did; that encoder method is package-private in the client,
 * reached here through a private lookup (classpath, no modules).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class XaddEncodeBenchmark {

  private static final String EXCHANGE = "deribit";
  private static final long RECEIVED_AT_MS = 1_735_689_600_123L;
  private static final MethodHandle ENCODE_INTO = encodeInto();

  private static MethodHandle encodeInto() {
    try {
      return MethodHandles.privateLookupIn(RequestImpl.class, MethodHandles.lookup())
        .findVirtual(RequestImpl.class, "encode", MethodType.methodType(Buffer.class, Buffer.class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("RequestImpl.encode(Buffer) not found: the client changed", e);
    }
  }

  private List<List<Trade>> batches;
  private XaddEncoder encoder;
  private int next;

  @Setup
  public void setUp() {
    batches = Frames.trades(Frames.notifications());
    encoder = new XaddEncoder(EXCHANGE);
    Trade t = batches.get(0).get(0);
    if (!baseline(t, RECEIVED_AT_MS).toString().equals(encoder.trade(t, RECEIVED_AT_MS).toString())) {
      throw new IllegalStateException("the two encodings differ: the comparison would mean nothing");
    }
  }

  private List<Trade> nextBatch() {
    List<Trade> batch = batches.get(next);
    next = (next + 1) % batches.size();
    return batch;
  }

  private static Request baseline(Trade t, long receivedAtMs) {
    TradeRecord record = new TradeRecord(EXCHANGE, t.instrument(), t.tradeId(), t.tradeSeq(), t.price(), t.amount(),
      t.direction(), t.timestampMs());
    return GroupConsumer.xadd(Streams.key(EXCHANGE, Streams.TRADES, t.instrument()), 0, record.toFields(receivedAtMs));
  }

  @Benchmark
  @OperationsPerInvocation(Frames.TRADES_PER_FRAME)
  public void tradeRecordFields(Blackhole bh) {
    for (Trade t : nextBatch()) {
      Buffer wire = ((RequestImpl) baseline(t, RECEIVED_AT_MS)).encode();
      bh.consume(wire);
    }
  }

  @Benchmark
  @OperationsPerInvocation(Frames.TRADES_PER_FRAME)
  public void xaddEncoder(Blackhole bh) {
    for (Trade t : nextBatch()) {
      Buffer wire = ((RequestImpl) encoder.trade(t, RECEIVED_AT_MS)).encode();
      bh.consume(wire);
    }
  }

  @Benchmark
  @OperationsPerInvocation(Frames.TRADES_PER_FRAME)
  public void xaddEncoderArgumentsOnly(Blackhole bh) {
    for (Trade t : nextBatch()) {
      bh.consume(encoder.trade(t, RECEIVED_AT_MS));
    }
  }

  @Benchmark
  @OperationsPerInvocation(Frames.TRADES_PER_FRAME)
  public Buffer xaddEncoderIntoOneBuffer() throws Throwable {
    Buffer wire = Buffer.buffer();
    for (Trade t : nextBatch()) {
      Buffer ignored = (Buffer) ENCODE_INTO.invokeExact((RequestImpl) encoder.trade(t, RECEIVED_AT_MS), wire);
    }
    return wire;
  }
}
