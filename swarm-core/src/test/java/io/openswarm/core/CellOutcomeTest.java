package io.openswarm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CellOutcomeTest {

  private static final CellId CELL = CellId.of("c-1");

  @Test
  void carriesTimingsAndTeardownErrors() {
    CellOutcome outcome =
        CellOutcome.committed(CELL, "abc123")
            .withTimings(
                List.of(
                    new CellStep.Timing(CellStep.PORT, Duration.ofMillis(2)),
                    new CellStep.Timing(CellStep.TEST, Duration.ofMillis(40)),
                    new CellStep.Timing(CellStep.TEST, Duration.ofMillis(10))))
            .withChangedFiles(List.of("a.txt"))
            .withHost("host-1");

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.timing(CellStep.TEST)).contains(Duration.ofMillis(50));
    assertThat(outcome.timing(CellStep.EXECUTE)).isEmpty();
    assertThat(outcome.totalDuration()).isEqualTo(Duration.ofMillis(52));
    assertThat(outcome.cleanTeardown()).isTrue();
    assertThat(outcome.withTeardownErrors(List.of("port: boom")).cleanTeardown()).isFalse();
    assertThat(outcome.host()).isEqualTo("host-1");
  }

  @Test
  void statusAndComponentsMustFit() {
    assertThatThrownBy(() -> CellOutcome.committed(CELL, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a COMMITTED outcome needs a commit SHA but was  ");
    assertThatThrownBy(
            () ->
                new CellOutcome(
                    CELL,
                    CellStatus.FAILED,
                    null,
                    null,
                    null,
                    "x",
                    List.of(),
                    List.of(),
                    List.of(),
                    null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a FAILED outcome needs the failed step and the error but was null, x");
    assertThatThrownBy(() -> new CellStep.Timing(CellStep.PORT, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration must not be negative but was PT-0.001S");
  }
}
