package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.GraphTask;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.git.TemporaryRepository;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.CanceledFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fault point, driven by the Temporal workflows (TCR, and a DAG for the integrate step) on a
 * real worker with the embedded server: each fault ends the cell the way the workflow promises
 * (retried where the activity's retry policy says so), and afterwards every invariant holds.
 */
class WorkflowFaultIT {

  @TempDir static Path temp;

  static FaultyWorker swarm;
  static FaultInjector faults;
  static TemporaryRepository repo;
  static SwarmWorker worker;
  static SwarmClient client;
  static String base;

  @BeforeAll
  static void startWorker() {
    swarm = new FaultyWorker(temp, 24200, 24219, builder -> {});
    faults = swarm.faults;
    repo = swarm.repo;
    worker = swarm.worker;
    client = swarm.client;
    base = swarm.base;
  }

  @AfterAll
  static void stopWorker() {
    if (swarm != null) {
      swarm.close();
    }
  }

  @AfterEach
  void everyInvariantHolds() {
    int armed = faults.armedCount();
    faults.disarm();
    faults.releaseHangs();
    assertThat(armed).as("armed faults that never fired").isZero();
    swarm.invariants().assertHolds();
  }

  /** A failure at a point and how the TCR workflow must end. */
  record Case(
      FaultInjector.Point point,
      String prompt,
      CellStatus status,
      @Nullable CellStep step,
      @Nullable String type,
      int bootstrapAttempts) {
    @Override
    public String toString() {
      return point + " -> " + status + (step == null ? "" : " at " + step + " (" + type + ")");
    }
  }

  static Stream<Case> failures() {
    return Stream.of(
        new Case(
            FaultInjector.Point.PORT_PROBE,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.PORT,
            "PortFailed",
            1),
        // Retryable bootstrap failures are retried, and the retry runs clean.
        new Case(
            FaultInjector.Point.AGENT_START,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.AGENT_START,
            "AgentStartFailed",
            1),
        new Case(
            FaultInjector.Point.AGENT_HEALTH, "write a.txt a", CellStatus.COMMITTED, null, null, 2),
        new Case(
            FaultInjector.Point.PROMPT_SUBMIT,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.EXECUTE,
            "AgentTurnFailed",
            1),
        new Case(
            FaultInjector.Point.AGENT_CRASH,
            "hang",
            CellStatus.FAILED,
            CellStep.EXECUTE,
            "AgentCrashed",
            1),
        new Case(
            FaultInjector.Point.TEST_START,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.TEST,
            "TestsFailedToStart",
            1),
        new Case(
            FaultInjector.Point.TEST_HANG,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.TEST,
            "TestsTimedOut",
            1),
        new Case(
            FaultInjector.Point.COMMIT,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.COMMIT,
            "CommitRejected",
            1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void aFailureEndsTheWorkflowAsPromisedAndLeavesNothing(Case expected) {
    String task = "wf-" + expected.point().name().toLowerCase(Locale.ROOT).replace('_', '-');
    arm(expected.point(), FaultInjector.Fault.fail(), CellId.of(task));

    CellOutcome outcome = client.runTcr(TaskSpec.of(task, expected.prompt(), "main"));

    assertThat(faults.fired())
        .last()
        .extracting(FaultInjector.Fired::point)
        .isEqualTo(expected.point());
    assertThat(outcome.status()).as("%s", outcome).isEqualTo(expected.status());
    if (expected.step() != null) {
      assertThat(outcome.failedStep()).isEqualTo(expected.step());
      assertThat(outcome.error()).startsWith(expected.type() + ": ");
    }
    assertThat(outcome.teardownErrors()).isEmpty();
    assertThat(repo.hasBranch("swarm/" + task))
        .isEqualTo(expected.status() == CellStatus.COMMITTED);
  }

  @Test
  void aHookPlantedInTheRepositoryNeverRunsOutsideTheSandboxAndTheCommitLands() throws Exception {
    Path marker = repo.path().resolveSibling("hook-ran-" + System.nanoTime());
    Path hook = repo.path().resolve(".git/hooks/pre-commit");
    Files.writeString(hook, "#!/bin/sh\ntouch '" + marker + "'\nexit 1\n");
    hook.toFile().setExecutable(true);
    CellOutcome outcome;
    try {
      outcome = client.runTcr(TaskSpec.of("wf-hook-ignored", "write hooked.txt h", "main"));
    } finally {
      Files.delete(hook);
    }

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(marker).doesNotExist();
  }

  @Test
  void aCommitThatRunsLongerThanTheHeartbeatTimeoutIsNotTakenForALostHost() throws Exception {
    CellId cell = CellId.of("wf-slow-commit");
    faults.arm(FaultInjector.Point.COMMIT, FaultInjector.Fault.hang(), cell);
    java.util.concurrent.CompletableFuture<CellOutcome> outcome =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> client.runTcr(TaskSpec.of(cell.value(), "write slow.txt s", "main")));
    faults.awaitHanging(FaultInjector.Point.COMMIT, cell, java.time.Duration.ofSeconds(60));
    // Held for longer than the heartbeat timeout; the commit activity must keep heartbeating
    // meanwhile.
    org.awaitility.Awaitility.await()
        .pollDelay(java.time.Duration.ofSeconds(4))
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> true);
    faults.releaseHangs();

    CellOutcome done = outcome.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(done.status()).as("%s", done).isEqualTo(CellStatus.COMMITTED);
    assertThat(done.cellId().value())
        .as("the first cell committed; no retry on another host")
        .isEqualTo("wf-slow-commit");
  }

  @Test
  void aConflictOnTheTargetIsRedoneFromTheNewHeadAndTheTargetGetsOnlyGreenCommits() {
    faults.arm(FaultInjector.Point.INTEGRATE, FaultInjector.Fault.fail());
    DagRequest request =
        DagRequest.of(
            "wf-conflict",
            TaskGraph.newBuilder().task(GraphTask.of("only", "write conflict.txt mine")).build(),
            "main");
    swarm.targets.add(request.targetBranch());

    DagResult result = client.runDag(request);

    assertThat(faults.fired())
        .last()
        .extracting(FaultInjector.Fired::point)
        .isEqualTo(FaultInjector.Point.INTEGRATE);
    assertThat(faults.injectedCommits()).hasSize(1);
    assertThat(result.task("only").orElseThrow().history())
        .extracting(a -> a.status())
        .startsWith(DagResult.TaskStatus.CONFLICT);
    assertThat(repo.git("log", "--format=%H", base + ".." + request.targetBranch()))
        .contains(faults.injectedCommits().iterator().next());
  }

  @Test
  void aDagTaskWhoseBootstrapFailedStillReportsTheTimingsOfItsSteps() {
    faults.arm(FaultInjector.Point.AGENT_START, FaultInjector.Fault.fail());
    DagRequest request =
        DagRequest.of(
            "wf-boot-timings",
            TaskGraph.newBuilder().task(GraphTask.of("only", "write boot.txt b")).build(),
            "main");
    swarm.targets.add(request.targetBranch());

    DagResult result = client.runDag(request);

    DagAttempt failed = result.task("only").orElseThrow().history().get(0);
    assertThat(failed.status()).as(result.toTable()).isEqualTo(DagResult.TaskStatus.FAILED);
    assertThat(failed.failedStep()).isEqualTo(CellStep.AGENT_START);
    assertThat(failed.timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(CellStep.PORT, CellStep.WORKTREE, CellStep.AGENT_START);
  }

  @Test
  void aStopThatFailsIsReportedInTheOutcomeAndEverythingElseIsReleased() {
    faults.arm(
        FaultInjector.Point.AGENT_STOP, FaultInjector.Fault.fail(), CellId.of("wf-agent-stop"));

    CellOutcome outcome = client.runTcr(TaskSpec.of("wf-agent-stop", "write stop.txt s", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.teardownErrors()).singleElement().asString().startsWith("stop agent: ");
    assertThat(worker.ports().allocatedCount()).isZero();
    assertThat(worker.worktrees().leasedCount()).isZero();
    assertThat(swarm.agent().liveSessions()).isOne();
    assertThat(faults.releaseHeldBack()).isEmpty();
  }

  @Test
  void aReturnThatFailsIsReportedInTheOutcomeAndEverythingElseIsReleased() {
    faults.arm(
        FaultInjector.Point.WORKTREE_RETURN,
        FaultInjector.Fault.fail(),
        CellId.of("wf-worktree-return"));

    CellOutcome outcome =
        client.runTcr(TaskSpec.of("wf-worktree-return", "write return.txt r", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.teardownErrors()).singleElement().asString().startsWith("return worktree: ");
    assertThat(worker.ports().allocatedCount()).isZero();
    assertThat(swarm.agent().liveSessions()).isZero();
    assertThat(worker.worktrees().leasedCount()).isOne();
    assertThat(faults.releaseHeldBack()).isEmpty();
  }

  @Test
  void aReleaseThatFailsIsReportedInTheOutcomeAndThePortIsNotLost() {
    faults.arm(
        FaultInjector.Point.PORT_RELEASE, FaultInjector.Fault.fail(), CellId.of("wf-port-release"));

    CellOutcome outcome =
        client.runTcr(TaskSpec.of("wf-port-release", "write release.txt r", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.teardownErrors())
        .singleElement()
        .asString()
        .startsWith("release port: ")
        .contains("injected fault");
    assertThat(swarm.agent().liveSessions()).isZero();
    assertThat(worker.worktrees().leasedCount()).isZero();
    assertThat(worker.ports().allocatedCount()).as("the port really was not released").isOne();
    assertThat(faults.releaseHeldBack()).isEmpty();
    assertThat(worker.ports().allocatedCount()).isZero();
  }

  @Test
  void worktreeAddAndResetFaultsFireOnTheirOwnPathAndTheBootstrapIsRetried(@TempDir Path own) {
    // A worker whose pool keeps no worktree warm by itself, so which path a lease takes is known.
    try (FaultyWorker cold = new FaultyWorker(own, 24220, 24224, 0, 1, 2, builder -> {})) {
      CellId added = CellId.of("wf-path-add");
      cold.faults.arm(FaultInjector.Point.WORKTREE_ADD, FaultInjector.Fault.fail(), added);

      CellOutcome first = cold.client.runTcr(TaskSpec.of(added.value(), "write a.txt a", "main"));

      // Cold, failed, given back warm: the retry reuses it.
      assertThat(first.status()).as("%s", first).isEqualTo(CellStatus.COMMITTED);
      assertThat(cold.faults.firedFor(added))
          .extracting(FaultInjector.Fired::point)
          .containsExactly(FaultInjector.Point.WORKTREE_ADD);

      CellId reset = CellId.of("wf-path-reset");
      cold.faults.arm(FaultInjector.Point.WORKTREE_ADD, FaultInjector.Fault.fail(), reset);
      cold.faults.arm(FaultInjector.Point.WORKTREE_RESET, FaultInjector.Fault.fail(), reset);

      CellOutcome second = cold.client.runTcr(TaskSpec.of(reset.value(), "write b.txt b", "main"));

      assertThat(second.status()).as("%s", second).isEqualTo(CellStatus.COMMITTED);
      assertThat(cold.faults.firedFor(reset))
          .extracting(FaultInjector.Fired::point)
          .containsExactly(FaultInjector.Point.WORKTREE_RESET);
      assertThat(cold.faults.armedCount()).as("the add fault: that path was never taken").isOne();
      cold.faults.disarm();
      assertThat(List.of(first, second)).allSatisfy(o -> assertThat(o.teardownErrors()).isEmpty());
      cold.invariants().assertHolds();
    }
  }

  /**
   * Cancelling the workflow ends a hang inside a step: through the heartbeat, as an abort or an
   * interrupt.
   */
  static Stream<FaultInjector.Point> cancellableHangs() {
    return Stream.of(
        FaultInjector.Point.PROMPT_SUBMIT,
        FaultInjector.Point.TEST_START,
        FaultInjector.Point.TEST_HANG);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cancellableHangs")
  void cancellingTheWorkflowEndsAHangAndTearsTheCellDown(FaultInjector.Point point) {
    String task = "wf-cancel-" + point.name().toLowerCase(Locale.ROOT).replace('_', '-');
    CellId cell = CellId.of(task);
    faults.arm(point, FaultInjector.Fault.hang(), cell);
    String workflowId = client.startTcr(TaskSpec.of(task, "write cancel.txt c", "main"));
    if (point == FaultInjector.Point.TEST_HANG) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  ProcessHandle.current()
                      .descendants()
                      .anyMatch(p -> p.info().commandLine().orElse("").contains("sleep 3600")));
    } else {
      faults.awaitHanging(point, cell, Duration.ofSeconds(30));
    }

    client.cancel(workflowId);

    assertThatThrownBy(() -> client.result(workflowId))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    await().atMost(Duration.ofSeconds(20)).until(() -> worker.liveCells() == 0);
    assertThat(faults.hanging()).isEmpty();
  }

  @Test
  void cancellingADagEndsAHangingIntegration() {
    faults.arm(FaultInjector.Point.INTEGRATE, FaultInjector.Fault.hang());
    DagRequest request =
        DagRequest.of(
            "wf-cancel-integrate",
            TaskGraph.newBuilder().task(GraphTask.of("only", "write cancelled.txt c")).build(),
            "main");
    swarm.targets.add(request.targetBranch());
    String workflowId = client.startDag(request);
    faults.awaitHanging(FaultInjector.Point.INTEGRATE, null, Duration.ofSeconds(30));

    client.cancel(workflowId);

    await().atMost(Duration.ofSeconds(30)).until(() -> worker.liveCells() == 0);
    assertThat(faults.hanging()).isEmpty();
    assertThat(repo.resolveRevision(request.targetBranch())).isEqualTo(base);
  }

  @Test
  void aStopThatHangsPastTheTeardownTimeoutIsRetriedAndTheRestIsReleased() {
    CellId cell = CellId.of("wf-stop-hang");
    faults.arm(FaultInjector.Point.AGENT_STOP, FaultInjector.Fault.hang(), cell);

    CellOutcome outcome = client.runTcr(TaskSpec.of(cell.value(), "write slow-stop.txt s", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    faults.awaitHanging(FaultInjector.Point.AGENT_STOP, cell, Duration.ofSeconds(1));
    assertThat(worker.liveCells()).isZero();
    assertThat(worker.ports().allocatedCount()).isZero();
    assertThat(worker.worktrees().leasedCount()).isZero();
    faults.releaseHangs();
    await().atMost(Duration.ofSeconds(10)).until(() -> swarm.agent().liveSessions() == 0);
  }

  @Test
  void aBootstrapThatOutlivesItsActivityTearsItsCellDown() {
    CellId cell = CellId.of("wf-late-bootstrap");
    faults.arm(FaultInjector.Point.AGENT_HEALTH, FaultInjector.Fault.hang(), cell);
    String workflowId = client.startTcr(TaskSpec.of(cell.value(), "write late.txt l", "main"));
    faults.awaitHanging(FaultInjector.Point.AGENT_HEALTH, cell, Duration.ofSeconds(30));

    CellOutcome outcome = client.result(workflowId);
    faults.releaseHangs();

    assertThat(outcome.status()).as("%s", outcome).isIn(CellStatus.FAILED, CellStatus.COMMITTED);
    await().atMost(Duration.ofSeconds(20)).until(() -> worker.liveCells() == 0);
  }

  /**
   * A port probe cannot tell its cell (slf4j-simple keeps no MDC), so its faults are armed for any
   * cell.
   */
  private static void arm(FaultInjector.Point point, FaultInjector.Fault fault, CellId cell) {
    if (point == FaultInjector.Point.PORT_PROBE) {
      faults.arm(point, fault);
    } else {
      faults.arm(point, fault, cell);
    }
  }
}
