package io.openswarm.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellStep;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.DagWorkflow;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.internal.DagTaskWorkflow;
import io.openswarm.temporal.internal.DagTaskWorkflowImpl;
import io.openswarm.temporal.internal.DagWorkflowImpl;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import io.temporal.client.WorkflowFailedException;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * DAGs end to end on the embedded Temporal server: real git worktrees and branches, real ports, a
 * real test command (a shell script in the repository), and a scripted agent whose edits the prompt
 * chooses.
 *
 * <p>Some tasks run their tests through {@code gate.sh}, which holds a test run until other cells
 * reach a given point, so that races between cells happen every time rather than by luck. The gates
 * coordinate through a directory all cells can write, so this worker runs without the sandbox
 * (which would give each cell a private {@code /tmp}).
 */
class DagWorkflowIT {

  /** Gates and checkouts of the tests; the swarm's own folder is the extension's. */
  @TempDir static Path temp;

  /** Prompts are instructions for the scripted agent: "write PATH CONTENT", "hang", "fail". */
  static final ScriptedAgent AGENT = ScriptedAgent.newBuilder().promptCommands().build();

  static final String GATE =
      """
      #!/bin/sh
      # Holds a test run until other cells reached a point, then runs the real tests.
      # usage: sh gate.sh ROLE GATE_DIR NAME TARGET_BRANCH
      role=$1 gate=$2 name=$3 target=$4
      give_up() { echo "gate: $name gave up waiting for $1"; exit 3; }
      wait_file() {
        n=0
        until [ -e "$1" ]; do n=$((n + 1)); [ "$n" -gt 600 ] && give_up "$1"; sleep 0.1; done
      }
      wait_target_has() {
        n=0
        until git cat-file -e "refs/heads/$target:$1" 2>/dev/null; do
          n=$((n + 1)); [ "$n" -gt 600 ] && give_up "$1 on $target"; sleep 0.1
        done
      }
      case "$role" in
        lead)
          # Lands first, but only once both racers started from the same, older head.
          wait_file "$gate/first-A"; wait_file "$gate/first-C" ;;
        racer)
          if [ -f b.txt ]; then
            # A re-run during integration, on top of the lead: meet the other racer here.
            touch "$gate/retest-$name"; wait_file "$gate/retest-A"; wait_file "$gate/retest-C"
          else
            touch "$gate/first-$name"; wait_target_has b.txt
          fi ;;
        pair)
          touch "$gate/first-$name"; wait_file "$gate/first-S1"; wait_file "$gate/first-S2" ;;
      esac
      exec sh test.sh
      """;

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
                      .write("gate.sh", GATE)
                      .write("shared.txt", "one\ntwo\nthree\n")
                      .commit("a project with a test"))
          .testCommand("sh", "test.sh")
          .connection(ConnectionOptions.newBuilder().hostId("dag-it-host").build())
          .worktrees(pool -> pool.minIdle(2).maxIdle(8).maxTotal(16))
          .agent(AGENT)
          .configure(
              worker ->
                  worker
                      .capacity(CapacityOptions.newBuilder().maxConcurrentActivities(10).build())
                      .sandbox(CellSandbox.Mode.NONE))
          .build();

  @AfterEach
  void theAgentHasNoLiveSessions() {
    assertThat(AGENT.liveSessions()).isZero();
  }

  private static GraphTask write(String id, String file, String content, String... dependsOn) {
    return GraphTask.of(id, "write " + file + " " + content, dependsOn);
  }

  private static GraphTask gated(
      GraphTask task, String role, Path gate, String name, String target) {
    return task.withTestCommand(List.of("sh", "gate.sh", role, gate.toString(), name, target));
  }

  @Test
  void aDiamondIntegratesGreenCommitsOnlyAndSkipsTheDependentsOfABreakingTask(
      SwarmWorker worker, SwarmClient client, TemporaryRepository repo) throws Exception {
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(write("root", "root.txt", "root\n"))
            .task(write("left", "left.txt", "left\n", "root"))
            .task(write("right", "right.txt", "right\n", "root"))
            .task(write("join", "join.txt", "join\n", "left", "right"))
            .task(write("final", "final.txt", "final\n", "join"))
            .task(write("breaker", "status.txt", "red\n", "root"))
            .task(write("after-breaker", "after.txt", "after\n", "breaker"))
            .task(write("docs", "docs.txt", "docs\n"))
            .build();
    DagRequest request = DagRequest.of("diamond", graph, "main").withMaxParallel(3);

    String workflowId = client.startDag(request);
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () ->
                client.dagProgress(workflowId).tasks().stream()
                    .anyMatch(task -> task.status() == DagResult.TaskStatus.RUNNING));
    DagResult running = client.dagProgress(workflowId);
    DagResult result = client.dagResult(workflowId);

    assertThat(running.finished()).isFalse();
    assertThat(result.finished()).isTrue();
    assertThat(client.dagProgress(workflowId).tasks())
        .as("the query answers the final table too")
        .isEqualTo(result.tasks());
    Map<String, DagResult.TaskStatus> statuses =
        result.tasks().stream()
            .collect(Collectors.toMap(DagResult.Task::taskId, DagResult.Task::status));
    assertThat(statuses)
        .as(result.toTable())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "root",
                DagResult.TaskStatus.INTEGRATED,
                "left",
                DagResult.TaskStatus.INTEGRATED,
                "right",
                DagResult.TaskStatus.INTEGRATED,
                "join",
                DagResult.TaskStatus.INTEGRATED,
                "final",
                DagResult.TaskStatus.INTEGRATED,
                "docs",
                DagResult.TaskStatus.INTEGRATED,
                "breaker",
                DagResult.TaskStatus.REVERTED,
                "after-breaker",
                DagResult.TaskStatus.SKIPPED));
    assertThat(result.tasks())
        .extracting(DagResult.Task::taskId)
        .containsExactly(
            "root", "left", "right", "join", "final", "breaker", "after-breaker", "docs");
    DagResult.Task breaker = result.task("breaker").orElseThrow();
    assertThat(breaker.attempts()).as("red tests are a verdict, not retried").isEqualTo(1);
    assertThat(breaker.detail()).startsWith("tests failed with exit code 1");
    DagResult.Task skipped = result.task("after-breaker").orElseThrow();
    assertThat(skipped.attempts()).isZero();
    assertThat(skipped.detail()).isEqualTo("depends on breaker, which ended REVERTED");

    // The join started from a head that held both of its dependencies.
    String joinBase = result.task("join").orElseThrow().history().get(0).baseCommit();
    assertThat(repo.show(joinBase, "left.txt")).isEqualTo("left\n");
    assertThat(repo.show(joinBase, "right.txt")).isEqualTo("right\n");

    // The target holds exactly the six integrated changes, one commit each, linear, every one
    // green.
    String head = repo.resolveRevision("dag/diamond");
    assertThat(result.head()).isEqualTo(head);
    assertThat(result.baseCommit()).isEqualTo(repo.resolveRevision("main"));
    List<String> commits =
        lines(repo.git("rev-list", "--reverse", result.baseCommit() + "..dag/diamond"));
    assertThat(commits).hasSize(6);
    assertThat(repo.git("rev-list", "--merges", result.baseCommit() + "..dag/diamond")).isEmpty();
    assertThat(commits)
        .allSatisfy(commit -> assertThat(repo.show(commit, "status.txt")).isEqualTo("green\n"));
    assertThat(commits)
        .containsExactlyInAnyOrderElementsOf(
            result.tasks().stream()
                .filter(task -> task.status() == DagResult.TaskStatus.INTEGRATED)
                .map(DagResult.Task::commit)
                .toList());
    assertThat(runTestsAt(repo, head)).as("the tests pass at the target's head").isZero();
    for (String file :
        List.of("root.txt", "left.txt", "right.txt", "join.txt", "final.txt", "docs.txt")) {
      assertThat(repo.show(head, file)).isNotEmpty();
    }
    assertThat(repo.git("for-each-ref", "--format=%(refname)", "refs/heads/swarm/"))
        .as("integrated and reverted cells leave no branch")
        .doesNotContain("diamond");

    // At most maxParallel attempts ran at once, and independent tasks did run side by side.
    List<DagAttempt> attempts =
        result.tasks().stream().flatMap(task -> task.history().stream()).toList();
    assertThat(maxOverlap(attempts)).isBetween(2, 3);

    // The recorded history replays against the workflow code: it is deterministic.
    WorkflowExecutionHistory history = client.workflowClient().fetchHistory(workflowId);
    WorkflowExecutionHistory child =
        client
            .workflowClient()
            .fetchHistory(result.task("join").orElseThrow().history().get(0).workflowId());
    WorkerFactory replayers = WorkerFactory.newInstance(client.workflowClient());
    try {
      Worker replayer = replayers.newWorker("replay-" + workflowId);
      replayer.registerWorkflowImplementationFactory(
          DagWorkflow.class, () -> new DagWorkflowImpl(worker.options().activityOptions()));
      replayer.registerWorkflowImplementationFactory(
          DagTaskWorkflow.class, () -> new DagTaskWorkflowImpl(worker.options().activityOptions()));
      WorkflowReplayer.replayWorkflowExecution(history, replayer);
      WorkflowReplayer.replayWorkflowExecution(child, replayer);

      Worker different = replayers.newWorker("replay-different-" + workflowId);
      different.registerWorkflowImplementationFactory(DagWorkflow.class, SleepingDag::new);
      assertThatThrownBy(() -> WorkflowReplayer.replayWorkflowExecution(history, different))
          .as("the replay notices code that decides differently")
          .isInstanceOf(RuntimeException.class)
          .hasMessageContaining("NonDeterministicException");
    } finally {
      replayers.shutdownNow();
    }
  }

  /** A DAG workflow that decides differently from the real one: the replay must reject it. */
  public static final class SleepingDag implements DagWorkflow {
    @Override
    public DagResult run(DagRequest request) {
      Workflow.sleep(Duration.ofSeconds(1));
      return progress();
    }

    @Override
    public DagResult progress() {
      return new DagResult("", "", null, null, true, Duration.ZERO, List.of());
    }
  }

  @Test
  void concurrentTasksOnDifferentFilesBothIntegrateOneOfThemAfterAFailedCompareAndSwap(
      SwarmClient client, TemporaryRepository repo) throws IOException {
    Path gate = Files.createDirectories(temp.resolve("gate-race"));
    String target = "dag/race";
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(gated(write("lead", "b.txt", "b\n"), "lead", gate, "B", target))
            .task(gated(write("racer-a", "a.txt", "a\n"), "racer", gate, "A", target))
            .task(gated(write("racer-c", "c.txt", "c\n"), "racer", gate, "C", target))
            .build();

    DagResult result = client.runDag(DagRequest.of("race", graph, "main").withMaxParallel(3));

    assertThat(result.succeeded()).as(result.toTable()).isTrue();
    DagAttempt lead = result.task("lead").orElseThrow().history().get(0);
    DagAttempt a = result.task("racer-a").orElseThrow().history().get(0);
    DagAttempt c = result.task("racer-c").orElseThrow().history().get(0);
    assertThat(lead.integration().rounds()).isEqualTo(1);
    assertThat(lead.integration().retests()).as("the lead fast-forwarded").isZero();
    assertThat(a.baseCommit()).isEqualTo(c.baseCommit()).isEqualTo(result.baseCommit());
    // Both racers rebased onto the lead and met in their re-runs: one swapped first, the other's
    // swap failed,
    // so it rebased onto the winner, ran the tests again, and swapped in a second round.
    List<DagAttempt> byRounds = new ArrayList<>(List.of(a, c));
    byRounds.sort(Comparator.comparingInt(attempt -> attempt.integration().rounds()));
    DagAttempt winner = byRounds.get(0);
    DagAttempt loser = byRounds.get(1);
    assertThat(winner.integration().rounds()).isEqualTo(1);
    assertThat(winner.integration().retests()).isEqualTo(1);
    assertThat(winner.onto()).isEqualTo(lead.commit());
    assertThat(loser.integration().rounds())
        .as("a failed compare-and-swap, then a successful one")
        .isEqualTo(2);
    assertThat(loser.integration().retests()).isEqualTo(2);
    assertThat(loser.onto()).isEqualTo(winner.commit());
    assertThat(lines(repo.git("rev-list", "--reverse", result.baseCommit() + "..dag/race")))
        .containsExactly(lead.commit(), winner.commit(), loser.commit());
    assertThat(result.head()).isEqualTo(repo.resolveRevision(target)).isEqualTo(loser.commit());
    assertThat(runTestsAt(repo, loser.commit())).isZero();
  }

  @Test
  void twoTasksEditingTheSameLineOneIntegratesTheOtherIsRedoneFromTheNewHead(
      SwarmClient client, TemporaryRepository repo) throws IOException {
    Path gate = Files.createDirectories(temp.resolve("gate-pair"));
    String target = "dag/pair";
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(
                gated(
                    write("s1", "shared.txt", "one\nTWO by s1\nthree\n"),
                    "pair",
                    gate,
                    "S1",
                    target))
            .task(
                gated(
                    write("s2", "shared.txt", "one\nTWO by s2\nthree\n"),
                    "pair",
                    gate,
                    "S2",
                    target))
            .build();

    DagResult result = client.runDag(DagRequest.of("pair", graph, "main").withMaxParallel(2));

    assertThat(result.succeeded()).as(result.toTable()).isTrue();
    List<DagResult.Task> rows = new ArrayList<>(result.tasks());
    rows.sort(Comparator.comparingInt(DagResult.Task::attempts));
    DagResult.Task first = rows.get(0);
    DagResult.Task redone = rows.get(1);
    assertThat(first.attempts()).isEqualTo(1);
    assertThat(redone.attempts()).isEqualTo(2);
    DagAttempt conflict = redone.history().get(0);
    assertThat(conflict.status()).isEqualTo(DagResult.TaskStatus.CONFLICT);
    assertThat(conflict.integrationVerdict()).isTrue();
    assertThat(conflict.conflictingFiles()).containsExactly("shared.txt");
    assertThat(conflict.baseCommit()).isEqualTo(result.baseCommit());
    DagAttempt second = redone.history().get(1);
    assertThat(second.status()).isEqualTo(DagResult.TaskStatus.INTEGRATED);
    assertThat(second.baseCommit()).as("redone from the new head").isEqualTo(first.commit());
    assertThat(redone.status()).isEqualTo(DagResult.TaskStatus.INTEGRATED);
    assertThat(repo.show(target, "shared.txt"))
        .isEqualTo("one\nTWO by " + redone.taskId() + "\nthree\n");
    assertThat(lines(repo.git("rev-list", "--reverse", result.baseCommit() + ".." + target)))
        .containsExactly(first.commit(), redone.commit());
    assertThat(repo.hasBranch("swarm/" + conflict.cellId()))
        .as("the conflicting attempt's work is kept on its cell branch")
        .isTrue();
    assertThat(conflict.keptBranch()).isEqualTo("swarm/" + conflict.cellId());
    assertThat(repo.show(conflict.keptBranch(), "shared.txt"))
        .isEqualTo("one\nTWO by " + redone.taskId() + "\nthree\n");
    assertThat(second.keptBranch()).isNull();
    assertThat(result.toTable())
        .as("the table shows the redo and where the first change is")
        .contains("redone on the new head after a conflict")
        .contains(
            "  #1  CONFLICT",
            "change kept on "
                + conflict.keptBranch()
                + ": conflicts with "
                + conflict.onto().substring(0, 10)
                + " on "
                + target
                + " in shared.txt");
  }

  @Test
  void aTaskThatKeepsFailingIsRetriedWithBackoffThenItsDependentsAreSkippedWhileOthersGoOn(
      SwarmClient client, TemporaryRepository repo) {
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(GraphTask.of("flaky", "fail"))
            .task(write("after-flaky", "after.txt", "after\n", "flaky"))
            .task(write("steady", "steady.txt", "steady\n"))
            .build();

    DagResult result = client.runDag(DagRequest.of("retry", graph, "main"));

    DagResult.Task flaky = result.task("flaky").orElseThrow();
    assertThat(flaky.status()).as(result.toTable()).isEqualTo(DagResult.TaskStatus.FAILED);
    assertThat(flaky.attempts()).isEqualTo(3);
    assertThat(flaky.history())
        .allSatisfy(
            attempt -> {
              assertThat(attempt.status()).isEqualTo(DagResult.TaskStatus.FAILED);
              assertThat(attempt.failureType()).isEqualTo("AgentTurnFailed");
              assertThat(attempt.failedStep()).isEqualTo(CellStep.EXECUTE);
              assertThat(attempt.retryable()).isTrue();
            });
    List<DagAttempt> history = flaky.history();
    assertThat(Duration.between(history.get(0).finishedAt(), history.get(1).startedAt()))
        .as("1 s before the second attempt")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(Duration.between(history.get(1).finishedAt(), history.get(2).startedAt()))
        .as("2 s before the third")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(history)
        .extracting(DagAttempt::workflowId)
        .containsExactly("dag-retry-flaky-1", "dag-retry-flaky-2", "dag-retry-flaky-3");
    assertThat(result.task("after-flaky").orElseThrow().status())
        .isEqualTo(DagResult.TaskStatus.SKIPPED);
    assertThat(result.task("after-flaky").orElseThrow().detail())
        .isEqualTo("depends on flaky, which ended FAILED");
    assertThat(result.task("steady").orElseThrow().status())
        .isEqualTo(DagResult.TaskStatus.INTEGRATED);
    assertThat(repo.show("dag/retry", "steady.txt")).isEqualTo("steady\n");
  }

  @Test
  void cancellingADagCancelsItsRunningCellsAndLeavesTheTargetIntact(
      SwarmWorker worker, SwarmClient client, TemporaryRepository repo) {
    TaskGraph graph =
        TaskGraph.newBuilder()
            .task(write("quick", "quick.txt", "quick\n"))
            .task(GraphTask.of("stuck", "hang"))
            .task(write("after-stuck", "after.txt", "after\n", "stuck"))
            .build();
    String workflowId = client.startDag(DagRequest.of("cancel", graph, "main"));
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              DagResult now = client.dagProgress(workflowId);
              return now.task("quick").orElseThrow().status() == DagResult.TaskStatus.INTEGRATED
                  && now.task("stuck").orElseThrow().status() == DagResult.TaskStatus.RUNNING
                  && client.progress(workflowId + "-stuck-1").step() == CellStep.EXECUTE;
            });
    String headBefore = repo.resolveRevision("dag/cancel");

    client.cancel(workflowId);

    assertThatThrownBy(() -> client.dagResult(workflowId))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    await().atMost(Duration.ofSeconds(30)).until(() -> worker.liveCells() == 0);
    DagResult after = client.dagProgress(workflowId);
    assertThat(after.finished()).isTrue();
    assertThat(after.task("quick").orElseThrow().status())
        .isEqualTo(DagResult.TaskStatus.INTEGRATED);
    assertThat(after.task("stuck").orElseThrow().status())
        .isEqualTo(DagResult.TaskStatus.CANCELLED);
    assertThat(after.task("after-stuck").orElseThrow().status())
        .isEqualTo(DagResult.TaskStatus.CANCELLED);
    assertThat(after.task("after-stuck").orElseThrow().attempts()).isZero();
    assertThat(repo.resolveRevision("dag/cancel"))
        .isEqualTo(headBefore)
        .isEqualTo(after.task("quick").orElseThrow().commit());
    assertThat(lines(repo.git("rev-list", after.baseCommit() + "..dag/cancel")))
        .containsExactly(headBefore);
    assertThat(repo.git("for-each-ref", "--format=%(refname)", "refs/heads/swarm/"))
        .doesNotContain("stuck");
  }

  @Test
  void aTargetBranchThatAlreadyExistsElsewhereStopsTheDagBeforeAnyCell(
      SwarmClient client, TemporaryRepository repo) {
    repo.git("branch", "dag/taken", "main~1");
    TaskGraph graph = TaskGraph.of(write("never", "never.txt", "x\n"));
    int started = AGENT.startedSessions();

    assertThatThrownBy(() -> client.runDag(DagRequest.of("taken", graph, "main")))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            failure -> {
              assertThat(failure.getType()).isEqualTo("TargetBranchFailed");
              assertThat(failure.getOriginalMessage())
                  .contains("TargetBranchExists")
                  .contains(
                      "target branch dag/taken already exists at "
                          + repo.resolveRevision("main~1"));
            });
    assertThat(AGENT.startedSessions()).isEqualTo(started);
    assertThat(repo.resolveRevision("dag/taken")).isEqualTo(repo.resolveRevision("main~1"));
  }

  /** The most attempts whose [start, end] intervals overlap at one instant. */
  private static int maxOverlap(List<DagAttempt> attempts) {
    List<long[]> events = new ArrayList<>();
    for (DagAttempt attempt : attempts) {
      events.add(new long[] {attempt.startedAt().toEpochMilli(), 1});
      events.add(new long[] {attempt.finishedAt().toEpochMilli(), -1});
    }
    // At equal times, an end comes before a start: an attempt that ends frees its slot for the
    // next.
    events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
    int now = 0;
    int max = 0;
    for (long[] event : events) {
      now += (int) event[1];
      max = Math.max(max, now);
    }
    return max;
  }

  /**
   * Checks {@code commit} out in a worktree of its own and runs the repository's test command
   * there.
   */
  private static int runTestsAt(TemporaryRepository repo, String commit) {
    Path checkout =
        temp.resolve("checkout-" + commit.substring(0, 10) + "-" + Instant.now().toEpochMilli());
    repo.git("worktree", "add", "--quiet", "--detach", checkout.toString(), commit);
    try {
      Process process =
          new ProcessBuilder("sh", "test.sh")
              .directory(checkout.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
        throw new AssertionError("test.sh at " + commit + " did not finish in 30 s");
      }
      return process.exitValue();
    } catch (IOException e) {
      throw new AssertionError("cannot run test.sh at " + commit, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } finally {
      repo.git("worktree", "remove", "--force", checkout.toString());
    }
  }

  private static List<String> lines(String text) {
    return Arrays.stream(text.split("\n")).filter(line -> !line.isBlank()).toList();
  }
}
