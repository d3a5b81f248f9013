package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
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
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The optional base check end to end: a worker with {@code verifyBase(true)}, real git worktrees,
 * real test runs and a scripted agent that records every prompt it gets and fixes the one thing the
 * tests look at.
 *
 * <p>The repository has a red commit (the tests fail on it) and two green ones. The test script
 * notes every run in a marker file named by its argument, outside the worktree (so the worker runs
 * without the sandbox, whose private {@code /tmp} would hide it): {@code base} when it runs on a
 * checkout the agent has not touched, {@code agent} after the agent worked. Each test names its own
 * marker, and so its own test command: verdicts are kept per base and command, and tests that
 * shared a command would share verdicts.
 */
class BaseCheckIT {

  @TempDir static Path temp;

  static String redBase;
  static String greenBase;
  static String otherGreenBase;

  /** Every prompt the agent got, in order. */
  static final Queue<String> PROMPTS = new ConcurrentLinkedQueue<>();

  static final String TEST_SCRIPT =
      """
      #!/bin/sh
      # Notes the run in the marker file $1, then is green while status.txt says green.
      if [ -f agent.txt ]; then echo agent >> "$1"; else echo base >> "$1"; sleep 1; fi
      echo "status: $(cat status.txt)"
      test "$(cat status.txt)" = green
      """;

  @RegisterExtension
  static final SwarmExtension swarm =
      SwarmExtension.newBuilder()
          .repository(
              repo -> {
                repo.write("test.sh", TEST_SCRIPT)
                    .write("status.txt", "red\n")
                    .commit("a broken base");
                redBase = repo.head();
                repo.write("status.txt", "green\n").commit("the base repaired");
                greenBase = repo.head();
                repo.write("notes.txt", "another green commit\n").commit("another green base");
                otherGreenBase = repo.head();
              })
          .connection(ConnectionOptions.newBuilder().hostId("base-check-host").build())
          // Every test names its own command and marker; a run of the default one is noted
          // nowhere.
          .tests(
              TestOptions.newBuilder()
                  .command(List.of("sh", "test.sh", "/dev/null"))
                  .verifyBase(true)
                  .build())
          // Fixes the base and leaves agent.txt, so a run after it says "agent": a red base is the
          // agent's to fix only when nobody checks it first.
          .agent(
              ScriptedAgent.newBuilder()
                  .turns(
                      prompt -> {
                        PROMPTS.add(prompt);
                        return ScriptedAgent.Turn.NORMAL;
                      })
                  .edits(
                      prompt ->
                          List.of(
                              ScriptedAgent.FileEdit.write("status.txt", "green\n"),
                              ScriptedAgent.FileEdit.write("agent.txt", prompt)))
                  .build())
          .configure(worker -> worker.sandbox(CellSandbox.Mode.NONE))
          .build();

  @Test
  void aRedBaseFailsTheTaskWithBaseIsRedAndItsOutputAndTheAgentIsNeverPrompted(SwarmClient client)
      throws IOException {
    Path marker = temp.resolve("red-marker");

    CellOutcome outcome =
        client.runTcr(
            TaskSpec.of("red-base", "prompt of red-base", redBase)
                .withTestCommand(command(marker)));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.VERIFY_BASE);
    assertThat(outcome.error())
        .startsWith("BaseIsRed: ")
        .contains(redBase, "[sh, test.sh, " + marker + "]", "exited with 1", "status: red");
    assertThat(PROMPTS).as("the agent never worked").doesNotContain("prompt of red-base");
    assertThat(runs(marker)).containsExactly("base");
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .contains(CellStep.VERIFY_BASE)
        .doesNotContain(CellStep.EXECUTE, CellStep.TEST, CellStep.REVERT);
    // The run's log is kept with the cell, as a test run's is.
    List<Path> logs = client.logs(CellId.of("red-base"));
    assertThat(logs).anySatisfy(log -> assertThat(Files.readString(log)).contains("status: red"));
  }

  @Test
  void aTaskThatTurnsTheCheckOffRunsNoBaseTestsAndItsAgentRepairsTheRedBase(SwarmClient client)
      throws IOException {
    Path marker = temp.resolve("off-marker");

    CellOutcome outcome =
        client.runTcr(
            TaskSpec.of("check-off", "prompt of check-off", redBase)
                .withTestCommand(command(marker))
                .withVerifyBase(false));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(PROMPTS).contains("prompt of check-off");
    assertThat(runs(marker)).as("the task's choice beats the worker's").containsExactly("agent");
    assertThat(outcome.timing(CellStep.VERIFY_BASE)).isEmpty();
  }

  @Test
  void cellsOnOneGreenBaseRunTheBaseTestsOnceAndThenWorkAsUsual(SwarmClient client)
      throws IOException {
    Path marker = temp.resolve("shared-marker");
    List<String> ids = List.of("green-1", "green-2", "green-3");

    // Started together: the later cells wait for the first one's run instead of running the tests
    // again.
    List<String> workflows =
        ids.stream()
            .map(
                id ->
                    client.startTcr(
                        TaskSpec.of(id, "prompt of " + id, greenBase)
                            .withTestCommand(command(marker))))
            .toList();
    List<CellOutcome> outcomes = workflows.stream().map(client::result).toList();

    assertThat(outcomes)
        .allSatisfy(
            outcome -> {
              assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
              assertThat(outcome.timings())
                  .extracting(CellStep.Timing::step)
                  .containsSubsequence(
                      CellStep.VERIFY_BASE, CellStep.EXECUTE, CellStep.TEST, CellStep.COMMIT);
            });
    assertThat(runs(marker))
        .filteredOn("base"::equals)
        .as("one base run for three cells")
        .hasSize(1);
    assertThat(runs(marker)).filteredOn("agent"::equals).hasSize(3);
  }

  @Test
  void theVerdictsOfDifferentCommandsAndDifferentBasesAreKeptApart(SwarmClient client)
      throws IOException {
    Path first = temp.resolve("first-command-marker");
    Path second = temp.resolve("second-command-marker");

    run(client, "apart-1", greenBase, first);
    run(client, "apart-2", greenBase, first);
    run(client, "apart-3", greenBase, second);
    run(client, "apart-4", otherGreenBase, first);

    assertThat(runs(first))
        .filteredOn("base"::equals)
        .as("once per base, for the first command")
        .hasSize(2);
    assertThat(runs(second))
        .filteredOn("base"::equals)
        .as("the second command's own run")
        .hasSize(1);
  }

  @Test
  void aDagWhoseStartBaseIsRedFailsFastWithoutAnyAgentWorking(
      SwarmClient client, TemporaryRepository repo) throws IOException {
    Path marker = temp.resolve("dag-red-marker");
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(GraphTask.of("a", "dag prompt a").withTestCommand(command(marker)))
            .task(GraphTask.of("b", "dag prompt b").withTestCommand(command(marker)))
            .task(GraphTask.of("c", "dag prompt c").withTestCommand(command(marker)))
            .task(GraphTask.of("d", "dag prompt d", "a").withTestCommand(command(marker)))
            .build();

    DagResult result = client.runDag(DagRequest.of("red-start", graph, redBase).withMaxParallel(2));

    assertThat(result.tasks()).as(result.toTable()).noneMatch(task -> task.status().succeeded());
    List<DagAttempt> attempts =
        result.tasks().stream().flatMap(task -> task.history().stream()).toList();
    assertThat(attempts)
        .as(result.toTable())
        .isNotEmpty()
        .allSatisfy(
            attempt -> {
              assertThat(attempt.status()).isEqualTo(DagResult.TaskStatus.FAILED);
              assertThat(attempt.failureType()).isEqualTo("BaseIsRed");
              assertThat(attempt.failedStep()).isEqualTo(CellStep.VERIFY_BASE);
              assertThat(attempt.retryable()).isFalse();
              assertThat(attempt.detail()).contains("status: red");
            });
    // a and b start together; c waits for a slot, and the first red verdict stops the DAG before it
    // gets one.
    DagResult.Task c = result.task("c").orElseThrow();
    assertThat(c.status()).as(result.toTable()).isEqualTo(DagResult.TaskStatus.SKIPPED);
    assertThat(c.attempts()).isZero();
    assertThat(c.detail()).startsWith("BaseIsRed: ").contains(redBase.substring(0, 10));
    assertThat(result.task("d").orElseThrow().status()).isEqualTo(DagResult.TaskStatus.SKIPPED);
    assertThat(result.toTable()).contains("BaseIsRed");
    assertThat(PROMPTS).noneMatch(prompt -> prompt.startsWith("dag prompt"));
    assertThat(runs(marker)).containsExactly("base");
    assertThat(repo.resolveRevision(result.targetBranch()))
        .as("nothing integrated")
        .isEqualTo(redBase);
  }

  @Test
  void aDagChecksItsStartBaseOnceAndNotTheHeadsItsIntegrationsTested(SwarmClient client)
      throws IOException {
    Path marker = temp.resolve("dag-green-marker");
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(GraphTask.of("first", "dag-green first").withTestCommand(command(marker)))
            .task(
                GraphTask.of("second", "dag-green second", "first")
                    .withTestCommand(command(marker)))
            .build();

    DagResult result = client.runDag(DagRequest.of("green-start", graph, greenBase));

    assertThat(result.succeeded()).as(result.toTable()).isTrue();
    assertThat(steps(result.task("first").orElseThrow())).contains(CellStep.VERIFY_BASE);
    assertThat(steps(result.task("second").orElseThrow()))
        .as("its base is first's tested integration")
        .doesNotContain(CellStep.VERIFY_BASE);
    assertThat(runs(marker)).filteredOn("base"::equals).hasSize(1);
  }

  private static void run(SwarmClient client, String id, String base, Path marker) {
    CellOutcome outcome =
        client.runTcr(TaskSpec.of(id, "prompt of " + id, base).withTestCommand(command(marker)));
    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
  }

  private static List<CellStep.Timing> timings(DagResult.Task task) {
    return task.history().get(task.history().size() - 1).timings();
  }

  private static List<CellStep> steps(DagResult.Task task) {
    return timings(task).stream().map(CellStep.Timing::step).toList();
  }

  private static List<String> command(Path marker) {
    return List.of("sh", "test.sh", marker.toString());
  }

  private static List<String> runs(Path marker) throws IOException {
    return Files.exists(marker) ? Files.readAllLines(marker, StandardCharsets.UTF_8) : List.of();
  }
}
