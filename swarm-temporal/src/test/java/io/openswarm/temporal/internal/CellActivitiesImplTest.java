package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.openswarm.core.ResultLimits;
import io.openswarm.core.lifecycle.CellSteps;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The last-resort check on what an activity returns: a result Temporal cannot carry is a clear
 * failure.
 */
class CellActivitiesImplTest {

  @Test
  void aResultWithinTheLimitIsReturnedAsItIs() {
    CellSteps.Teardown result =
        new CellSteps.Teardown(List.of("worktree: busy"), Duration.ofMillis(4), true);

    assertThat(CellActivitiesImpl.requireFits(result, "Teardown")).isSameAs(result);
  }

  @Test
  void aResultBeyondTheLimitFailsTheActivityWithANonRetryableResultTooLarge() {
    // 3 MiB of error lines: more than an activity may return.
    CellSteps.Teardown huge =
        new CellSteps.Teardown(
            Collections.nCopies(3 * 1024, "e".repeat(1024)), Duration.ZERO, true);

    ApplicationFailure failure =
        catchThrowableOfType(
            ApplicationFailure.class, () -> CellActivitiesImpl.requireFits(huge, "Teardown"));

    assertThat(failure.getType()).isEqualTo(ResultLimits.RESULT_TOO_LARGE);
    assertThat(failure.isNonRetryable()).isTrue();
    assertThat(failure.getOriginalMessage())
        .matches(
            "the result of activity Teardown is \\d+ bytes serialized, more "
                + "than the 2097152 bytes an activity may return \\(Temporal refuses messages above 4 MiB\\); nothing was "
                + "retried");
  }
}
