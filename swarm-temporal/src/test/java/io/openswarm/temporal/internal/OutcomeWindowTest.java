package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellStatus;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutcomeWindowTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private final OutcomeWindow window = new OutcomeWindow(Duration.ofSeconds(60), now::get);

  @Test
  void countsOutcomesAndFailuresButNotCancellations() {
    window.cellFinished(CellStatus.COMMITTED, "");
    window.cellFinished(CellStatus.REVERTED, "");
    window.cellFinished(CellStatus.NO_CHANGES, "");
    window.cellFinished(CellStatus.FAILED, "AgentCrashed");
    window.cellFinished(CellStatus.FAILED, "Cancelled");
    window.dagAttemptFinished("INTEGRATED", "");
    window.dagAttemptFinished("FAILED", "WorktreeFailed");
    window.dagAttemptFinished("CANCELLED", "Cancelled");

    OutcomeWindow.Counts counts = window.counts();
    assertThat(counts.outcomes()).isEqualTo(7);
    assertThat(counts.failures()).isEqualTo(2);
    assertThat(counts.errorRate()).isEqualTo(2.0 / 7);
  }

  @Test
  void outcomesOlderThanTheWindowAreForgotten() {
    window.cellFinished(CellStatus.FAILED, "AgentCrashed");
    now.addAndGet(Duration.ofSeconds(30).toNanos());
    window.cellFinished(CellStatus.COMMITTED, "");
    assertThat(window.counts()).isEqualTo(new OutcomeWindow.Counts(2, 1));

    now.addAndGet(Duration.ofSeconds(32).toNanos());
    assertThat(window.counts()).isEqualTo(new OutcomeWindow.Counts(1, 0));

    now.addAndGet(Duration.ofMinutes(10).toNanos());
    assertThat(window.counts()).isEqualTo(new OutcomeWindow.Counts(0, 0));
    assertThat(window.counts().errorRate()).isZero();
  }

  @Test
  void aBucketReusedAfterAFullTurnStartsFromZero() {
    window.cellFinished(CellStatus.FAILED, "AgentCrashed");
    now.addAndGet(Duration.ofSeconds(60).toNanos());
    window.cellFinished(CellStatus.COMMITTED, "");

    assertThat(window.counts()).isEqualTo(new OutcomeWindow.Counts(1, 0));
  }
}
