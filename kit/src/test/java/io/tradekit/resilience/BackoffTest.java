package io.tradekit.resilience;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Backoff} on a virtual clock and scripted random samples: pure, no Vert.x. */
class BackoffTest {

  private final AtomicLong clockMs = new AtomicLong(5_000_000);

  private List<Long> delays(Backoff.Sequence seq, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(seq.nextDelayMs());
    }
    return out;
  }

  @Test
  void delaysGrowByTheMultiplierUpToTheCap() {
    Backoff.Sequence seq = new Backoff(100, 2_000, 3.0, 0.0, 10_000).newSequence(clockMs::get, () -> 0.5);
    assertThat(delays(seq, 6)).containsExactly(100L, 300L, 900L, 2_000L, 2_000L, 2_000L);
    assertThat(seq.attempt()).isEqualTo(6);
  }

  @Test
  void jitteredDelaysStayWithinTheirBoundsAndAreAtLeastOneMillisecond() {
    Random random = new Random(42);
    Backoff policy = new Backoff(10, 1_000, 2.0, 0.3, 0);
    Backoff.Sequence seq = policy.newSequence(clockMs::get, random::nextDouble);
    for (int n = 1; n <= 40; n++) {
      long cap = Math.min(1_000, 10L << Math.min(n - 1, 20));
      long delay = seq.nextDelayMs();
      assertThat(delay).as("attempt %d", n).isBetween(Math.round(cap * 0.7), cap);
    }
    // Extremes of the random sample: r -> 1 gives the floor, r = 0 the cap; full jitter never 0.
    assertThat(policy.delayMs(20, 0.0)).isEqualTo(1_000);
    assertThat(policy.delayMs(20, 0.999_999)).isEqualTo(700);
    Backoff full = Backoff.fullJitter(1, 8, 0);
    assertThat(full.delayMs(1, 0.999_999)).isEqualTo(1);
    assertThat(full.newSequence(clockMs::get, () -> 0.999_999).nextDelayMs()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aSuccessThatLastedTheStablePeriodStartsTheNextFailuresOver() {
    Backoff.Sequence seq = new Backoff(100, 10_000, 2.0, 0.0, 5_000).newSequence(clockMs::get, () -> 0.0);
    assertThat(delays(seq, 4)).containsExactly(100L, 200L, 400L, 800L);
    seq.succeeded();
    clockMs.addAndGet(5_000); // measured from the success
    assertThat(delays(seq, 2)).containsExactly(100L, 200L);
  }

  @Test
  void aSuccessShorterThanTheStablePeriodContinuesTheGrowth() {
    Backoff.Sequence seq = new Backoff(100, 10_000, 2.0, 0.0, 5_000).newSequence(clockMs::get, () -> 0.0);
    assertThat(delays(seq, 3)).containsExactly(100L, 200L, 400L);
    seq.succeeded();
    clockMs.addAndGet(4_999);
    assertThat(seq.nextDelayMs()).isEqualTo(800L);
  }

  @Test
  void repeatedFailuresLongAfterOneOldSuccessKeepGrowing() {
    // The stale-timestamp bug: after one long-ago success every failure looked like the first.
    Backoff.Sequence seq = new Backoff(100, 60_000, 2.0, 0.0, 5_000).newSequence(clockMs::get, () -> 0.0);
    seq.succeeded();
    clockMs.addAndGet(3_600_000); // an hour of stable connection, then the exchange goes away
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      out.add(seq.nextDelayMs());
      clockMs.addAndGet(out.get(i) + 10_000); // each attempt fails well after the stable period
    }
    assertThat(out).containsExactly(100L, 200L, 400L, 800L, 1_600L, 3_200L);
  }

  @Test
  void resetForgetsEveryFailure() {
    Backoff.Sequence seq = Backoff.fullJitter(50, 5_000, 1_000).newSequence(clockMs::get, () -> 0.0);
    delays(seq, 5);
    seq.reset();
    assertThat(seq.attempt()).isZero();
    assertThat(seq.nextDelayMs()).isEqualTo(50);
  }

  @Test
  void fixedIsOneDelayWithoutGrowthOrJitter() {
    Backoff fixed = Backoff.fixed(250);
    assertThat(fixed.multiplier()).isEqualTo(1.0);
    assertThat(fixed.jitter()).isZero();
    Backoff.Sequence seq = fixed.newSequence(clockMs::get, () -> 0.99);
    assertThat(delays(seq, 5)).containsOnly(250L);
  }

  @Test
  void invalidParametersAreRejectedNamingTheParameter() {
    assertThatThrownBy(() -> new Backoff(0, 10, 2, 1, 0)).isInstanceOf(IllegalArgumentException.class)
      .hasMessageStartingWith("initialMs:");
    assertThatThrownBy(() -> new Backoff(10, 5, 2, 1, 0)).hasMessageStartingWith("maxMs:");
    assertThatThrownBy(() -> new Backoff(10, 50, 0.5, 1, 0)).hasMessageStartingWith("multiplier:");
    assertThatThrownBy(() -> new Backoff(10, 50, Double.NaN, 1, 0)).hasMessageStartingWith("multiplier:");
    assertThatThrownBy(() -> new Backoff(10, 50, 2, 1.5, 0)).hasMessageStartingWith("jitter:");
    assertThatThrownBy(() -> new Backoff(10, 50, 2, 1, -1)).hasMessageStartingWith("resetAfterMs:");
    assertThatThrownBy(() -> Backoff.fixed(0)).hasMessageStartingWith("initialMs:");
  }
}
