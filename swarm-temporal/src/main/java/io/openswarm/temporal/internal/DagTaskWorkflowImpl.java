package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.StepTiming;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.BaseCheckResult;
import io.openswarm.core.lifecycle.CommitResult;
import io.openswarm.core.lifecycle.ExecuteResult;
import io.openswarm.core.lifecycle.IntegrateResult;
import io.openswarm.core.testrun.TestResult;
import io.openswarm.temporal.BootstrapRequest;
import io.openswarm.temporal.CellActivities;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.CommitRequest;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagTaskRequest;
import io.openswarm.temporal.DagTaskStatus;
import io.openswarm.temporal.DagTaskWorkflow;
import io.openswarm.temporal.ExecuteRequest;
import io.openswarm.temporal.HostedCell;
import io.openswarm.temporal.IntegrateRequest;
import io.openswarm.temporal.TcrStatus;
import io.openswarm.temporal.TestRunRequest;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One attempt at one DAG task: the TCR steps of {@link TcrWorkflowImpl} with an integrate step after a commit.
 *
 * <p>Bootstrap runs on the shared queue, from the request's base ref (the target branch, resolved when the cell's
 * worktree is leased); every later step on the cell's host queue; teardown in a detached cancellation scope whatever
 * happened. If the host is lost (a step not picked up in time, a heartbeat missed, the host no longer knowing the
 * cell), the attempt tears down what it can and runs in a new cell on another host, up to
 * {@link CellActivityOptions#maxCellAttempts()} times; such cells get the suffix {@code -r<n>}.
 *
 * <p>The result classifies the attempt for {@link DagWorkflowImpl}: a verdict (integrated, no changes, conflict,
 * red tests) or a failure with its stable type and whether retrying can help. Cancellation tears the cell down and
 * propagates. Deterministic: no wall clock, no hash-ordered iteration.
 */
public final class DagTaskWorkflowImpl implements DagTaskWorkflow {

  private static final Logger log = Workflow.getLogger(DagTaskWorkflowImpl.class);

  private final CellActivityOptions options;

  private String taskId = "";
  private @Nullable String cellId;
  private int hostAttempt;
  private @Nullable String host;
  private String step = "STARTING";
  /** When the running step of the cell began (workflow time), for the timing of a step that fails. */
  private long stepStartedMillis;
  private final List<StepTiming> timings = new ArrayList<>();

  /**
   * @param options the timeouts and retry rules of the cell's activities
   */
  public DagTaskWorkflowImpl(CellActivityOptions options) {
    this.options = Objects.requireNonNull(options, "options cannot be null");
  }

  @Override
  public DagAttempt run(DagTaskRequest request) {
    taskId = request.task().taskId();
    Instant started = now();
    CellActivities shared = Workflow.newActivityStub(CellActivities.class,
        options.bootstrap(Workflow.getInfo().getTaskQueue()));
    for (hostAttempt = 1; ; hostAttempt++) {
      CellId cell = TcrWorkflowImpl.cellIdFor(request.cellId().value(), hostAttempt);
      cellId = cell.value();
      host = null;
      CellAttempt result = runCell(request, cell, shared, started);
      if (result.hostLost() && hostAttempt < options.maxCellAttempts()) {
        log.warn("cell {} of task {} lost its host {}: {}; retrying in a new cell", cell, taskId, host,
            result.attempt().detail());
        continue;
      }
      step = "DONE";
      return result.attempt();
    }
  }

  @Override
  public TcrStatus status() {
    return new TcrStatus(taskId, cellId, hostAttempt, host, step, timings);
  }

  private record CellAttempt(DagAttempt attempt, boolean hostLost) {}

  /** What is known about an attempt while it runs; turned into a {@link DagAttempt} at the end. */
  private static final class Facts {
    DagTaskStatus status = DagTaskStatus.FAILED;
    @Nullable String baseCommit;
    @Nullable String commit;
    @Nullable String onto;
    boolean integrationVerdict;
    @Nullable CellStep failedStep;
    @Nullable String failureType;
    boolean retryable;
    @Nullable String detail;
    List<String> conflictingFiles = List.of();
    /** The cell's branch, once the cell is up. */
    @Nullable String cellBranch;
    @Nullable String keptBranch;
    int rounds;
    int retests;
    @Nullable String historyPath;
    @Nullable String rejectedRef;
  }

  private CellAttempt runCell(DagTaskRequest request, CellId cell, CellActivities shared, Instant started) {
    TaskSpec task = request.task();
    Facts facts = new Facts();
    step = CellStep.PORT.name();
    HostedCell hosted;
    try {
      hosted = shared.bootstrap(new BootstrapRequest(cell, task.baseRef(), task.taskId(), task.verifyBase()));
    } catch (ActivityFailure failure) {
      failed(facts, CellStep.PORT, failure);
      timings.addAll(CellWorkflowSupport.bootstrapTimings(failure));
      return new CellAttempt(attempt(request, cell, facts, List.of(), started), false);
    }
    host = hosted.cell().host();
    facts.baseCommit = hosted.cell().baseCommit();
    facts.cellBranch = hosted.cell().branch();
    timings.addAll(hosted.cell().timings());
    CellActivities onHost = Workflow.newActivityStub(CellActivities.class, options.onHost(hosted.hostQueue()));

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

      enter(CellStep.TEST);
      TestResult tested = onHost.runTests(new TestRunRequest(cell, task.testCommand(), task.testTimeout()));
      timings.add(new StepTiming(CellStep.TEST, tested.duration()));
      if (!tested.passed()) {
        enter(CellStep.REVERT);
        timings.add(new StepTiming(CellStep.REVERT, onHost.revert(cell)));
        facts.status = DagTaskStatus.REVERTED;
        facts.detail = tested.report();
      } else {
        enter(CellStep.COMMIT);
        CommitResult committed = onHost.commit(new CommitRequest(cell, task.effectiveCommitMessage()));
        timings.add(new StepTiming(CellStep.COMMIT, committed.duration()));
        if (committed.commit() == null) {
          facts.status = DagTaskStatus.NO_CHANGES;
        } else {
          enter(CellStep.INTEGRATE);
          IntegrateResult integrated = onHost.integrate(new IntegrateRequest(cell, request.targetBranch(),
              task.testCommand(), task.testTimeout()));
          timings.add(new StepTiming(CellStep.INTEGRATE, integrated.duration()));
          integrationFacts(facts, integrated);
        }
      }
    } catch (ActivityFailure failure) {
      timeFailedStep();
      hostLost = CellWorkflowSupport.isHostLost(failure);
      if (failure.getCause() instanceof CanceledFailure canceledFailure) {
        cancelled = canceledFailure;
      }
      failed(facts, CellStep.valueOf(step), failure);
    } catch (CanceledFailure canceledFailure) {
      cancelled = canceledFailure;
      timeFailedStep();
      facts.status = DagTaskStatus.CANCELLED;
      facts.detail = "the attempt was cancelled at " + step;
    }

    step = CellStep.TEARDOWN.name();
    CellWorkflowSupport.Teardown teardown = CellWorkflowSupport.teardown(options, cell, hosted.hostQueue(), timings);
    facts.historyPath = teardown.historyPath();
    facts.rejectedRef = teardown.rejectedRef();
    if (cancelled != null) {
      throw cancelled;
    }
    return new CellAttempt(attempt(request, cell, facts, teardown.errors(), started), hostLost);
  }

  private static void integrationFacts(Facts facts, IntegrateResult integrated) {
    facts.rounds = integrated.rounds();
    facts.retests = integrated.retests();
    facts.onto = integrated.onto();
    switch (integrated.status()) {
      case INTEGRATED -> {
        facts.status = DagTaskStatus.INTEGRATED;
        facts.commit = integrated.commit();
      }
      case CONFLICT -> {
        facts.status = DagTaskStatus.CONFLICT;
        facts.integrationVerdict = true;
        // The integrator puts the cell's commit back on its branch, and teardown keeps a branch with a commit.
        facts.keptBranch = facts.cellBranch;
        facts.conflictingFiles = integrated.conflictingFiles();
        facts.detail = "conflicts with " + abbreviate(integrated.onto()) + " on " + integrated.targetBranch()
            + " in " + String.join(", ", integrated.conflictingFiles());
      }
      case REVERTED -> {
        facts.status = DagTaskStatus.REVERTED;
        facts.integrationVerdict = true;
        facts.keptBranch = facts.cellBranch;
        facts.detail = "on top of " + abbreviate(integrated.onto()) + " of " + integrated.targetBranch() + ": "
            + integrated.testOutputTail();
      }
    }
  }

  private DagAttempt attempt(DagTaskRequest request, CellId cell, Facts facts, List<String> teardownErrors,
      Instant started) {
    return new DagAttempt(request.attempt(), Workflow.getInfo().getWorkflowId(), cell.value(), host,
        facts.baseCommit, facts.status, facts.commit, facts.onto, facts.integrationVerdict, facts.failedStep,
        facts.failureType, facts.retryable, facts.detail, facts.conflictingFiles, facts.keptBranch, facts.rounds,
        facts.retests, timings, teardownErrors, started, now(), facts.historyPath, facts.rejectedRef);
  }

  /** Fills in a failed step: its step (from the failure's detail when the activity says), type and retryability. */
  private static void failed(Facts facts, CellStep fallbackStep, ActivityFailure failure) {
    facts.status = DagTaskStatus.FAILED;
    facts.failedStep = CellWorkflowSupport.failedStep(failure, fallbackStep);
    facts.detail = CellWorkflowSupport.describe(failure);
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure application) {
      facts.failureType = application.getType();
      facts.retryable = !application.isNonRetryable();
    } else if (cause instanceof TimeoutFailure) {
      facts.failureType = "TimedOut";
      facts.retryable = true;
    } else if (cause instanceof CanceledFailure) {
      facts.status = DagTaskStatus.CANCELLED;
      facts.failureType = "Cancelled";
      facts.retryable = false;
    } else {
      facts.failureType = "ActivityFailed";
      facts.retryable = true;
    }
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }

  private static String abbreviate(String sha) {
    return sha.length() > 10 ? sha.substring(0, 10) : sha;
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
