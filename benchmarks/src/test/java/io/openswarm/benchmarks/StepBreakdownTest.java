package io.openswarm.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepBreakdownTest {

  private static CellOutcome cell(String id, long worktreeMillis, long executeMillis) {
    return CellOutcome.committed(CellId.of(id), "0123456789abcdef0123456789abcdef01234567")
        .withTimings(
            List.of(
                new CellStep.Timing(CellStep.WORKTREE, Duration.ofMillis(worktreeMillis)),
                new CellStep.Timing(CellStep.EXECUTE, Duration.ofMillis(executeMillis))));
  }

  @Test
  void stepsAreAveragedAndTheRestIsOrchestration() {
    // Latencies 100 and 200 ms (mean 150); steps 30 + 50 and 50 + 70 ms (mean 100).
    LoadResult<CellOutcome> load =
        new LoadResult<>(
            2,
            Duration.ofMillis(300),
            new long[] {100_000_000L, 200_000_000L},
            List.of(cell("a", 30, 50), cell("b", 50, 70)));

    StepBreakdown breakdown = StepBreakdown.of(load);

    assertThat(breakdown.meanByStep())
        .containsOnlyKeys(CellStep.WORKTREE, CellStep.EXECUTE)
        .containsEntry(CellStep.WORKTREE, Duration.ofMillis(40))
        .containsEntry(CellStep.EXECUTE, Duration.ofMillis(60));
    assertThat(breakdown.orchestration()).isEqualTo(Duration.ofMillis(50));
  }
}
