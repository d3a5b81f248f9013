package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base check driven locally, by {@link io.openswarm.core.lifecycle.CellLifecycle} over real
 * parts (git, the worktree pool, the command test runner, an agent that is a child process), on
 * steps whose default leaves it off: a task that asks for it gets it, one that does not runs as
 * before.
 */
class BaseCheckLocalIT {

  @TempDir static Path temp;

  static LocalCells cells;
  static String redBase;

  @BeforeAll
  static void cells() {
    cells = new LocalCells(temp, 24140, 24149, 0, 2);
    redBase = cells.repo.write("status.txt", "red\n").commit("a broken base").head();
  }

  @AfterAll
  static void close() {
    if (cells != null) {
      cells.close();
    }
  }

  @Test
  void aTaskThatAsksForTheCheckFailsOnARedBaseBeforeItsAgentWorks() {
    CellOutcome outcome =
        cells.run(
            TaskSpec.of("local-red", "write status.txt green\n", redBase).withVerifyBase(true));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.VERIFY_BASE);
    assertThat(outcome.error())
        .startsWith("BaseIsRed: ")
        .contains(redBase, "[sh, test.sh]", "exited with 1");
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(
            CellStep.PORT,
            CellStep.WORKTREE,
            CellStep.AGENT_START,
            CellStep.AGENT_READY,
            CellStep.VERIFY_BASE,
            CellStep.TEARDOWN);
    assertThat(outcome.changedFiles()).isEmpty();
    cells.invariants().assertHolds();
  }

  @Test
  void aTaskThatDoesNotAskRunsNoCheckAndItsAgentRepairsTheBase() {
    CellOutcome outcome = cells.run(TaskSpec.of("local-fix", "write status.txt green\n", redBase));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.timing(CellStep.VERIFY_BASE)).isEmpty();
    cells.invariants().assertHolds();
  }
}
