package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import io.openswarm.core.StepTiming;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.BaseCheckResult;
import io.openswarm.core.lifecycle.CommitResult;
import io.openswarm.core.lifecycle.ExecuteResult;
import io.openswarm.core.testrun.TestResult;
import io.openswarm.temporal.BootstrapRequest;
import io.openswarm.temporal.CellActivities;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.CommitRequest;
import io.openswarm.temporal.ExecuteRequest;
import io.openswarm.temporal.HostedCell;
import io.openswarm.temporal.TcrStatus;
import io.openswarm.temporal.TcrWorkflow;
import io.openswarm.temporal.TestRunRequest;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The TCR workflow: one cell per attempt, bootstrap on the shared queue, every later step on the cell's host queue,
 * teardown in a detached cancellation scope whatever happened.
 *
 * <p>When the bootstrap says the cell's base is to be checked (the task's choice, else the host's default), the
 * test command runs on the base commit first (step {@code VERIFY_BASE}); a red base ends the attempt FAILED with
 * {@code BaseIsRed} before the agent is prompted. The activity is guarded by a version marker, so histories from
 * before the check replay unchanged.
 *
 * <p>An attempt ends in one of three ways: an outcome (committed, no changes, reverted, or failed at a step); the
 * host was lost (a step could not be scheduled on the host in time, its heartbeat stopped, or the host no longer
 * knows the cell), in which case a new cell is tried on another host; or the workflow was cancelled, in which case
 * teardown runs and the cancellation propagates. Deterministic: no wall clock, no hash-ordered iteration.
 */
public final class TcrWorkflowImpl implements TcrWorkflow {

  private static final Logger log = Workflow.getLogger(TcrWorkflowImpl.class);

  /** The status step while a cell boots (port, worktree, agent start, readiness: one activity). */
  static final String BOOTSTRAP = "BOOTSTRAP";

  private final CellActivityOptions options;

  private String taskId = "";
  private @Nullable String cellId;
  private int attempt;
  private @Nullable String host;
  private String step = "STARTING";
  /** When the running step of the cell began (workflow time), for the timing of a step that fails. */
  private long stepStartedMillis;
  private final List<StepTiming> timings = new ArrayList<>();

  /**
   * @param options the timeouts and retry rules of the cell's activities
   */
  public TcrWorkflowImpl(CellActivityOptions options) {
    this.options = Objects.requireNonNull(options, "options cannot be null");
  }

  @Override
  public CellOutcome run(TaskSpec task) {
    taskId = task.taskId();
    String sharedQueue = Workflow.getInfo().getTaskQueue();
    CellActivities shared = Workflow.newActivityStub(CellActivities.class, options.bootstrap(sharedQueue));
    for (attempt = 1; ; attempt++) {
      CellId cell = cellIdFor(task.taskId(), attempt);
      cellId = cell.value();
      host = null;
      Attempt result = runCell(task, cell, shared);
      if (result.hostLost() && attempt < options.maxCellAttempts()) {
        log.warn("cell {} lost its host {}: {}; retrying the task in a new cell", cell, result.lostHost(),
            result.outcome().error());
        continue;
      }
      step = "DONE";
      return result.outcome();
    }
  }

  @Override
  public TcrStatus status() {
    return new TcrStatus(taskId, cellId, attempt, host, step, timings);
  }

  private record Attempt(CellOutcome outcome, boolean hostLost, @Nullable String lostHost) {}

  private Attempt runCell(TaskSpec task, CellId cell, CellActivities shared) {
    step = BOOTSTRAP;
    HostedCell hosted;
    try {
      hosted = shared.bootstrap(new BootstrapRequest(cell, task.baseRef(), task.taskId(), task.verifyBase()));
    } catch (ActivityFailure failure) {
      timings.addAll(CellWorkflowSupport.bootstrapTimings(failure));
      return new Attempt(failedOutcome(cell, CellStep.PORT, failure).withTimings(timings), false, null);
    }
    host = hosted.cell().host();
    timings.addAll(hosted.cell().timings());
    CellActivities onHost = Workflow.newActivityStub(CellActivities.class, options.onHost(hosted.hostQueue()));

    List<String> changed = List.of();

    int changedCount = 0;
    CellOutcome outcome;
    boolean hostLost = false;
    @Nullable CanceledFailure cancelled = null;
    try {
      if (CellWorkflowSupport.shouldVerifyBase(hosted)) {
        enter(CellStep.VERIFY_BASE);
        BaseCheckResult checked = onHost.verifyBase(new TestRunRequest(cell, task.testCommand(), task.testTimeout()));
        timings.add(new StepTiming(CellStep.VERIFY_BASE, checked.duration()));
      }
      enter(CellStep.EXECUTE);
      ExecuteResult executed = onHost.execute(new ExecuteRequest(cell, task.prompt(), task.executeTimeout()));
      timings.add(new StepTiming(CellStep.EXECUTE, executed.duration()));
      changed = executed.changedFiles();
      changedCount = executed.changedFileCount();

      enter(CellStep.TEST);
      TestResult tested = onHost.runTests(new TestRunRequest(cell, task.testCommand(), task.testTimeout()));
      timings.add(new StepTiming(CellStep.TEST, tested.duration()));
      if (tested.passed()) {
        enter(CellStep.COMMIT);
        CommitResult committed = onHost.commit(new CommitRequest(cell, task.effectiveCommitMessage()));
        timings.add(new StepTiming(CellStep.COMMIT, committed.duration()));
        outcome = committed.commit() == null
            ? CellOutcome.noChanges(cell)
            : CellOutcome.committed(cell, committed.commit());
      } else {
        enter(CellStep.REVERT);
        timings.add(new StepTiming(CellStep.REVERT, onHost.revert(cell)));
        outcome = CellOutcome.reverted(cell, tested.report());
      }
    } catch (ActivityFailure failure) {
      CellStep failedStep = CellStep.valueOf(step);
      timeFailedStep();
      hostLost = CellWorkflowSupport.isHostLost(failure);
      if (failure.getCause() instanceof CanceledFailure canceledFailure) {
        cancelled = canceledFailure;
      }
      outcome = failedOutcome(cell, failedStep, failure);
    } catch (CanceledFailure canceledFailure) {
      cancelled = canceledFailure;
      timeFailedStep();
      outcome = CellOutcome.failed(cell, CellStep.valueOf(step), "Cancelled: the workflow was cancelled");
    }

    step = CellStep.TEARDOWN.name();
    CellWorkflowSupport.Teardown teardown = CellWorkflowSupport.teardown(options, cell, hosted.hostQueue(), timings);
    CellOutcome finished = outcome.withChangedFiles(changed, changedCount).withTimings(timings)
        .withTeardownErrors(teardown.errors()).withHost(hosted.cell().host())
        .withKept(teardown.historyPath(), teardown.rejectedRef());
    if (cancelled != null) {
      throw cancelled;
    }
    return new Attempt(finished, hostLost, hosted.cell().host());
  }

  private static CellOutcome failedOutcome(CellId cell, CellStep fallbackStep, ActivityFailure failure) {
    return CellOutcome.failed(cell, CellWorkflowSupport.failedStep(failure, fallbackStep),
        CellWorkflowSupport.describe(failure));
  }

  /** Attempt 1 runs in a cell named after the task; later attempts get a suffix so their branches differ. */
  static CellId cellIdFor(String taskId, int attempt) {
    if (attempt == 1) {
      return CellId.of(taskId);
    }
    String suffix = "-r" + attempt;
    String base = taskId.length() + suffix.length() > CellId.MAX_LENGTH
        ? taskId.substring(0, CellId.MAX_LENGTH - suffix.length())
        : taskId;
    return CellId.of(base + suffix);
  }

  /** Marks the start of {@code next}, the cell's running step. */
  private void enter(CellStep next) {
    step = next.name();
    stepStartedMillis = Workflow.currentTimeMillis();
  }

  private void timeFailedStep() {
    timings.add(CellWorkflowSupport.timeSince(CellStep.valueOf(step), stepStartedMillis));
  }
}
