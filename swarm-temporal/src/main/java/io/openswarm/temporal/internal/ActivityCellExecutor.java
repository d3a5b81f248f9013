package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.CellDriver;
import io.openswarm.core.lifecycle.CellDriver.StepFailure;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.temporal.CellActivities;
import io.openswarm.temporal.CellActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@link CellDriver}'s steps as {@link CellActivities}: bootstrap on the workflow's own
 * (shared) task queue, every later step on the host queue the bootstrap returned, teardown in a
 * detached cancellation scope. The activities' arguments are built here and nowhere else, so every
 * workflow that drives a cell schedules the same commands.
 *
 * <p>Workflow code: deterministic, no I/O; one instance per workflow run, used from its workflow
 * thread.
 */
final class ActivityCellExecutor implements CellDriver.Executor {

  private final CellActivityOptions options;
  private final CellActivities shared;

  /** The current cell's host queue and the stub that schedules on it; set by each bootstrap. */
  private @Nullable String hostQueue;

  private @Nullable CellActivities onHost;
  private CellActivities.@Nullable HostedCell hosted;

  /**
   * @param options the timeouts and retry rules of the cell's activities
   */
  ActivityCellExecutor(CellActivityOptions options) {
    this.options = Objects.requireNonNull(options, "options cannot be null");
    this.shared =
        Workflow.newActivityStub(
            CellActivities.class, options.bootstrap(Workflow.getInfo().getTaskQueue()));
  }

  @Override
  public CellSteps.Bootstrap bootstrap(CellId cell, TaskSpec task) {
    hosted = null;
    CellActivities.HostedCell up =
        shared.bootstrap(
            new CellActivities.BootstrapRequest(
                cell, task.baseRef(), task.taskId(), task.verifyBase()));
    hosted = up;
    hostQueue = up.hostQueue();
    onHost = Workflow.newActivityStub(CellActivities.class, options.onHost(up.hostQueue()));
    return up.cell();
  }

  @Override
  public boolean verifiesBase(CellSteps.Bootstrap cell, TaskSpec task) {
    // The host's answer (the task's choice, else the host's default), guarded by the version
    // marker.
    return CellWorkflowSupport.shouldVerifyBase(Objects.requireNonNull(hosted));
  }

  @Override
  public CellSteps.BaseCheck verifyBase(CellId cell, TaskSpec task) {
    return host()
        .verifyBase(
            new CellActivities.TestRunRequest(cell, task.testCommand(), task.testTimeout()));
  }

  @Override
  public CellSteps.Execution execute(CellId cell, TaskSpec task) {
    return host()
        .execute(new CellActivities.ExecuteRequest(cell, task.prompt(), task.executeTimeout()));
  }

  @Override
  public TestRunner.Result test(CellId cell, TaskSpec task) {
    return host()
        .runTests(new CellActivities.TestRunRequest(cell, task.testCommand(), task.testTimeout()));
  }

  @Override
  public CellSteps.Commit commit(CellId cell, TaskSpec task) {
    return host().commit(new CellActivities.CommitRequest(cell, task.effectiveCommitMessage()));
  }

  @Override
  public Duration revert(CellId cell) {
    return host().revert(cell);
  }

  @Override
  public BranchIntegration.Result integrate(CellId cell, String targetBranch, TaskSpec task) {
    return host()
        .integrate(
            new CellActivities.IntegrateRequest(
                cell, targetBranch, task.testCommand(), task.testTimeout()));
  }

  @Override
  public CellSteps.Teardown teardown(CellId cell) {
    long started = Workflow.currentTimeMillis();
    CellWorkflowSupport.Teardown teardown =
        CellWorkflowSupport.teardown(options, cell, Objects.requireNonNull(hostQueue));
    CellSteps.Teardown result = teardown.result();
    if (result != null) {
      return result;
    }
    // The teardown activity itself failed: the errors say why; the time is what the workflow waited
    // for it.
    Duration waited = Duration.ofMillis(Math.max(0, Workflow.currentTimeMillis() - started));
    return new CellSteps.Teardown(teardown.errors(), waited, true, null, null);
  }

  @Override
  public StepFailure failure(CellStep running, RuntimeException thrown) {
    if (thrown instanceof ActivityFailure failure) {
      CanceledFailure cancelled = failure.getCause() instanceof CanceledFailure c ? c : null;
      return new StepFailure(
          CellWorkflowSupport.failedStep(failure, running),
          CellWorkflowSupport.type(failure),
          CellWorkflowSupport.describe(failure),
          CellWorkflowSupport.retryable(failure),
          CellWorkflowSupport.isHostLost(failure),
          cancelled != null,
          running == CellStep.PORT ? CellWorkflowSupport.bootstrapTimings(failure) : List.of(),
          cancelled);
    }
    if (thrown instanceof CanceledFailure cancelled && running != CellStep.PORT) {
      // The workflow was cancelled while it waited for a step: tear down, then let the cancellation
      // through. (While
      // it waited for the bootstrap, there is nothing to tear down: the cancellation goes through
      // at once.)
      return new StepFailure(
          running,
          CellWorkflowSupport.CANCELLED,
          "Cancelled: the workflow was cancelled",
          false,
          false,
          true,
          List.of(),
          cancelled);
    }
    throw thrown;
  }

  @Override
  public long nanoTime() {
    return Workflow.currentTimeMillis() * 1_000_000L;
  }

  private CellActivities host() {
    return Objects.requireNonNull(onHost, "no cell is up");
  }
}
