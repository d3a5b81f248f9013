package io.openswarm.examples.workflows;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.temporal.CellActivities;
import io.openswarm.temporal.CellActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * The implementation: bootstrap on the shared queue, then every step on the cell's host queue (the
 * options from {@link CellActivityOptions} route them), the fix loop, and teardown in a detached
 * scope whatever happened.
 */
public final class FixUntilGreenWorkflowImpl implements FixUntilGreenWorkflow {

  private final CellActivityOptions options;
  private final int maxRounds;

  /**
   * @param options the worker's activity options
   * @param maxRounds how many agent turns at most (the first one included)
   */
  public FixUntilGreenWorkflowImpl(CellActivityOptions options, int maxRounds) {
    this.options = options;
    this.maxRounds = maxRounds;
  }

  @Override
  public CellOutcome run(TaskSpec task) {
    CellId cell = CellId.of(task.taskId());
    CellActivities shared =
        Workflow.newActivityStub(
            CellActivities.class, options.bootstrap(Workflow.getInfo().getTaskQueue()));
    CellActivities.HostedCell hosted;
    try {
      hosted = shared.bootstrap(new CellActivities.BootstrapRequest(cell, task.baseRef()));
    } catch (ActivityFailure failure) {
      return CellOutcome.failed(cell, CellStep.PORT, message(failure));
    }
    CellActivities onHost =
        Workflow.newActivityStub(CellActivities.class, options.onHost(hosted.hostQueue()));
    List<CellStep.Timing> timings = new ArrayList<>(hosted.cell().timings());
    List<String> changed = List.of();
    int changedCount = 0;
    CellOutcome outcome;
    try {
      String prompt = task.prompt();
      TestRunner.Result tests = null;
      for (int round = 1; round <= maxRounds; round++) {
        CellSteps.Execution turn =
            onHost.execute(new CellActivities.ExecuteRequest(cell, prompt, task.executeTimeout()));
        timings.add(new CellStep.Timing(CellStep.EXECUTE, turn.duration()));
        changed = turn.changedFiles();
        changedCount = turn.changedFileCount();
        tests =
            onHost.runTests(
                new CellActivities.TestRunRequest(cell, task.testCommand(), task.testTimeout()));
        timings.add(new CellStep.Timing(CellStep.TEST, tests.duration()));
        if (tests.passed()) {
          break;
        }
        prompt = "The tests fail after your change. Fix it so that they pass.\n\n" + tests.report();
      }
      if (tests != null && tests.passed()) {
        CellSteps.Commit commit =
            onHost.commit(new CellActivities.CommitRequest(cell, task.effectiveCommitMessage()));
        timings.add(new CellStep.Timing(CellStep.COMMIT, commit.duration()));
        outcome =
            commit.commit() == null
                ? CellOutcome.noChanges(cell)
                : CellOutcome.committed(cell, commit.commit());
      } else {
        timings.add(new CellStep.Timing(CellStep.REVERT, onHost.revert(cell)));
        outcome = CellOutcome.reverted(cell, tests == null ? "no test run" : tests.report());
      }
    } catch (ActivityFailure failure) {
      outcome = CellOutcome.failed(cell, CellStep.EXECUTE, message(failure));
    }
    List<String> teardownErrors = new ArrayList<>();
    CellActivities teardown =
        Workflow.newActivityStub(CellActivities.class, options.teardown(hosted.hostQueue()));
    Workflow.newDetachedCancellationScope(
            () -> {
              try {
                CellSteps.Teardown result = teardown.teardown(cell);
                timings.add(new CellStep.Timing(CellStep.TEARDOWN, result.duration()));
                teardownErrors.addAll(result.errors());
              } catch (ActivityFailure failure) {
                teardownErrors.add(message(failure));
              }
            })
        .run();
    return outcome
        .withChangedFiles(changed, changedCount)
        .withTimings(timings)
        .withTeardownErrors(teardownErrors)
        .withHost(hosted.cell().host());
  }

  private static String message(ActivityFailure failure) {
    return failure.getCause() instanceof ApplicationFailure application
        ? application.getType() + ": " + application.getOriginalMessage()
        : String.valueOf(failure.getCause());
  }
}
