package io.openswarm.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.agent.AgentException;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.files.DeepTrees;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.testrun.TestCommandNotRunnableException;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeProvider;
import io.openswarm.core.worktree.WorktreeSetup;
import io.openswarm.core.worktree.WorktreeSetupException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The saga logic of {@link CellSteps} and {@link CellLifecycle} over in-memory collaborators that
 * record what was acquired and released; the end-to-end tests with real git and processes live in
 * swarm-testkit.
 */
class CellLifecycleTest {

  @TempDir Path temp;

  private final List<String> events = new CopyOnWriteArrayList<>();
  private PortManager ports;
  private FakeWorktrees worktrees;
  private FakeAgent agent;
  private FakeChanges changes;
  private FakeTests tests;

  @BeforeEach
  void setUp() {
    ports = PortManager.newBuilder().range(20000, 20001).probe(PortProbe.none()).build();
    worktrees = new FakeWorktrees();
    agent = new FakeAgent();
    changes = new FakeChanges();
    tests = new FakeTests();
  }

  private CellSteps steps() {
    return CellSteps.newBuilder()
        .ports(ports)
        .worktrees(worktrees)
        .changes(changes)
        .agent(agent)
        .tests(tests)
        .cellsDirectory(temp.resolve("cells"))
        .host("host-a")
        .build();
  }

  private void assertNothingLeft(CellSteps steps) {
    assertThat(ports.allocatedCount()).as("ports leased").isZero();
    assertThat(worktrees.leased).as("worktrees leased").isEmpty();
    assertThat(agent.live).as("agents running").isEmpty();
    assertThat(steps.liveCells()).as("live cells").isEmpty();
    assertThat(temp.resolve("cells").resolve("t1")).doesNotExist();
  }

  @Test
  void greenTestsCommitAndTeardownUndoesBootstrapInReverse() {
    changes.changed =
        List.of(new WorktreeChanges.ChangedFile("a.txt", WorktreeChanges.ChangedFile.Change.ADDED));
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "add a", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.commit()).isEqualTo("sha-1");
    assertThat(outcome.changedFiles()).containsExactly("a.txt");
    assertThat(outcome.host()).isEqualTo("host-a");
    assertThat(outcome.cleanTeardown()).isTrue();
    assertThat(outcome.timings())
        .extracting(t -> t.step())
        .containsExactly(
            CellStep.PORT,
            CellStep.WORKTREE,
            CellStep.AGENT_START,
            CellStep.AGENT_READY,
            CellStep.EXECUTE,
            CellStep.TEST,
            CellStep.COMMIT,
            CellStep.TEARDOWN);
    assertThat(events)
        .containsSubsequence(
            "acquire t1", "start t1", "prompt t1", "commit t1: t1: add a", "stop t1", "release t1");
    assertNothingLeft(steps);
  }

  @Test
  void aRedCellKeepsItsReportsAndChangeBeforeTheRevertAndItsLogsBeforeTheStateFolderGoes() {
    tests.exitCode = 1;
    CellSteps steps =
        CellSteps.newBuilder()
            .ports(ports)
            .worktrees(worktrees)
            .changes(changes)
            .agent(agent)
            .tests(tests)
            .cellsDirectory(temp.resolve("cells"))
            .host("host-a")
            .history(recordingHistory())
            .build();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "break a", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.REVERTED);
    assertThat(outcome.rejectedRef()).isEqualTo("refs/swarm/rejected/t1");
    assertThat(outcome.historyPath()).isEqualTo("/history/t1");
    assertThat(events)
        .containsSubsequence(
            "open t1 for task t1",
            "leased t1",
            "reports t1",
            "keep change t1",
            "revert t1",
            "stop t1",
            "release t1",
            "close t1 with state folder present");
    assertNothingLeft(steps);
  }

  @Test
  void aCommittedCellsRecordNamesItsCommit() {
    changes.changed =
        List.of(new WorktreeChanges.ChangedFile("a.txt", WorktreeChanges.ChangedFile.Change.ADDED));
    CellSteps steps =
        CellSteps.newBuilder()
            .ports(ports)
            .worktrees(worktrees)
            .changes(changes)
            .agent(agent)
            .tests(tests)
            .cellsDirectory(temp.resolve("cells"))
            .host("host-a")
            .history(recordingHistory())
            .build();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "add a", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.rejectedRef()).isNull();
    assertThat(outcome.historyPath()).isEqualTo("/history/t1");
    assertThat(events)
        .contains("committed t1 as sha-1")
        .doesNotContain("reports t1", "keep change t1");
  }

  @Test
  void aFailedBootstrapStillKeepsWhatTheCellLogged() {
    agent.failStart = true;
    CellSteps steps =
        CellSteps.newBuilder()
            .ports(ports)
            .worktrees(worktrees)
            .changes(changes)
            .agent(agent)
            .tests(tests)
            .cellsDirectory(temp.resolve("cells"))
            .host("host-a")
            .history(recordingHistory())
            .build();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "add a", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(events)
        .contains("open t1 for task t1")
        .anyMatch(event -> event.startsWith("close t1"));
    assertNothingLeft(steps);
  }

  /**
   * A history that records its calls in {@link #events}; its record closes while the state folder
   * still exists.
   */
  private io.openswarm.core.history.CellHistory recordingHistory() {
    return (cellId, taskId, stateDirectory) -> {
      events.add("open " + cellId + " for task " + taskId);
      return new io.openswarm.core.history.CellHistory.CellRecord() {
        @Override
        public void leased(WorktreeLease worktree) {
          events.add("leased " + cellId);
        }

        @Override
        public void keepReports(WorktreeLease worktree) {
          events.add("reports " + cellId);
        }

        @Override
        public Optional<String> keepRejected(WorktreeLease worktree) {
          events.add("keep change " + cellId);
          return Optional.of("refs/swarm/rejected/" + cellId);
        }

        @Override
        public void committed(WorktreeLease worktree, String sha) {
          events.add("committed " + cellId + " as " + sha);
        }

        @Override
        public Optional<String> close() {
          events.add(
              "close "
                  + cellId
                  + " with state folder "
                  + (Files.exists(stateDirectory) ? "present" : "absent"));
          return Optional.of("/history/" + cellId);
        }
      };
    };
  }

  @Test
  void aStateFolderWhereTheAgentNestedDirectoriesBeyondThePathLimitIsDeletedAtTeardown() {
    agent.nestBeyondPathMax = true;
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "nest", "main"));

    assertThat(outcome.teardownErrors()).isEmpty();
    assertNothingLeft(steps);
  }

  @Test
  void theSetUpRunsAfterTheWorktreeIsLeasedAndBeforeTheAgentStartsWithTheStateFolderInPlace() {
    CellSteps steps =
        CellSteps.newBuilder()
            .ports(ports)
            .worktrees(worktrees)
            .changes(changes)
            .agent(agent)
            .tests(tests)
            .cellsDirectory(temp.resolve("cells"))
            .host("host-a")
            .setup(
                request -> {
                  assertThat(request.stateDirectory()).isDirectory();
                  events.add(
                      "set up "
                          + request.cellId()
                          + " in "
                          + request.worktree().path().getFileName());
                  return new WorktreeSetup.Result(true, "new worktree", Duration.ofMillis(5));
                })
            .build();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "add a", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(events).containsSubsequence("acquire t1", "set up t1 in wt-t1", "start t1");
    assertNothingLeft(steps);
  }

  @Test
  void aFailingSetUpFailsTheCellAtWorktreeWithItsOutputAndReleasesEverything() {
    CellSteps steps =
        CellSteps.newBuilder()
            .ports(ports)
            .worktrees(worktrees)
            .changes(changes)
            .agent(agent)
            .tests(tests)
            .cellsDirectory(temp.resolve("cells"))
            .host("host-a")
            .setup(
                request -> {
                  throw new WorktreeSetupException(
                      "the set-up command 'npm' exited with code 1; output:\nnpm ERR! 404",
                      false,
                      "npm ERR! 404");
                })
            .build();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "add a", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.WORKTREE);
    assertThat(outcome.error())
        .isEqualTo(
            "SetupFailed: the set-up of the worktree of cell t1 failed: the set-up "
                + "command 'npm' exited with code 1; output:\nnpm ERR! 404");
    assertThat(outcome.testOutputTail()).as("no verdict").isNull();
    assertThat(events).contains("release t1").doesNotContain("start t1", "revert t1");
    assertNothingLeft(steps);
  }

  @Test
  void redTestsRevertWithTheOutputTail() {
    tests.exitCode = 1;
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "break it", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.REVERTED);
    assertThat(outcome.testOutputTail()).isEqualTo("tests failed with exit code 1\nboom");
    assertThat(events).contains("revert t1").doesNotContain("commit t1: t1: break it");
    assertNothingLeft(steps);
  }

  @Test
  void greenTestsWithNothingChangedAreNoChanges() {
    changes.commitSha = null;
    CellOutcome outcome = new CellLifecycle(steps()).run(TaskSpec.of("t1", "look", "main"));
    assertThat(outcome.status()).isEqualTo(CellStatus.NO_CHANGES);
  }

  @Test
  void aTasksOwnTestCommandAndTimeoutReachTheRunner() {
    new CellLifecycle(steps())
        .run(
            TaskSpec.of("t1", "x", "main")
                .withTestCommand(List.of("make", "check"))
                .withTestTimeout(Duration.ofSeconds(7)));
    assertThat(tests.lastRequest.command()).containsExactly("make", "check");
    assertThat(tests.lastRequest.timeout()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void aFailingAgentStartReleasesTheWorktreeAndThePortAndReportsTheStepTimings() {
    agent.failStart = true;
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.AGENT_START);
    assertThat(outcome.error())
        .startsWith("AgentStartFailed: AGENT_START of cell t1 failed: no binary");
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(CellStep.PORT, CellStep.WORKTREE, CellStep.AGENT_START);
    assertThat(events).containsSubsequence("acquire t1", "release t1");
    assertNothingLeft(steps);
  }

  @Test
  void anAgentThatNeverBecomesReadyIsStopped() {
    agent.neverReady = true;
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.failedStep()).isEqualTo(CellStep.AGENT_READY);
    assertThat(outcome.error()).startsWith("AgentNotReady: ");
    assertThat(events).containsSubsequence("start t1", "stop t1", "release t1");
    assertNothingLeft(steps);
  }

  @Test
  void aWorktreeConflictIsNamedAndThePortReleased() {
    worktrees.conflict = true;
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.failedStep()).isEqualTo(CellStep.WORKTREE);
    assertThat(outcome.error()).startsWith("WorktreeConflict: ");
    assertNothingLeft(steps);
  }

  @Test
  void portExhaustionFailsTheCellWithoutTouchingAnythingElse() {
    ports.allocate();
    ports.allocate();
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.failedStep()).isEqualTo(CellStep.PORT);
    assertThat(outcome.error())
        .startsWith(
            "PortExhausted: PORT of cell t1 failed: no available ports in range "
                + "20000-20001 (all 2 ports allocated)");
    assertThat(events).isEmpty();
    assertThat(steps.liveCells()).isEmpty();
  }

  @Test
  void aFailedTurnStillTearsDown() {
    agent.failTurn = true;
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.failedStep()).isEqualTo(CellStep.EXECUTE);
    assertThat(outcome.error()).startsWith("AgentTurnFailed: ");
    assertThat(outcome.timing(CellStep.EXECUTE)).as("the failed step is timed too").isPresent();
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .endsWith(CellStep.EXECUTE, CellStep.TEARDOWN);
    assertNothingLeft(steps);
  }

  @Test
  void testsThatCannotStartFailTheCell() {
    tests.cannotStart = true;
    CellOutcome outcome = new CellLifecycle(steps()).run(TaskSpec.of("t1", "x", "main"));
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error()).startsWith("TestsFailedToStart: ");
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .endsWith(CellStep.EXECUTE, CellStep.TEST, CellStep.TEARDOWN);
  }

  @ParameterizedTest(name = "exit code {0}")
  @ValueSource(ints = {126, 127})
  void aCommandThatExitsWithAShellsNotRunnableCodeFailsAtTestAndIsNeitherRevertedNorCommitted(
      int exitCode) {
    tests.exitCode = exitCode;
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error())
        .startsWith(
            "TestCommandNotRunnable: the test command of cell t1 could not run: "
                + "it exited with "
                + exitCode)
        .endsWith("boom");
    assertThat(events).noneMatch(e -> e.startsWith("revert") || e.startsWith("commit"));
    assertThat(outcome.timings())
        .extracting(CellStep.Timing::step)
        .endsWith(CellStep.EXECUTE, CellStep.TEST, CellStep.TEARDOWN);
    assertNothingLeft(steps);
  }

  @Test
  void aRunnerThatFindsNoProgramFailsAtTestWithTestCommandNotRunnable() {
    tests.notRunnable = true;

    CellOutcome outcome = new CellLifecycle(steps()).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error())
        .isEqualTo(
            "TestCommandNotRunnable: the test command of cell t1 could not run: program 'mocha' was not found");
    assertThat(events).noneMatch(e -> e.startsWith("revert") || e.startsWith("commit"));
  }

  @Test
  void aRunKilledAtItsTimeLimitFailsAtTestWithTestsTimedOutInsteadOfReverting() {
    tests.exitCode = 137;
    tests.timedOut = true;

    CellOutcome outcome = new CellLifecycle(steps()).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error())
        .startsWith("TestsTimedOut: the tests of cell t1 ran past their time limit")
        .contains("tests timed out after 3 ms\nboom");
    assertThat(events).noneMatch(e -> e.startsWith("revert") || e.startsWith("commit"));
  }

  @Test
  void aRunTheLibraryStoppedFailsAtTestWithTestRunKilledInsteadOfReverting() {
    tests.exitCode = 143;
    tests.stopped = true;

    CellOutcome outcome = new CellLifecycle(steps()).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.FAILED);
    assertThat(outcome.failedStep()).isEqualTo(CellStep.TEST);
    assertThat(outcome.error())
        .startsWith("TestRunKilled: the tests of cell t1 were stopped by the library")
        .endsWith("boom");
    assertThat(events).noneMatch(e -> e.startsWith("revert") || e.startsWith("commit"));
  }

  @Test
  void teardownRunsEveryCompensationAndReportsEachFailure() {
    agent.failStop = true;
    worktrees.failRelease = true;
    CellSteps steps = steps();

    CellOutcome outcome = new CellLifecycle(steps).run(TaskSpec.of("t1", "x", "main"));

    assertThat(outcome.status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.teardownErrors())
        .containsExactly(
            "stop agent: IllegalStateException: agent t1 would not stop",
            "return worktree: WorktreeException: worktree t1 is busy");
    assertThat(ports.allocatedCount())
        .as("the port is released even after earlier failures")
        .isZero();
    assertThat(steps.liveCells()).isEmpty();
  }

  @Test
  void teardownIsIdempotentAndStepsOfAnUnknownCellFailClearly() {
    CellSteps steps = steps();
    CellId cell = CellId.of("t1");
    steps.bootstrap(cell, "main");

    assertThat(steps.teardown(cell).wasLive()).isTrue();
    assertThat(steps.teardown(cell).wasLive()).isFalse();
    assertThatThrownBy(() -> steps.test(cell))
        .isInstanceOf(CellStepException.class)
        .hasMessage(
            "cell t1 is not live on host host-a (it was torn down, or this worker restarted)")
        .satisfies(e -> assertThat(((CellStepException) e).failureType()).isEqualTo("CellNotLive"));
  }

  @Test
  void aSecondTeardownWaitsForAStopThatHangsOnlyForTheGraceThenReleasesTheRestOnce()
      throws Exception {
    agent.stopping = new CountDownLatch(1);
    agent.stopGate = new CountDownLatch(1);
    CellSteps steps = steps();
    CellId cell = CellId.of("t1");
    steps.bootstrap(cell, "main");
    CompletableFuture<CellSteps.Teardown> first = new CompletableFuture<>();
    CompletableFuture<CellSteps.Teardown> second = new CompletableFuture<>();
    Thread firstThread = new Thread(() -> first.complete(steps.teardown(cell)), "teardown-1");
    Thread secondThread = new Thread(() -> second.complete(steps.teardown(cell)), "teardown-2");
    try {
      firstThread.start();
      assertThat(agent.stopping.await(10, TimeUnit.SECONDS))
          .as("the first teardown reached the agent")
          .isTrue();
      long secondStarted = System.nanoTime();
      secondThread.start();
      // The second returns only once the first is done, or once the grace for a stop that hangs has
      // passed.
      CellSteps.Teardown secondResult = second.get(30, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - secondStarted))
          .as("a teardown returned while the agent was still stopping, before the grace")
          .isGreaterThanOrEqualTo(CellSteps.CONCURRENT_TEARDOWN_GRACE);
      assertThat(secondResult.wasLive()).as("it released what the first had not reached").isTrue();
      assertThat(first).as("the first is still stopping the agent").isNotDone();
    } finally {
      agent.stopGate.countDown();
      firstThread.join(10_000);
      secondThread.join(10_000);
    }

    assertThat(first.get().wasLive()).isTrue();
    assertThat(events).filteredOn(e -> e.equals("release t1")).hasSize(1);
    assertThat(events).filteredOn(e -> e.equals("stop t1")).hasSize(1);
    assertNothingLeft(steps);
  }

  @Test
  void aCellCannotBeBootstrappedTwice() {
    CellSteps steps = steps();
    steps.bootstrap(CellId.of("t1"), "main");
    try {
      assertThatThrownBy(() -> steps.bootstrap(CellId.of("t1"), "main"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("cell t1 is already live on host host-a");
    } finally {
      steps.teardown(CellId.of("t1"));
    }
    assertNothingLeft(steps);
  }

  @Test
  void builderNamesWhatIsMissing() {
    assertThatThrownBy(() -> CellSteps.newBuilder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ports must be set before build()");
    assertThatThrownBy(() -> CellSteps.newBuilder().readyTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("readyTimeout must be positive but was PT0S");
    assertThatThrownBy(() -> CellSteps.newBuilder().portWait(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("portWait must not be negative but was PT-1S");
  }

  // ---- in-memory collaborators
  // --------------------------------------------------------------------------------

  private final class FakeWorktrees implements WorktreeProvider {
    final Map<CellId, WorktreeLease> leased = new ConcurrentHashMap<>();
    boolean conflict;
    boolean failRelease;

    @Override
    public WorktreeLease acquire(CellId cellId, String baseRef) {
      if (conflict) {
        throw new WorktreeException(
            WorktreeException.Reason.BRANCH_CONFLICT, "branch swarm/" + cellId + " holds commits");
      }
      Path path = temp.resolve("wt-" + cellId);
      try {
        Files.createDirectories(path);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      events.add("acquire " + cellId);
      WorktreeLease lease =
          new WorktreeLease() {
            @Override
            public CellId cellId() {
              return cellId;
            }

            @Override
            public Path path() {
              return path;
            }

            @Override
            public String branch() {
              return "swarm/" + cellId;
            }

            @Override
            public String baseCommit() {
              return "base-sha";
            }

            @Override
            public void close() {
              leased.remove(cellId);
              events.add("release " + cellId);
              if (failRelease) {
                throw new WorktreeException(
                    WorktreeException.Reason.GIT_FAILED, "worktree " + cellId + " is busy");
              }
            }
          };
      leased.put(cellId, lease);
      return lease;
    }

    @Override
    public Optional<WorktreeLease> find(CellId cellId) {
      return Optional.ofNullable(leased.get(cellId));
    }
  }

  private final class FakeAgent implements AgentRuntime {
    final Map<CellId, AgentSession> live = new ConcurrentHashMap<>();
    boolean failStart;
    boolean neverReady;
    boolean failTurn;
    boolean failStop;

    /**
     * When set with {@link #stopGate}: counted down when a stop begins, which then waits for the
     * gate.
     */
    volatile CountDownLatch stopping;

    volatile CountDownLatch stopGate;
    boolean nestBeyondPathMax;

    @Override
    public String name() {
      return "fake";
    }

    @Override
    public AgentSession start(AgentRuntime.Context context) {
      if (failStart) {
        throw new AgentException(AgentException.Reason.START_FAILED, "no binary");
      }
      assertThat(context.stateDirectory()).isDirectory();
      events.add("start " + context.cellId());
      AgentSession session =
          new AgentSession() {
            @Override
            public void awaitReady(Duration timeout) {
              if (neverReady) {
                throw new AgentException(AgentException.Reason.NOT_READY, "not healthy in time");
              }
            }

            @Override
            public AgentSession.Turn prompt(
                String prompt, Duration timeout, AgentSession.Progress progress) {
              events.add("prompt " + context.cellId());
              if (failTurn) {
                throw new AgentException(AgentException.Reason.TURN_FAILED, "model error");
              }
              if (nestBeyondPathMax) {
                try {
                  // 40 levels of 200 characters: paths of 8,000 bytes, twice PATH_MAX.
                  DeepTrees.create(context.stateDirectory(), "nest", 40, 200);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              }
              return AgentSession.Turn.of("done");
            }

            @Override
            public void abort() {}

            @Override
            public void close() {
              CountDownLatch signal = stopping;
              CountDownLatch gate = stopGate;
              if (signal != null && gate != null) {
                signal.countDown();
                try {
                  gate.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              live.remove(context.cellId());
              events.add("stop " + context.cellId());
              if (failStop) {
                throw new IllegalStateException("agent " + context.cellId() + " would not stop");
              }
            }
          };
      live.put(context.cellId(), session);
      return session;
    }
  }

  private final class FakeChanges implements WorktreeChanges {
    List<WorktreeChanges.ChangedFile> changed = List.of();
    String commitSha = "sha-1";

    @Override
    public Optional<String> commit(WorktreeLease lease, String message, CommitAuthor author) {
      events.add("commit " + lease.cellId() + ": " + message);
      return Optional.ofNullable(commitSha);
    }

    @Override
    public List<WorktreeChanges.ChangedFile> changedFiles(WorktreeLease lease) {
      return new ArrayList<>(changed);
    }

    @Override
    public void revert(WorktreeLease lease) {
      events.add("revert " + lease.cellId());
    }
  }

  private static final class FakeTests implements TestRunner {
    int exitCode;
    boolean cannotStart;
    boolean notRunnable;
    boolean timedOut;
    boolean stopped;
    TestRunner.Request lastRequest;

    @Override
    public TestRunner.Result run(TestRunner.Request request) throws IOException {
      lastRequest = request;
      if (cannotStart) {
        throw new IOException("./test.sh: not found");
      }
      if (notRunnable) {
        throw new TestCommandNotRunnableException("program 'mocha' was not found", "mocha", "");
      }
      return new TestRunner.Result(
          exitCode,
          timedOut,
          stopped,
          exitCode == 0 ? "ok" : "boom",
          false,
          4,
          Duration.ofMillis(3));
    }
  }
}
