package io.tradekit.redis;

import io.tradekit.resilience.ErrorClass;
import io.tradekit.resilience.ErrorClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reading the Redis client's whole-batch failure text back into per-command outcomes. Pure unit
 * test: the text shapes are those of {@code RedisStandaloneConnection.doBatch} (5.0), whose real
 * output {@link RedisPipelineBatchTest} checks against the server.
 */
@Timeout(10)
class BatchFailureTest {

  private static final String NL = System.lineSeparator();

  @Test
  void failedIndexesGetTheirReplyBackWithItsCodeAndTheOthersSucceeded() throws Exception {
    List<CommandResult> results = BatchFailure.perCommand("r", 5, "ERR [1] WRONGTYPE Operation against a key" + NL
      + "ERR [3] The ID specified in XADD must be greater than 0-0" + NL + "ERR [4] TRYAGAIN later");
    assertThat(results).extracting(CommandResult::succeeded).containsExactly(true, false, true, false, false);
    assertThat(results.get(0).reply()).isNull();
    assertThat(results.get(1).error()).hasMessage("WRONGTYPE Operation against a key");
    assertThat(results.get(3).error()).hasMessage("ERR The ID specified in XADD must be greater than 0-0");
    assertThat(ErrorClassifier.classify(results.get(1).error())).isEqualTo(ErrorClass.PERMANENT);
    assertThat(ErrorClassifier.classify(results.get(3).error())).isEqualTo(ErrorClass.PERMANENT);
    assertThat(ErrorClassifier.classify(results.get(4).error())).isEqualTo(ErrorClass.TRANSIENT);
  }

  @Test
  void aConnectionFailureOfAnyCommandFailsTheWholeBatch() {
    assertThatThrownBy(() -> BatchFailure.perCommand("r", 3, "ERR [0] WRONGTYPE x" + NL + "ERR [2] CONNECTION_CLOSED"))
      .isInstanceOf(PipelineConnectionLostException.class).hasMessageContaining("[2]").hasMessageContaining("CONNECTION_CLOSED");
    assertThatThrownBy(() -> BatchFailure.perCommand("r", 2,
      "ERR [1] io.netty.channel.unix.Errors$NativeIoException: recvAddress(..) failed: Connection reset by peer"))
      .isInstanceOf(PipelineConnectionLostException.class);
    assertThat(ErrorClassifier.classify(new PipelineConnectionLostException("r", 2, 1, "x"))).isEqualTo(ErrorClass.AMBIGUOUS);
  }

  @Test
  void aMultiLineExceptionTextStaysWithItsCommand() {
    assertThatThrownBy(() -> BatchFailure.perCommand("r", 2, "ERR [0] java.io.IOException: first" + NL + "second line"))
      .isInstanceOf(PipelineConnectionLostException.class).hasMessageContaining("first\nsecond line");
  }

  @Test
  void textInAnotherShapeIsRefusedNotGuessed() {
    assertThatThrownBy(() -> BatchFailure.perCommand("r", 2, "WRONGTYPE Operation against a key"))
      .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BatchFailure.perCommand("r", 2, "ERR [2] WRONGTYPE x"))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2]");
    assertThatThrownBy(() -> BatchFailure.perCommand("r", 2, "ERR [1] WRONGTYPE x" + NL + "ERR [1] WRONGTYPE y"))
      .isInstanceOf(IllegalArgumentException.class);
  }
}
