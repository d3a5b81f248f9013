package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "The tests could not run" is not "the tests are red": a worker on real bubblewrap whose agent
 * makes a correct change, with a test command that cannot run (a program missing on the host, one
 * missing inside the sandbox so the shell exits with 127) or that the library kills at its limit.
 * The cell fails at TEST with a typed failure; nothing is committed, nothing is reverted, and a DAG
 * task neither reverts nor integrates (nor retries). A control task whose tests can run commits the
 * very same change, so the failures are the test command's, not the change's.
 */
class UnrunnableTestsIT {

  static String base;

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(
              repo -> {
                repo.write("package.json", "{\"scripts\": {\"test\": \"mocha\"}}\n")
                    // What npm runs for "npm test": a shell running mocha, which is not installed.
                    .write("run-mocha.sh", "echo '> mocha'\nmocha --recursive\n")
                    .commit("a project tested with mocha");
                base = repo.head();
              })
          .testCommand("mocha")
          .connection(ConnectionOptions.newBuilder().hostId("unrunnable-host").build())
          .agent(
              ScriptedAgent.newBuilder()
                  .edits(
                      prompt ->
                          List.of(
                              ScriptedAgent.FileEdit.write("work.txt", "done: " + prompt + "\n")))
                  .build())
          .configure(worker -> worker.sandbox(CellSandbox.Mode.BUBBLEWRAP))
          .build();

  @Test
  void aTestProgramThatDoesNotExistFailsTheCellAtTestInsteadOfRevertingACorrectChange(
      SwarmClient client, TemporaryRepository repo) {
    CellOutcome outcome = client.runTcr(TaskSpec.of("no-mocha", "add work", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error())
        .startsWith("TestCommandNotRunnable: ")
        .contains("program 'mocha' was not found", "inside the cell's sandbox (bubblewrap)")
        .doesNotContain(System.getenv("PATH"));
    assertThat(outcome.testOutputTail()).isNull();
    assertThat(outcome.changedFiles()).containsExactly("work.txt");
    assertThat(outcome.timing(CellStep.REVERT)).as("never reverted").isEmpty();
    assertThat(outcome.timing(CellStep.COMMIT)).as("never committed").isEmpty();
    assertNothingCommitted(repo, "no-mocha");
  }

  @Test
  void aTestScriptWhoseProgramIsMissingInsideTheSandboxFailsWithTheOutputTail(
      SwarmClient client, TemporaryRepository repo) {
    CellOutcome outcome =
        client.runTcr(
            TaskSpec.of("npm-like", "add work", "main")
                .withTestCommand(List.of("sh", "run-mocha.sh")));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error())
        .startsWith("TestCommandNotRunnable: ")
        .contains(
            "'sh' exited with code 127 inside the cell's sandbox (bubblewrap)",
            "> mocha",
            "mocha: not found")
        .doesNotContain(System.getenv("PATH"));
    assertThat(outcome.timing(CellStep.REVERT)).as("never reverted").isEmpty();
    assertNothingCommitted(repo, "npm-like");
  }

  @Test
  void aTestRunKilledAtItsTimeLimitFailsTheCellAtTestInsteadOfReverting(
      SwarmClient client, TemporaryRepository repo) {
    CellOutcome outcome =
        client.runTcr(
            TaskSpec.of("slow", "add work", "main")
                .withTestCommand(List.of("sh", "-c", "echo 'suite started'; exec sleep 600"))
                .withTestTimeout(Duration.ofSeconds(2)));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error()).startsWith("TestsTimedOut: ").contains("suite started");
    assertThat(outcome.timing(CellStep.REVERT)).as("never reverted").isEmpty();
    assertNothingCommitted(repo, "slow");
  }

  @Test
  void theSameChangeCommitsWhenItsTestsCanRun(SwarmClient client) {
    CellOutcome outcome =
        client.runTcr(
            TaskSpec.of("control", "add work", "main")
                .withTestCommand(List.of("sh", "-c", "grep -q 'done: add work' work.txt")));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
  }

  @Test
  void aDagTaskWhoseTestsCannotRunFailsOnceAndIsNeitherRevertedNorIntegrated(
      SwarmClient client, TemporaryRepository repo) {
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(
                GraphTask.of(
                    TaskSpec.of("npm-like", "add work", "main")
                        .withTestCommand(List.of("sh", "run-mocha.sh")),
                    List.of()))
            .task(GraphTask.of("after", "add more", "npm-like"))
            .build();

    DagResult result = client.runDag(DagRequest.of("unrunnable", graph, "main"));

    DagResult.Task task = result.task("npm-like").orElseThrow();
    assertThat(task.status()).as(result.toTable()).isEqualTo(DagResult.TaskStatus.FAILED);
    assertThat(task.attempts()).as("retrying cannot make the program appear").isEqualTo(1);
    DagAttempt attempt = task.history().get(0);
    assertThat(attempt.failureType()).isEqualTo("TestCommandNotRunnable");
    assertThat(attempt.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(attempt.retryable()).isFalse();
    assertThat(attempt.detail()).contains("mocha: not found");
    assertThat(result.task("after").orElseThrow().status()).isEqualTo(DagResult.TaskStatus.SKIPPED);
    assertThat(repo.resolveRevision(result.targetBranch()))
        .as("nothing integrated")
        .isEqualTo(base);
    assertThat(repo.head()).isEqualTo(base);
  }

  /**
   * The checkout's branch has not moved and the cell's branch, if kept, holds no commit of the
   * change.
   */
  private static void assertNothingCommitted(TemporaryRepository repo, String cell) {
    assertThat(repo.head()).isEqualTo(base);
    if (repo.hasBranch("swarm/" + cell)) {
      assertThat(repo.resolveRevision("swarm/" + cell)).isEqualTo(base);
    }
  }
}
