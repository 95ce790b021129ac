package io.tradekit.redis;

import io.tradekit.resilience.Backoff;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The consumer's retry delays after failed steps: from retryDelayMs, doubling, capped, reset by a good step. */
class GroupConsumerBackoffTest {

  @Test
  void consecutiveFailuresGrowFromRetryDelayToTheCapAndAGoodStepStartsOver() {
    AtomicLong clockMs = new AtomicLong();
    // random 0: no jitter taken off, so the caps themselves are visible
    Backoff.Sequence seq = GroupConsumer.retryBackoff(500).newSequence(clockMs::get, () -> 0.0);
    long[] delays = new long[7];
    for (int i = 0; i < delays.length; i++) {
      delays[i] = seq.nextDelayMs();
    }
    assertThat(delays).containsExactly(500, 1_000, 2_000, 4_000, 8_000, GroupConsumer.MAX_RETRY_DELAY_MS,
      GroupConsumer.MAX_RETRY_DELAY_MS);
    seq.succeeded();
    assertThat(seq.nextDelayMs()).isEqualTo(500);
    // at most half is taken off at random
    assertThat(GroupConsumer.retryBackoff(500).delayMs(1, 0.999_999)).isEqualTo(250);
    // a retryDelayMs above the cap is used as is
    assertThat(GroupConsumer.retryBackoff(30_000).maxMs()).isEqualTo(30_000);
  }
}
