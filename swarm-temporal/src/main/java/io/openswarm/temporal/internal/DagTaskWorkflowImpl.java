package io.openswarm.temporal.internal;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.lifecycle.CellDriver;
import io.openswarm.core.lifecycle.CellDriver.CellRun;
import io.openswarm.core.lifecycle.CellDriver.StepFailure;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.TcrWorkflow;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One attempt at one DAG task: the {@link CellDriver}'s cell sequence, as in {@link
 * TcrWorkflowImpl}, with its integrate step after a commit.
 *
 * <p>Bootstrap runs on the shared queue, from the request's base ref (the target branch, resolved
 * when the cell's worktree is leased); every later step on the cell's host queue; teardown in a
 * detached cancellation scope whatever happened. If the host is lost (a step not picked up in time,
 * a heartbeat missed, the host no longer knowing the cell), the attempt tears down what it can and
 * runs in a new cell on another host, up to {@link CellActivityOptions#maxCellsPerTask()} cells in
 * all; such cells get the suffix {@code -r<n>}.
 *
 * <p>The result classifies the attempt for {@link DagWorkflowImpl}: a verdict (integrated, no
 * changes, conflict, red tests) or a failure with its stable type and whether retrying can help.
 * Cancellation tears the cell down and propagates. Deterministic: no wall clock, no hash-ordered
 * iteration.
 */
public final class DagTaskWorkflowImpl implements DagTaskWorkflow {

  private static final Logger log = Workflow.getLogger(DagTaskWorkflowImpl.class);

  private final CellActivityOptions options;

  private String taskId = "";

  /**
   * Created when the run starts (its stubs need the workflow's context); null while a query comes
   * before.
   */
  private @Nullable CellDriver driver;

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
    CellDriver cells = new CellDriver(new ActivityCellExecutor(options), log);
    driver = cells;
    CellRun run =
        cells.run(
            request.task(), request.cellId(), options.maxCellsPerTask(), request.targetBranch());
    return attempt(request, run, started);
  }

  @Override
  public TcrWorkflow.Progress progress() {
    return CellWorkflowSupport.status(taskId, driver);
  }

  /** The verdict on the attempt: the cell's own, or the integration's when the cell committed. */
  private static DagAttempt attempt(DagTaskRequest request, CellRun run, Instant started) {
    CellOutcome cell = run.outcome();
    StepFailure failure = run.failure();
    BranchIntegration.Result integration = run.integration();
    CellSteps.Bootstrap up = run.bootstrap();
    DagResult.TaskStatus status;
    String detail = null;
    String keptBranch = null;
    if (failure != null) {
      status = failure.cancelled() ? DagResult.TaskStatus.CANCELLED : DagResult.TaskStatus.FAILED;
      detail = failure.error();
    } else if (cell.status() == CellStatus.REVERTED) {
      status = DagResult.TaskStatus.REVERTED;
      detail = cell.testOutputTail();
    } else if (integration == null) {
      status = DagResult.TaskStatus.NO_CHANGES;
    } else {
      switch (integration.status()) {
        case INTEGRATED -> status = DagResult.TaskStatus.INTEGRATED;
        case CONFLICT -> {
          status = DagResult.TaskStatus.CONFLICT;
          detail =
              "conflicts with "
                  + abbreviate(integration.onto())
                  + " on "
                  + integration.targetBranch()
                  + " in "
                  + String.join(", ", integration.conflictingFiles());
        }
        default -> {
          status = DagResult.TaskStatus.REVERTED;
          detail =
              "on top of "
                  + abbreviate(integration.onto())
                  + " of "
                  + integration.targetBranch()
                  + ": "
                  + integration.testOutputTail();
        }
      }
      if (status != DagResult.TaskStatus.INTEGRATED) {
        // The integrator puts the cell's commit back on its branch, and teardown keeps a branch
        // with a commit.
        keptBranch = up == null ? null : up.branch();
      }
    }
    return new DagAttempt(
        request.attempt(),
        Workflow.getInfo().getWorkflowId(),
        status,
        detail,
        cell,
        integration,
        failure == null ? null : failure.type(),
        failure != null && failure.retryable(),
        up == null ? null : up.baseCommit(),
        keptBranch,
        started,
        now());
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }

  private static String abbreviate(String sha) {
    return sha.length() > 10 ? sha.substring(0, 10) : sha;
  }
}
