package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.CanceledFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TCR end to end on the embedded Temporal server: real git worktrees, real ports, a real test
 * command (a shell script in the repository, run in the sandbox), and a scripted agent whose edits
 * the prompt chooses.
 */
class TcrWorkflowIT {

  /** Prompts are instructions for the scripted agent: "write PATH CONTENT", "hang". */
  static final ScriptedAgent AGENT = ScriptedAgent.newBuilder().promptCommands().build();

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(
              repo ->
                  repo.write("status.txt", "green\n")
                      .write(
                          "test.sh",
                          "#!/bin/sh\n# Green while status.txt says green.\ntest \"$(cat status.txt)\" = green\n")
                      .executable("test.sh")
                      .commit("a project with a test"))
          .testCommand("sh", "test.sh")
          .connection(ConnectionOptions.newBuilder().hostId("it-host").build())
          .worktrees(pool -> pool.minIdle(2).maxIdle(8).maxTotal(12))
          .agent(AGENT)
          .configure(
              worker ->
                  worker.capacity(CapacityOptions.newBuilder().maxConcurrentActivities(10).build()))
          .build();

  @AfterEach
  void theAgentHasNoLiveSessions() {
    assertThat(AGENT.liveSessions()).isZero();
  }

  @Test
  void greenTestsCommitOnTheCellBranch(SwarmClient client, TemporaryRepository repo) {
    CellOutcome outcome =
        client.runTcr(TaskSpec.of("add-feature", "write feature.txt hello", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.host()).isEqualTo("it-host");
    assertThat(outcome.changedFiles()).containsExactly("feature.txt");
    assertThat(repo.hasBranch("swarm/add-feature")).isTrue();
    assertThat(repo.resolveRevision("swarm/add-feature")).isEqualTo(outcome.commit());
    assertThat(repo.changedIn(outcome.commit())).containsExactly("feature.txt");
    assertThat(repo.show(outcome.commit(), "feature.txt")).isEqualTo("hello");
    assertThat(outcome.timings())
        .extracting(t -> t.step())
        .contains(
            CellStep.PORT,
            CellStep.WORKTREE,
            CellStep.AGENT_START,
            CellStep.AGENT_READY,
            CellStep.EXECUTE,
            CellStep.TEST,
            CellStep.COMMIT,
            CellStep.TEARDOWN);
    assertThat(outcome.cleanTeardown()).isTrue();
  }

  @Test
  void redTestsRevertAndLeaveNoBranch(SwarmClient client, TemporaryRepository repo) {
    CellOutcome outcome = client.runTcr(TaskSpec.of("break-it", "write status.txt red", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.REVERTED);
    assertThat(outcome.testOutputTail()).startsWith("tests failed with exit code 1");
    assertThat(repo.hasBranch("swarm/break-it")).isFalse();
  }

  @Test
  void eightTasksAtOnceRunInDistinctCells(SwarmClient client, TemporaryRepository repo) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(client.startTcr(TaskSpec.of("many-" + i, "write file-" + i + ".txt " + i, "main")));
    }
    List<CellOutcome> outcomes =
        ids.stream().map(client::resultAsync).map(CompletableFuture::join).toList();

    assertThat(outcomes)
        .allSatisfy(o -> assertThat(o.status()).as("%s", o).isEqualTo(CellStatus.COMMITTED));
    assertThat(outcomes).extracting(CellOutcome::commit).doesNotHaveDuplicates();
    for (int i = 0; i < 8; i++) {
      assertThat(repo.changedIn("swarm/many-" + i)).containsExactly("file-" + i + ".txt");
    }
  }

  @Test
  void cancellingARunningTaskAbortsTheAgentAndTearsTheCellDown(
      SwarmWorker worker, SwarmClient client, TemporaryRepository repo) {
    String workflowId = client.startTcr(TaskSpec.of("hanging", "hang", "main"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> client.progress(workflowId).step() == CellStep.EXECUTE);

    client.cancel(workflowId);

    assertThatThrownBy(() -> client.result(workflowId))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    await().atMost(Duration.ofSeconds(30)).until(() -> worker.liveCells() == 0);
    assertThat(repo.hasBranch("swarm/hanging")).isFalse();
  }

  @Test
  void aBaseRefThatDoesNotExistFailsAtTheWorktreeStepAndStillReportsTheStepTimings(
      SwarmClient client) {
    CellOutcome outcome = client.runTcr(TaskSpec.of("no-base", "write x.txt x", "no-such-branch"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.WORKTREE);
    assertThat(outcome.error()).startsWith("UnknownRef: ").contains("no-such-branch");
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(CellStep.PORT, CellStep.WORKTREE);
  }

  @Test
  void aTestProgramThatIsNotFoundIsNamedWithoutTheWorkersPathInTheOutcome(SwarmClient client) {
    CellOutcome outcome =
        client.runTcr(
            TaskSpec.of("no-tester", "write tested.txt t", "main")
                .withTestCommand(List.of("no-such-test-program-4e1d")));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error())
        .contains("'no-such-test-program-4e1d' was not found")
        .doesNotContain("PATH=")
        .doesNotContain(System.getenv("PATH"));
  }

  @Test
  void theDefaultCommitMessageIsTheTaskIdAndTheFirstLineOfThePromptOnly(
      SwarmClient client, TemporaryRepository repo) {
    CellOutcome outcome =
        client.runTcr(
            TaskSpec.of(
                "two-lines",
                "write notes.txt first line\nThe details are for the agent, not for the history",
                "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(repo.git("log", "-1", "--format=%s", outcome.commit()).strip())
        .isEqualTo("two-lines: write notes.txt first line");
    assertThat(repo.git("log", "-1", "--format=%B", outcome.commit())).doesNotContain("details");
  }
}
