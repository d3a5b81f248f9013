package io.openswarm.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.worktree.BranchIntegration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
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
 * Every fault point, driven by the local {@link io.openswarm.core.lifecycle.CellLifecycle} over
 * real parts (git, worktree pool, ports, a child-process agent, the command test runner, the
 * integrator): each fault ends the cell the way the library promises, and afterwards every
 * invariant holds.
 */
class LifecycleFaultIT {

  @TempDir static Path temp;
  static LocalCells cells;

  @BeforeAll
  static void start() {
    cells = new LocalCells(temp, 24100, 24119, 1, 8);
  }

  @AfterAll
  static void stop() {
    if (cells != null) {
      cells.close();
    }
  }

  @AfterEach
  void everyInvariantHolds() {
    int armed = cells.faults.armedCount();
    Set<FaultInjector.Fired> hanging = cells.faults.hanging();
    cells.faults.disarm();
    cells.faults.releaseHangs();
    assertThat(hanging).isEmpty();
    assertThat(armed).as("armed faults that never fired").isZero();
    cells.invariants().assertHolds();
  }

  /** A failure at a point and how the cell must end. */
  record Case(
      FaultInjector.Point point,
      String prompt,
      CellStatus status,
      @Nullable CellStep step,
      @Nullable String type) {
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
            "PortFailed"),
        new Case(
            FaultInjector.Point.AGENT_START,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.AGENT_START,
            "AgentStartFailed"),
        new Case(
            FaultInjector.Point.AGENT_HEALTH,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.AGENT_READY,
            "AgentNotReady"),
        new Case(
            FaultInjector.Point.PROMPT_SUBMIT,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.EXECUTE,
            "AgentTurnFailed"),
        // This agent has no event stream to lose: the turn fails as one whose stream cannot be
        // recovered. OpenCode's
        // recovery is proven with the real server in OpenCodeFaultIT.
        new Case(
            FaultInjector.Point.EVENT_STREAM_DROP,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.EXECUTE,
            "AgentTurnFailed"),
        // The turn runs until the process dies: the crash happens mid-turn, not before or after it.
        new Case(
            FaultInjector.Point.AGENT_CRASH,
            "hang",
            CellStatus.FAILED,
            CellStep.EXECUTE,
            "AgentCrashed"),
        new Case(
            FaultInjector.Point.TEST_START,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.TEST,
            "TestsFailedToStart"),
        new Case(
            FaultInjector.Point.TEST_HANG,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.TEST,
            "TestsTimedOut"),
        new Case(
            FaultInjector.Point.COMMIT,
            "write a.txt a",
            CellStatus.FAILED,
            CellStep.COMMIT,
            "CommitRejected"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void aFailureEndsTheCellAsPromisedAndLeavesNothing(Case expected) {
    CellId cell = cellFor(expected.point(), "fail");
    arm(expected.point(), FaultInjector.Fault.fail(), cell);

    CellOutcome outcome = cells.run(TaskSpec.of(cell.value(), expected.prompt(), "main"));

    assertThat(cells.faults.fired())
        .last()
        .extracting(FaultInjector.Fired::point)
        .isEqualTo(expected.point());
    assertThat(outcome.status()).as("%s", outcome).isEqualTo(expected.status());
    if (expected.step() != null) {
      assertThat(outcome.failedStep()).isEqualTo(expected.step());
      assertThat(outcome.error()).startsWith(expected.type() + ": ");
    }
    assertThat(outcome.teardownErrors()).isEmpty();
    assertThat(cells.repo.hasBranch("swarm/" + cell)).isFalse();
  }

  @Test
  void aConflictMadeOnTheTargetMeanwhileIsAConflictAndTheTargetKeepsOnlyGreenCommits() {
    CellId cell = cellFor(FaultInjector.Point.INTEGRATE, "fail");
    String before = cells.repo.resolveRevision(LocalCells.TARGET);
    cells.faults.arm(FaultInjector.Point.INTEGRATE, FaultInjector.Fault.fail(), cell);

    LocalCells.Integrated result =
        cells.runIntegrating(
            TaskSpec.of(cell.value(), "write conflict.txt mine", LocalCells.TARGET),
            LocalCells.TARGET);

    assertThat(result.status())
        .as("%s", result)
        .isEqualTo(BranchIntegration.Status.CONFLICT.name());
    assertThat(result.integration().conflictingFiles()).containsExactly("conflict.txt");
    assertThat(cells.faults.injectedCommits()).hasSize(1);
    String head = cells.repo.resolveRevision(LocalCells.TARGET);
    assertThat(cells.faults.injectedCommits()).containsExactly(head);
    assertThat(cells.repo.git("rev-parse", head + "^").strip()).isEqualTo(before);
    assertThat(result.teardownErrors()).isEmpty();
  }

  @Test
  void aGreenCellIntegratesWhenNothingGoesWrong() {
    CellId cell = CellId.of("clean-integrate");
    LocalCells.Integrated result =
        cells.runIntegrating(
            TaskSpec.of(cell.value(), "write clean.txt clean", LocalCells.TARGET),
            LocalCells.TARGET);

    assertThat(result.status())
        .as("%s", result)
        .isEqualTo(BranchIntegration.Status.INTEGRATED.name());
    assertThat(cells.repo.show(LocalCells.TARGET, "clean.txt")).isEqualTo("clean");
  }

  @Test
  void aStopThatFailsIsReportedAndTheWorktreeAndPortAreStillGivenBack() {
    CellId cell = cellFor(FaultInjector.Point.AGENT_STOP, "fail");
    cells.faults.arm(FaultInjector.Point.AGENT_STOP, FaultInjector.Fault.fail(), cell);

    CellOutcome outcome = cells.run(TaskSpec.of(cell.value(), "write stop.txt s", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.teardownErrors())
        .singleElement()
        .asString()
        .startsWith("stop agent: ")
        .contains("injected fault");
    assertThat(cells.ports.allocatedCount()).isZero();
    assertThat(cells.pool.leasedCount()).isZero();
    assertThat(cells.agent.liveSessions()).as("the agent really was not stopped").isOne();
    assertThat(cells.faults.releaseHeldBack()).isEmpty();
  }

  @Test
  void aReturnThatFailsIsReportedAndTheAgentAndPortAreStillReleased() {
    CellId cell = cellFor(FaultInjector.Point.WORKTREE_RETURN, "fail");
    cells.faults.arm(FaultInjector.Point.WORKTREE_RETURN, FaultInjector.Fault.fail(), cell);

    CellOutcome outcome = cells.run(TaskSpec.of(cell.value(), "write return.txt r", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.teardownErrors()).singleElement().asString().startsWith("return worktree: ");
    assertThat(cells.ports.allocatedCount()).isZero();
    assertThat(cells.agent.liveSessions()).isZero();
    assertThat(cells.pool.leasedCount()).as("the worktree really was not returned").isOne();
    assertThat(cells.faults.releaseHeldBack()).isEmpty();
  }

  @Test
  void aReleaseThatFailsIsReportedAndTheAgentAndWorktreeAreStillGivenBackAndThePortIsNotLost() {
    CellId cell = cellFor(FaultInjector.Point.PORT_RELEASE, "fail");
    cells.faults.arm(FaultInjector.Point.PORT_RELEASE, FaultInjector.Fault.fail(), cell);

    CellOutcome outcome = cells.run(TaskSpec.of(cell.value(), "write release.txt r", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.teardownErrors())
        .singleElement()
        .asString()
        .startsWith("release port: ")
        .contains("injected fault");
    assertThat(cells.agent.liveSessions()).isZero();
    assertThat(cells.pool.leasedCount()).isZero();
    assertThat(cells.steps.liveCells()).isEmpty();
    assertThat(cells.ports.allocatedCount()).as("the port really was not released").isOne();
    assertThat(cells.faults.releaseHeldBack()).isEmpty();
    assertThat(cells.ports.allocatedCount()).isZero();
  }

  @Test
  void aReleaseThatFailsAfterThePortIsFreeIsReportedAndLeavesNothing() {
    CellId cell = cellFor(FaultInjector.Point.PORT_RELEASE, "fail-after");
    cells.faults.arm(
        FaultInjector.Point.PORT_RELEASE,
        new FaultInjector.Fault(FaultInjector.Fault.Action.FAIL, true),
        cell);

    CellOutcome outcome = cells.run(TaskSpec.of(cell.value(), "write released.txt r", "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.teardownErrors()).singleElement().asString().startsWith("release port: ");
    assertThat(cells.ports.allocatedCount()).isZero();
    assertThat(cells.faults.heldBackCount()).isZero();
  }

  @Test
  void worktreeAddAndResetFaultsFireOnlyOnTheirOwnPath() throws Exception {
    // A pool of its own that keeps no worktree warm by itself, so which path a lease takes is
    // known.
    try (LocalCells own = new LocalCells(temp.resolve("paths"), 24125, 24129, 0, 2)) {
      CellId cold = CellId.of("path-cold");
      own.faults.arm(FaultInjector.Point.WORKTREE_RESET, FaultInjector.Fault.fail(), cold);
      own.faults.arm(FaultInjector.Point.WORKTREE_ADD, FaultInjector.Fault.fail(), cold);

      CellOutcome added = own.run(TaskSpec.of(cold.value(), "write a.txt a", "main"));

      assertThat(own.faults.firedFor(cold))
          .extracting(FaultInjector.Fired::point)
          .containsExactly(FaultInjector.Point.WORKTREE_ADD);
      assertThat(added.status()).as("%s", added).isEqualTo(CellStatus.FAILED);
      assertThat(added.failedStep()).isEqualTo(CellStep.WORKTREE);
      assertThat(added.error())
          .startsWith("WorktreeFailed: ")
          .contains("injected fault: WORKTREE_ADD");
      assertThat(own.pool.idleCount()).as("the added worktree was given back").isOne();
      own.faults.disarm(cold);

      CellId warm = CellId.of("path-warm");
      own.faults.arm(FaultInjector.Point.WORKTREE_ADD, FaultInjector.Fault.fail(), warm);
      own.faults.arm(FaultInjector.Point.WORKTREE_RESET, FaultInjector.Fault.fail(), warm);

      CellOutcome reset = own.run(TaskSpec.of(warm.value(), "write a.txt a", "main"));

      assertThat(own.faults.firedFor(warm))
          .extracting(FaultInjector.Fired::point)
          .containsExactly(FaultInjector.Point.WORKTREE_RESET);
      assertThat(reset.failedStep()).isEqualTo(CellStep.WORKTREE);
      assertThat(reset.error()).contains("injected fault: WORKTREE_RESET");
      own.faults.disarm(warm);

      CellId hung = CellId.of("path-warm-hang");
      own.faults.arm(FaultInjector.Point.WORKTREE_RESET, FaultInjector.Fault.hang(), hung);
      AtomicReference<Thread> runner = new AtomicReference<>();
      CompletableFuture<CellOutcome> running =
          CompletableFuture.supplyAsync(
              () -> {
                runner.set(Thread.currentThread());
                try {
                  return own.run(TaskSpec.of(hung.value(), "write a.txt a", "main"));
                } finally {
                  Thread.interrupted();
                }
              });
      own.faults.awaitHanging(FaultInjector.Point.WORKTREE_RESET, hung, Duration.ofSeconds(20));
      runner.get().interrupt();
      CellOutcome interrupted = running.get(60, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(interrupted.failedStep()).as("%s", interrupted).isEqualTo(CellStep.WORKTREE);
      assertThat(List.of(added, reset, interrupted))
          .allSatisfy(outcome -> assertThat(outcome.teardownErrors()).isEmpty());
      own.invariants().assertHolds();
      assertThat(own.run(TaskSpec.of("path-clean", "write a.txt a", "main")).status())
          .isEqualTo(CellStatus.COMMITTED);
      own.invariants().assertHolds();
    }
  }

  @Test
  void aCheckoutHookPlantedInTheRepositoryRunsNeitherForAWarmNorForANewWorktree() throws Exception {
    // A pool of its own that keeps no worktree warm by itself, so which path a lease takes is
    // known.
    try (LocalCells own = new LocalCells(temp.resolve("hooks"), 24120, 24124, 0, 2)) {
      assertThat(own.run(TaskSpec.of("hook-before", "write a.txt a", "main")).status())
          .isEqualTo(CellStatus.COMMITTED);
      assertThat(own.pool.idleCount()).as("the returned worktree stays warm").isOne();
      Path marker = temp.resolve("post-checkout-ran");
      Path hook = own.repo.path().resolve(".git/hooks/post-checkout");
      java.nio.file.Files.writeString(hook, "#!/bin/sh\ntouch '" + marker + "'\nexit 1\n");
      hook.toFile().setExecutable(true);
      CellOutcome warm;
      CellOutcome cold;
      try {
        // Both cells reuse the warm worktree, reset with a checkout, which is where post-checkout
        // would run.
        warm = own.run(TaskSpec.of("hook-warm", "write a.txt a", "main"));
        cold = own.run(TaskSpec.of("hook-cold", "write a.txt a", "main"));
      } finally {
        java.nio.file.Files.delete(hook);
      }

      assertThat(List.of(warm, cold))
          .allSatisfy(
              outcome -> {
                assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
                assertThat(outcome.teardownErrors()).isEmpty();
              });
      assertThat(marker).doesNotExist();
      own.invariants().assertHolds();
    }
  }

  /**
   * A hang, and what ends it: an interrupt of the cell's thread, an abort of the turn, or a
   * release.
   */
  record Hang(
      FaultInjector.Point point,
      FaultInjector.Fault fault,
      String prompt,
      String end,
      CellStatus status,
      @Nullable CellStep step) {
    @Override
    public String toString() {
      return point
          + " "
          + fault
          + " ended by "
          + end
          + " -> "
          + status
          + (step == null ? "" : " at " + step);
    }
  }

  static Stream<Hang> hangs() {
    return Stream.of(
        new Hang(
            FaultInjector.Point.PORT_PROBE,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "release",
            CellStatus.COMMITTED,
            null),
        new Hang(
            FaultInjector.Point.AGENT_START,
            FaultInjector.Fault.hangAfter(),
            "write h.txt h",
            "interrupt",
            CellStatus.FAILED,
            CellStep.AGENT_START),
        new Hang(
            FaultInjector.Point.AGENT_HEALTH,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "interrupt",
            CellStatus.FAILED,
            CellStep.AGENT_READY),
        new Hang(
            FaultInjector.Point.PROMPT_SUBMIT,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "abort",
            CellStatus.FAILED,
            CellStep.EXECUTE),
        new Hang(
            FaultInjector.Point.TEST_START,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "interrupt",
            CellStatus.FAILED,
            CellStep.TEST),
        new Hang(
            FaultInjector.Point.TEST_HANG,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "interrupt",
            CellStatus.FAILED,
            CellStep.TEST),
        new Hang(
            FaultInjector.Point.COMMIT,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "release",
            CellStatus.COMMITTED,
            null),
        new Hang(
            FaultInjector.Point.COMMIT,
            FaultInjector.Fault.hangAfter(),
            "write h.txt h",
            "interrupt",
            CellStatus.FAILED,
            CellStep.COMMIT),
        new Hang(
            FaultInjector.Point.AGENT_STOP,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "interrupt",
            CellStatus.COMMITTED,
            null),
        new Hang(
            FaultInjector.Point.WORKTREE_RETURN,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "release",
            CellStatus.COMMITTED,
            null),
        new Hang(
            FaultInjector.Point.PORT_RELEASE,
            FaultInjector.Fault.hang(),
            "write h.txt h",
            "interrupt",
            CellStatus.COMMITTED,
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hangs")
  void aHangEndsWhenInterruptedAbortedOrReleasedAndLeavesNothing(Hang hang) throws Exception {
    CellId cell =
        cellFor(hang.point(), "hang-" + hang.end() + (hang.fault().after() ? "-after" : ""));
    arm(hang.point(), hang.fault(), cell);
    AtomicReference<Thread> runner = new AtomicReference<>();

    CompletableFuture<CellOutcome> running =
        CompletableFuture.supplyAsync(
            () -> {
              runner.set(Thread.currentThread());
              try {
                return cells.run(TaskSpec.of(cell.value(), hang.prompt(), "main"));
              } finally {
                Thread.interrupted();
              }
            });
    if (hang.point() == FaultInjector.Point.TEST_HANG) {
      // Here the test process itself hangs, not the decorator.
      awaitTestProcess();
    } else {
      cells.faults.awaitHanging(
          hang.point(),
          hang.point() == FaultInjector.Point.PORT_PROBE ? null : cell,
          Duration.ofSeconds(20));
    }
    switch (hang.end()) {
      case "interrupt" -> runner.get().interrupt();
      case "abort" -> cells.steps.abort(cell);
      default -> cells.faults.releaseHangs();
    }
    CellOutcome outcome = running.get(60, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(hang.status());
    if (hang.step() != null) {
      assertThat(outcome.failedStep()).as("%s", outcome).isEqualTo(hang.step());
    }
    if (hang.point() == FaultInjector.Point.AGENT_STOP
        || hang.point() == FaultInjector.Point.PORT_RELEASE) {
      assertThat(outcome.teardownErrors())
          .singleElement()
          .asString()
          .startsWith(
              hang.point() == FaultInjector.Point.AGENT_STOP ? "stop agent: " : "release port: ");
      assertThat(cells.faults.releaseHeldBack()).isEmpty();
    } else {
      assertThat(outcome.teardownErrors()).as("%s", outcome).isEmpty();
    }
  }

  /**
   * A TEST_HANG fault runs a real process that never ends; wait until it runs, so the interrupt has
   * one to stop.
   */
  private static void awaitTestProcess() {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ProcessHandle.current()
                    .descendants()
                    .anyMatch(p -> p.info().commandLine().orElse("").contains("sleep 3600")));
  }

  /**
   * A port probe cannot tell its cell (slf4j-simple keeps no MDC), so its faults are armed for any
   * cell.
   */
  private static void arm(FaultInjector.Point point, FaultInjector.Fault fault, CellId cell) {
    if (point == FaultInjector.Point.PORT_PROBE) {
      cells.faults.arm(point, fault);
    } else {
      cells.faults.arm(point, fault, cell);
    }
  }

  private static CellId cellFor(FaultInjector.Point point, String suffix) {
    return CellId.of(point.name().toLowerCase(Locale.ROOT).replace('_', '-') + "-" + suffix);
  }
}
