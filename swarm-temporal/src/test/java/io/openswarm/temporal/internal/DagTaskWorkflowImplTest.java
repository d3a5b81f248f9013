package io.openswarm.temporal.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.SwarmProfile;
import io.openswarm.temporal.internal.RecordedHistoryReplayTest.ScriptedCells;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How one DAG task attempt turns what its cell and its integration did into the verdict the DAG
 * acts on, with the activities replaced by {@link ScriptedCells} (the prompt chooses what they do).
 */
class DagTaskWorkflowImplTest {

  private TestWorkflowEnvironment env;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    ScriptedCells cells = new ScriptedCells();
    Worker shared = env.newWorker("shared");
    shared.registerWorkflowImplementationFactory(
        DagTaskWorkflow.class,
        () -> new DagTaskWorkflowImpl(CellActivityOptions.of(SwarmProfile.STAGING)));
    shared.registerActivitiesImplementations(cells);
    env.newWorker("shared@live").registerActivitiesImplementations(cells);
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private DagAttempt run(String prompt) {
    DagTaskWorkflow workflow =
        env.getWorkflowClient()
            .newWorkflowStub(
                DagTaskWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue("shared")
                    .setWorkflowId("dag-d-" + prompt + "-1")
                    .build());
    return workflow.run(
        new DagTaskRequest(
            "d",
            1,
            TaskSpec.of("t", prompt, "refs/heads/dag/d"),
            "dag/d",
            CellId.of("d-t-" + prompt.replace("-", "") + "-1")));
  }

  @Test
  void anIntegratedCommitIsTheTargetsNewHeadOnTopOfTheHeadItWasPutOn() {
    DagAttempt attempt = run("green");

    assertThat(attempt.status()).isEqualTo(DagResult.TaskStatus.INTEGRATED);
    assertThat(attempt.commit()).isEqualTo("merged-d-t-green-1");
    assertThat(attempt.onto()).isEqualTo("base0000000000");
    assertThat(attempt.integrationVerdict()).isFalse();
    assertThat(attempt.keptBranch()).isNull();
    assertThat(attempt.cell().status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(attempt.cell().commit()).as("the cell's own commit").isEqualTo("c0ffee-d-t-green-1");
    assertThat(attempt.baseCommit()).isEqualTo("base0000000000");
    assertThat(attempt.timings())
        .extracting(CellStep.Timing::step)
        .contains(CellStep.INTEGRATE, CellStep.TEARDOWN);
  }

  @Test
  void aConflictAtIntegrationKeepsTheChangeOnTheCellBranchAndNamesTheFiles() {
    DagAttempt attempt = run("conflict");

    assertThat(attempt.status()).isEqualTo(DagResult.TaskStatus.CONFLICT);
    assertThat(attempt.integrationVerdict()).isTrue();
    assertThat(attempt.integration().status()).isEqualTo(BranchIntegration.Status.CONFLICT);
    assertThat(attempt.conflictingFiles()).containsExactly("a.txt", "b.txt");
    assertThat(attempt.keptBranch()).isEqualTo("swarm/d-t-conflict-1");
    assertThat(attempt.detail()).isEqualTo("conflicts with head-d-t-c on dag/d in a.txt, b.txt");
  }

  @Test
  void redTestsOnTopOfTheTargetAreARevertAtIntegration() {
    DagAttempt attempt = run("integration-red");

    assertThat(attempt.status()).isEqualTo(DagResult.TaskStatus.REVERTED);
    assertThat(attempt.integrationVerdict()).isTrue();
    assertThat(attempt.detail())
        .startsWith("on top of head-d-t-i of dag/d: tests failed with exit code 1");
  }

  @Test
  void redTestsOnTheAgentsChangeAreTheCellsOwnVerdict() {
    DagAttempt attempt = run("red");

    assertThat(attempt.status()).isEqualTo(DagResult.TaskStatus.REVERTED);
    assertThat(attempt.integrationVerdict()).isFalse();
    assertThat(attempt.integration()).isNull();
    assertThat(attempt.detail()).startsWith("tests failed with exit code 2");
    assertThat(attempt.rejectedRef()).isEqualTo("refs/swarm/rejected/d-t-red-1");
  }

  @Test
  void nothingToCommitIsNoChanges() {
    assertThat(run("nochange").status()).isEqualTo(DagResult.TaskStatus.NO_CHANGES);
  }

  @Test
  void aFailedStepCarriesItsTypeAndWhetherRetryingCanHelp() {
    DagAttempt attempt = run("failcommit");

    assertThat(attempt.status()).isEqualTo(DagResult.TaskStatus.FAILED);
    assertThat(attempt.failedStep()).isEqualTo(CellStep.COMMIT);
    assertThat(attempt.failureType()).isEqualTo("CommitRejected");
    assertThat(attempt.retryable()).isFalse();
    assertThat(attempt.detail()).isEqualTo("CommitRejected: a gitlink");
  }
}
