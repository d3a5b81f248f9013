package io.openswarm.temporal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import io.openswarm.core.StepTiming;
import io.openswarm.core.TaskSpec;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The values activities and workflows exchange survive Temporal's default data converter unchanged. */
class PayloadRoundTripTest {

  private final DataConverter converter = DefaultDataConverter.newDefaultInstance();

  private <T> T roundTrip(T value, Class<T> type) {
    Optional<Payloads> payloads = converter.toPayloads(value);
    return converter.fromPayloads(0, payloads, type, type);
  }

  @Test
  void taskSpecs() {
    TaskSpec task = TaskSpec.of("t-1", "say \"hi\" $(x) `y`\n\u00e9", "main")
        .withTestCommand(List.of("mvn", "-q", "test"))
        .withTestTimeout(Duration.ofMinutes(3));
    assertThat(roundTrip(task, TaskSpec.class)).isEqualTo(task);
    TaskSpec bare = TaskSpec.of("t-2", "p", "abc123");
    assertThat(roundTrip(bare, TaskSpec.class)).isEqualTo(bare);
  }

  @Test
  void cellOutcomes() {
    CellOutcome outcome = CellOutcome.failed(CellId.of("c-1"), CellStep.AGENT_READY, "timeout")
        .withTimings(List.of(new StepTiming(CellStep.PORT, Duration.ofMillis(3))))
        .withTeardownErrors(List.of("worktree: busy"))
        .withHost("h1");
    assertThat(roundTrip(outcome, CellOutcome.class)).isEqualTo(outcome);
  }
}
