package io.openswarm.core.lifecycle;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.agent.AgentSession;
import io.openswarm.core.lifecycle.CellDriver.CellRun;
import io.openswarm.core.lifecycle.CellDriver.StepFailure;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one cell in-process, without Temporal: bootstrap → verify the base (when the task's base
 * check is on, see {@link TaskSpec#verifyBase()}) → execute → test → commit if green, revert if red
 * → teardown, which always runs.
 *
 * <pre>{@code
 * CellLifecycle lifecycle = new CellLifecycle(steps);
 * CellOutcome outcome = lifecycle.run(TaskSpec.of("add-readme", "Add a README", "main"));
 * }</pre>
 *
 * <p>This is the saga of DESIGN §1 driven locally: the {@link CellDriver} decides the sequence, as
 * it does for the Temporal {@code TcrWorkflow} and DAG task workflow, and here each step is a
 * direct call into {@link CellSteps}. A failing step ends the cell as {@link CellStatus#FAILED}
 * naming the step; teardown then runs in any case, and whatever it could not clean up is listed in
 * {@link CellOutcome#teardownErrors()}; what the steps' {@link
 * io.openswarm.core.history.CellHistory} kept is named in {@link CellOutcome#historyPath()} and
 * {@link CellOutcome#rejectedRef()}.
 *
 * <p>Thread-safe: any number of cells may run at once, one per call, each on the calling thread.
 */
public final class CellLifecycle {

  private static final Logger log = LoggerFactory.getLogger(CellLifecycle.class);

  private final CellSteps steps;

  /**
   * @param steps the steps to drive
   * @throws NullPointerException if {@code steps} is null
   */
  public CellLifecycle(CellSteps steps) {
    this.steps = Objects.requireNonNull(steps, "steps cannot be null");
  }

  /**
   * Runs {@code task} in a cell named after it, with no progress reporting.
   *
   * @param task the task to run; not null
   * @return how the cell ended
   * @throws NullPointerException if {@code task} is null
   * @throws IllegalStateException if a cell with the task's id is already live in these steps
   */
  public CellOutcome run(TaskSpec task) {
    return run(task, AgentSession.Progress.none());
  }

  /**
   * Runs {@code task} in a cell named after its id and returns how the cell ended. Never throws for
   * a failing step: that is a {@link CellStatus#FAILED} outcome.
   *
   * @param task the task to run
   * @param progress told about every sign of life of the agent
   * @return how the cell ended
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if a cell with the task's id is already live in these steps
   */
  public CellOutcome run(TaskSpec task, AgentSession.Progress progress) {
    Objects.requireNonNull(task, "task cannot be null");
    Objects.requireNonNull(progress, "progress cannot be null");
    LocalExecutor executor = new LocalExecutor(steps, progress);
    CellRun run;
    try {
      run = new CellDriver(executor, log).run(task, CellId.of(task.taskId()), 1, null);
    } catch (RuntimeException | Error unexpected) {
      // Not the failure of a step (a bug): the driver left the cell as it was; it still must not
      // outlive the call.
      executor.tearDownIfUp();
      throw unexpected;
    }
    CellOutcome outcome = run.outcome();
    CellOutcome finished = outcome.host() == null ? outcome.withHost(steps.host()) : outcome;
    log.info(
        "cell {} {} in {} ms",
        finished.cellId(),
        describe(finished),
        finished.totalDuration().toMillis());
    return finished;
  }

  /** The driver's steps as direct calls into {@link CellSteps}, on the calling thread. */
  private static final class LocalExecutor implements CellDriver.Executor {
    private final CellSteps steps;
    private final AgentSession.Progress progress;

    /** The cell this call brought up and has not torn down yet. */
    private @Nullable CellId up;

    LocalExecutor(CellSteps steps, AgentSession.Progress progress) {
      this.steps = steps;
      this.progress = progress;
    }

    @Override
    public CellSteps.Bootstrap bootstrap(CellId cell, TaskSpec task) {
      CellSteps.Bootstrap bootstrap = steps.bootstrap(cell, task.baseRef(), task.taskId());
      up = cell;
      return bootstrap;
    }

    @Override
    public boolean verifiesBase(CellSteps.Bootstrap cell, TaskSpec task) {
      return task.verifiesBase(steps.verifyBaseByDefault());
    }

    @Override
    public CellSteps.BaseCheck verifyBase(CellId cell, TaskSpec task) {
      return steps.verifyBase(cell, task.testCommand(), task.testTimeout());
    }

    @Override
    public CellSteps.Execution execute(CellId cell, TaskSpec task) {
      return steps.execute(cell, task.prompt(), task.executeTimeout(), progress);
    }

    @Override
    public TestRunner.Result test(CellId cell, TaskSpec task) {
      return steps.test(cell, task.testCommand(), task.testTimeout());
    }

    @Override
    public CellSteps.Commit commit(CellId cell, TaskSpec task) {
      return steps.commit(cell, task.effectiveCommitMessage());
    }

    @Override
    public Duration revert(CellId cell) {
      return steps.revert(cell);
    }

    @Override
    public BranchIntegration.Result integrate(CellId cell, String targetBranch, TaskSpec task) {
      return steps.integrate(cell, targetBranch, task.testCommand(), task.testTimeout());
    }

    @Override
    public CellSteps.Teardown teardown(CellId cell) {
      up = null;
      return steps.teardown(cell);
    }

    @Override
    public StepFailure failure(CellStep running, RuntimeException thrown) {
      if (thrown instanceof CellStepException failure) {
        return StepFailure.of(failure);
      }
      throw thrown;
    }

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    void tearDownIfUp() {
      CellId cell = up;
      if (cell != null) {
        teardown(cell);
      }
    }
  }

  private static String describe(CellOutcome outcome) {
    return switch (outcome.status()) {
      case COMMITTED -> "COMMITTED " + outcome.commit();
      case NO_CHANGES -> "NO_CHANGES";
      case REVERTED -> "REVERTED";
      case FAILED -> "FAILED at " + outcome.failedStep() + ": " + outcome.error();
    };
  }

  @Override
  public String toString() {
    return "CellLifecycle[host=" + steps.host() + "]";
  }
}
