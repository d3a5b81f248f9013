package io.openswarm.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.CellDriver.CellRun;
import io.openswarm.core.lifecycle.CellDriver.StepFailure;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The cell sequence and the host failover loop, over an executor that records what it is asked to
 * do.
 */
class CellDriverTest {

  private static final TaskSpec TASK = TaskSpec.of("t", "do it", "main");

  private final Script script = new Script();
  private final CellDriver driver =
      new CellDriver(script, LoggerFactory.getLogger(CellDriverTest.class));

  @Test
  void greenTestsCommitAndTheCellIsTornDownLast() {
    CellRun run = driver.run(TASK, CellId.of("t"), 3, null);

    assertThat(run.outcome().status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(run.outcome().commit()).isEqualTo("sha-t");
    assertThat(run.outcome().host()).isEqualTo("h1");
    assertThat(run.outcome().changedFiles()).containsExactly("a.txt");
    assertThat(run.integration()).isNull();
    assertThat(script.calls)
        .containsExactly("bootstrap t", "execute t", "test t", "commit t", "teardown t");
    assertThat(run.outcome().timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(
            CellStep.PORT, CellStep.EXECUTE, CellStep.TEST, CellStep.COMMIT, CellStep.TEARDOWN);
    assertThat(driver.done()).isTrue();
    assertThat(driver.step()).isNull();
    assertThat(driver.cellNumber()).isEqualTo(1);
  }

  @Test
  void redTestsRevertWithTheReport() {
    script.exitCode = 1;

    CellRun run = driver.run(TASK, CellId.of("t"), 3, null);

    assertThat(run.outcome().status()).isEqualTo(CellStatus.REVERTED);
    assertThat(run.outcome().testOutputTail()).startsWith("tests failed with exit code 1");
    assertThat(script.calls)
        .containsExactly("bootstrap t", "execute t", "test t", "revert t", "teardown t");
  }

  @Test
  void theBaseIsCheckedFirstWhenTheExecutorSaysSo() {
    script.verifiesBase = true;

    driver.run(TASK, CellId.of("t"), 1, null);

    assertThat(script.calls)
        .containsExactly(
            "bootstrap t", "verifyBase t", "execute t", "test t", "commit t", "teardown t");
  }

  @Test
  void aCommitIsIntegratedOnlyWhenATargetBranchIsGiven() {
    CellRun run = driver.run(TASK, CellId.of("t"), 1, "dag/x");

    assertThat(script.calls)
        .containsSubsequence("commit t", "integrate t into dag/x", "teardown t");
    assertThat(run.integration()).isNotNull();
    assertThat(run.integration().commit()).isEqualTo("merged-t");
    assertThat(run.outcome().timing(CellStep.INTEGRATE)).contains(Duration.ofMillis(6));
  }

  @Test
  void nothingToCommitIsNoChangesAndNothingIsIntegrated() {
    script.commit = null;

    CellRun run = driver.run(TASK, CellId.of("t"), 1, "dag/x");

    assertThat(run.outcome().status()).isEqualTo(CellStatus.NO_CHANGES);
    assertThat(script.calls).noneMatch(call -> call.startsWith("integrate"));
  }

  @Test
  void aFailedStepEndsTheCellAsFailedNamingItAndTeardownStillRuns() {
    script.failAt.add("test");

    CellRun run = driver.run(TASK, CellId.of("t"), 3, null);

    assertThat(run.outcome().status()).isEqualTo(CellStatus.FAILED);
    assertThat(run.outcome().failedStep()).isEqualTo(CellStep.TEST);
    assertThat(run.outcome().error()).isEqualTo("TestsTimedOut: test of t failed");
    assertThat(run.outcome().timing(CellStep.TEST))
        .as("the failed step is timed")
        .contains(Duration.ofNanos(5));
    assertThat(run.failure()).isNotNull();
    assertThat(script.calls).containsExactly("bootstrap t", "execute t", "test t", "teardown t");
  }

  @Test
  void aFailedBootstrapIsTheOutcomeWithItsTimingsAndNothingToTearDown() {
    script.failAt.add("bootstrap");

    CellRun run = driver.run(TASK, CellId.of("t"), 3, null);

    assertThat(run.outcome().failedStep()).isEqualTo(CellStep.WORKTREE);
    assertThat(run.outcome().timings())
        .extracting(CellStep.Timing::step)
        .containsExactly(CellStep.PORT, CellStep.WORKTREE);
    assertThat(run.bootstrap()).isNull();
    assertThat(script.calls).containsExactly("bootstrap t");
  }

  @Test
  void aLostHostMovesTheTaskToANewCellUpToTheLimit() {
    script.hostLostAt.add("execute t");
    script.hostLostAt.add("execute t-r2");

    CellRun run = driver.run(TASK, CellId.of("t"), 3, null);

    assertThat(run.outcome().status()).isEqualTo(CellStatus.COMMITTED);
    assertThat(run.outcome().cellId()).isEqualTo(CellId.of("t-r3"));
    assertThat(script.calls)
        .containsExactly(
            "bootstrap t",
            "execute t",
            "teardown t",
            "bootstrap t-r2",
            "execute t-r2",
            "teardown t-r2",
            "bootstrap t-r3",
            "execute t-r3",
            "test t-r3",
            "commit t-r3",
            "teardown t-r3");
    assertThat(driver.cellNumber()).isEqualTo(3);
  }

  @Test
  void aBootstrapThatFailsAsIfItsHostWereLostIsTheOutcomeNotANewCell() {
    script.hostLostAt.add("bootstrap t");

    CellRun run = driver.run(TASK, CellId.of("t"), 3, null);

    assertThat(run.hostLost()).isFalse();
    assertThat(run.outcome().status()).isEqualTo(CellStatus.FAILED);
    assertThat(script.calls).containsExactly("bootstrap t");
  }

  @Test
  void theLastCellsLostHostIsItsOutcomeOnceTheLimitIsReached() {
    script.hostLostAt.add("execute t");

    CellRun run = driver.run(TASK, CellId.of("t"), 1, null);

    assertThat(run.hostLost()).isTrue();
    assertThat(run.outcome().status()).isEqualTo(CellStatus.FAILED);
    assertThat(script.calls).containsExactly("bootstrap t", "execute t", "teardown t");
  }

  @Test
  void aCancellationIsThrownOnlyAfterTheCellIsTornDown() {
    script.cancelAt.add("execute");

    assertThatThrownBy(() -> driver.run(TASK, CellId.of("t"), 3, null))
        .isSameAs(script.cancellation);
    assertThat(script.calls).containsExactly("bootstrap t", "execute t", "teardown t");
  }

  @Test
  void whatTheExecutorDoesNotClassifyPropagatesWithoutTeardown() {
    script.bugAt.add("execute");

    assertThatThrownBy(() -> driver.run(TASK, CellId.of("t"), 3, null))
        .isInstanceOf(NullPointerException.class);
    assertThat(script.calls).containsExactly("bootstrap t", "execute t");
  }

  @Test
  void aDriverRunsOnceAndNeedsAtLeastOneCell() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> driver.run(TASK, CellId.of("t"), 0, null))
        .withMessage("maxCells must be at least 1 but was 0");
    driver.run(TASK, CellId.of("t"), 1, null);
    assertThatIllegalStateException()
        .isThrownBy(() -> driver.run(TASK, CellId.of("t"), 1, null))
        .withMessage("attempted to run a cell driver while in DONE state");
  }

  @Test
  void laterCellsGetASuffixAndStayValidForLongIds() {
    String longId = "x".repeat(CellId.MAX_LENGTH);
    assertThat(CellDriver.cellIdFor(longId, 1).value()).isEqualTo(longId);
    assertThat(CellDriver.cellIdFor(longId, 2).value())
        .isEqualTo("x".repeat(CellId.MAX_LENGTH - 3) + "-r2");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CellDriver.cellIdFor("t", 0))
        .withMessage("number must be at least 1 but was 0");
  }

  /** Records every call; fails, loses its host, is cancelled or throws a bug where told to. */
  private static final class Script implements CellDriver.Executor {
    final List<String> calls = new ArrayList<>();
    final Set<String> failAt = new HashSet<>();
    final Set<String> hostLostAt = new HashSet<>();
    final Set<String> cancelAt = new HashSet<>();
    final Set<String> bugAt = new HashSet<>();
    final RuntimeException cancellation = new IllegalStateException("cancelled");
    int exitCode;
    boolean verifiesBase;
    String commit = "sha-";
    private long now;

    private void call(String step, CellId cell) {
      calls.add(step + " " + cell);
      if (bugAt.contains(step)) {
        throw new NullPointerException("a bug in " + step);
      }
      if (cancelAt.contains(step)) {
        throw new Cancelled(cancellation);
      }
      if (hostLostAt.contains(step + " " + cell)) {
        throw new HostLost();
      }
      if (failAt.contains(step)) {
        throw new CellStepException(
            cell,
            step.equals("bootstrap") ? CellStep.WORKTREE : CellStep.TEST,
            step.equals("bootstrap") ? "WorktreeConflict" : "TestsTimedOut",
            false,
            step + " of " + cell + " failed",
            new IllegalStateException(step));
      }
    }

    @Override
    public CellSteps.Bootstrap bootstrap(CellId cell, TaskSpec task) {
      try {
        call("bootstrap", cell);
      } catch (CellStepException e) {
        e.recordTimings(
            List.of(
                new CellStep.Timing(CellStep.PORT, Duration.ofMillis(1)),
                new CellStep.Timing(CellStep.WORKTREE, Duration.ofMillis(2))));
        throw e;
      }
      return new CellSteps.Bootstrap(
          cell,
          "h1",
          8000,
          "/tmp/wt",
          "swarm/" + cell,
          "base",
          List.of(new CellStep.Timing(CellStep.PORT, Duration.ofMillis(1))));
    }

    @Override
    public boolean verifiesBase(CellSteps.Bootstrap cell, TaskSpec task) {
      return verifiesBase;
    }

    @Override
    public CellSteps.BaseCheck verifyBase(CellId cell, TaskSpec task) {
      call("verifyBase", cell);
      return new CellSteps.BaseCheck("base", false, Duration.ofMillis(7));
    }

    @Override
    public CellSteps.Execution execute(CellId cell, TaskSpec task) {
      call("execute", cell);
      return new CellSteps.Execution("done", List.of("a.txt"), Duration.ofMillis(5));
    }

    @Override
    public TestRunner.Result test(CellId cell, TaskSpec task) {
      call("test", cell);
      return new TestRunner.Result(exitCode, false, "out", false, 3, Duration.ofMillis(3));
    }

    @Override
    public CellSteps.Commit commit(CellId cell, TaskSpec task) {
      call("commit", cell);
      return new CellSteps.Commit(commit == null ? null : commit + cell, Duration.ofMillis(2));
    }

    @Override
    public Duration revert(CellId cell) {
      call("revert", cell);
      return Duration.ofMillis(2);
    }

    @Override
    public BranchIntegration.Result integrate(CellId cell, String targetBranch, TaskSpec task) {
      calls.add("integrate " + cell + " into " + targetBranch);
      return BranchIntegration.Result.integrated(targetBranch, "merged-" + cell, "base", 1, 0)
          .withDuration(Duration.ofMillis(6));
    }

    @Override
    public CellSteps.Teardown teardown(CellId cell) {
      calls.add("teardown " + cell);
      return new CellSteps.Teardown(List.of(), Duration.ofMillis(1), true, null, null);
    }

    @Override
    public StepFailure failure(CellStep running, RuntimeException thrown) {
      if (thrown instanceof CellStepException failure) {
        return StepFailure.of(failure);
      }
      if (thrown instanceof HostLost) {
        return new StepFailure(
            running, "TimedOut", "TimedOut: the host is gone", true, true, false, List.of(), null);
      }
      if (thrown instanceof Cancelled cancelled) {
        return new StepFailure(
            running, "Cancelled", "Cancelled", false, false, true, List.of(), cancelled.reason);
      }
      throw thrown;
    }

    @Override
    public long nanoTime() {
      // Every reading 5 ns after the last: a failed step, entered at one reading and timed at the
      // next, took 5 ns.
      now += 5;
      return now;
    }
  }

  private static final class HostLost extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  private static final class Cancelled extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient RuntimeException reason;

    Cancelled(RuntimeException reason) {
      this.reason = reason;
    }
  }
}
