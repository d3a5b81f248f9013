package io.openswarm.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.worktree.WorktreeException;
import org.junit.jupiter.api.Test;

class CellStepsClassifyTest {

  private static final CellId CELL = CellId.of("t1");

  @Test
  void aRestoreThatFailsIsARevertFailureOnlyWhenItIsTheRevertStep() {
    WorktreeException restore =
        new WorktreeException(
            WorktreeException.Reason.RESTORE_FAILED, "post-checkout hook refused");

    assertThat(CellSteps.classify(CELL, CellStep.REVERT, restore).failureType())
        .isEqualTo("RevertFailed");
    // The warm path restores a pooled worktree at bootstrap: that is the worktree lease failing,
    // not a revert.
    CellStepException atBootstrap = CellSteps.classify(CELL, CellStep.WORKTREE, restore);
    assertThat(atBootstrap.failureType()).isEqualTo("WorktreeFailed");
    assertThat(atBootstrap.step()).isEqualTo(CellStep.WORKTREE);
    assertThat(atBootstrap.getMessage()).contains("post-checkout hook refused");
  }

  @Test
  void aCellStepExceptionKeepsItsOwnClassification() {
    CellStepException original =
        new CellStepException(
            CELL,
            CellStep.COMMIT,
            "CommitRejected",
            false,
            "hook said no",
            new IllegalStateException("exit 1"));

    assertThat(CellSteps.classify(CELL, CellStep.TEARDOWN, original)).isSameAs(original);
  }

  @Test
  void onlyAnExceptionNoCollaboratorDocumentsIsAnUnclassifiedFailure() {
    CellStepException bug =
        CellSteps.classify(CELL, CellStep.EXECUTE, new NullPointerException("oops"));
    assertThat(bug.failureType())
        .isEqualTo("ExecuteFailed")
        .isEqualTo(CellStepException.unclassifiedType(CellStep.EXECUTE));
    assertThat(bug.unclassified()).isTrue();

    // Same name as the catch-all of the WORKTREE step, but the worktree provider's own failure.
    CellStepException io =
        CellSteps.classify(
            CELL,
            CellStep.WORKTREE,
            new WorktreeException(WorktreeException.Reason.IO_FAILED, "disk full"));
    assertThat(io.failureType()).isEqualTo("WorktreeFailed");
    assertThat(io.unclassified()).isFalse();
    assertThat(
            CellSteps.classify(
                    CELL,
                    CellStep.EXECUTE,
                    new AgentException(AgentException.Reason.CRASHED, "agent exited with 137"))
                .unclassified())
        .isFalse();
    assertThat(
            new CellStepException(
                    CELL,
                    CellStep.TEST,
                    CellStepException.TEST_COMMAND_NOT_RUNNABLE,
                    false,
                    "mocha: not found",
                    new IllegalStateException("exit 127"))
                .unclassified())
        .isFalse();
  }
}
