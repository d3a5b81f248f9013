package io.openswarm.core.lifecycle;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.StepTiming;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.agent.AgentProgress;
import io.openswarm.core.testrun.TestResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one cell in-process, without Temporal: bootstrap → verify the base (when the task's base check is on, see
 * {@link TaskSpec#verifyBase()}) → execute → test → commit if green, revert if red → teardown, which always runs.
 *
 * <pre>{@code
 * CellLifecycle lifecycle = new CellLifecycle(steps);
 * CellOutcome outcome = lifecycle.run(TaskSpec.of("add-readme", "Add a README", "main"));
 * }</pre>
 *
 * <p>This is the saga of DESIGN §1 driven locally; the Temporal {@code TcrWorkflow} drives the very same {@link
 * CellSteps} durably. A failing step ends the cell as {@link CellStatus#FAILED} naming the step; teardown then runs
 * in any case, and whatever it could not clean up is listed in {@link CellOutcome#teardownErrors()}; what the
 * steps' {@link io.openswarm.core.history.CellHistory} kept is named in {@link CellOutcome#historyPath()} and {@link
 * CellOutcome#rejectedRef()}.
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
    return run(task, AgentProgress.none());
  }

  /**
   * Runs {@code task} in a cell named after its id and returns how the cell ended. Never throws for a failing step:
   * that is a {@link CellStatus#FAILED} outcome.
   *
   * @param task the task to run
   * @param progress told about every sign of life of the agent
   * @return how the cell ended
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if a cell with the task's id is already live in these steps
   */
  public CellOutcome run(TaskSpec task, AgentProgress progress) {
    Objects.requireNonNull(task, "task cannot be null");
    Objects.requireNonNull(progress, "progress cannot be null");
    CellId cellId = CellId.of(task.taskId());
    List<StepTiming> timings = new ArrayList<>();
    List<String> changed = List.of();
    int changedCount = 0;
    CellOutcome outcome;
    CellBootstrap up;
    try {
      up = steps.bootstrap(cellId, task.baseRef(), task.taskId());
    } catch (CellStepException e) {
      timings.addAll(e.timings());
      return finish(CellOutcome.failed(cellId, e.step(), e.failureType() + ": " + e.getMessage()), changed,
          changedCount, timings, List.of());
    }
    timings.addAll(up.timings());
    TeardownResult teardown;
    // The step running now and when it began, for the timing of a step that fails.
    CellStep current = CellStep.EXECUTE;
    long currentStart = System.nanoTime();
    try {
      if (task.verifiesBase(steps.verifyBaseByDefault())) {
        current = CellStep.VERIFY_BASE;
        BaseCheckResult checked = steps.verifyBase(cellId, task.testCommand(), task.testTimeout());
        timings.add(new StepTiming(CellStep.VERIFY_BASE, checked.duration()));
        current = CellStep.EXECUTE;
        currentStart = System.nanoTime();
      }
      ExecuteResult executed = steps.execute(cellId, task.prompt(), task.executeTimeout(), progress);
      timings.add(new StepTiming(CellStep.EXECUTE, executed.duration()));
      changed = executed.changedFiles();
      changedCount = executed.changedFileCount();
      current = CellStep.TEST;
      currentStart = System.nanoTime();
      TestResult tested = steps.test(cellId, task.testCommand(), task.testTimeout());
      timings.add(new StepTiming(CellStep.TEST, tested.duration()));
      currentStart = System.nanoTime();
      if (tested.passed()) {
        current = CellStep.COMMIT;
        CommitResult committed = steps.commit(cellId, task.effectiveCommitMessage());
        timings.add(new StepTiming(CellStep.COMMIT, committed.duration()));
        outcome = committed.sha().map(sha -> CellOutcome.committed(cellId, sha))
            .orElseGet(() -> CellOutcome.noChanges(cellId));
      } else {
        current = CellStep.REVERT;
        timings.add(new StepTiming(CellStep.REVERT, steps.revert(cellId)));
        outcome = CellOutcome.reverted(cellId, tested.report());
      }
    } catch (CellStepException e) {
      timings.add(new StepTiming(current, Duration.ofNanos(System.nanoTime() - currentStart)));
      outcome = CellOutcome.failed(cellId, e.step(), e.failureType() + ": " + e.getMessage());
    } finally {
      // Teardown never throws; what it could not clean up is reported in the outcome.
      teardown = steps.teardown(cellId);
    }
    timings.add(new StepTiming(CellStep.TEARDOWN, teardown.duration()));
    return finish(outcome.withKept(teardown.historyPath(), teardown.rejectedRef()), changed, changedCount, timings,
        teardown.errors());
  }

  private CellOutcome finish(CellOutcome outcome, List<String> changed, int changedCount, List<StepTiming> timings,
      List<String> teardownErrors) {
    CellOutcome finished = outcome.withChangedFiles(changed, changedCount).withTimings(timings)
        .withTeardownErrors(teardownErrors).withHost(steps.host());
    log.info("cell {} {} in {} ms", outcome.cellId(), describe(finished), finished.totalDuration().toMillis());
    return finished;
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
