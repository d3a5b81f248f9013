package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.lifecycle.CellDriver;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.TcrWorkflow;
import io.temporal.workflow.Workflow;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The TCR workflow: the {@link CellDriver}'s cell sequence, its steps run as activities by {@link
 * ActivityCellExecutor}: bootstrap on the shared queue, every later step on the cell's host queue,
 * teardown in a detached cancellation scope whatever happened.
 *
 * <p>When the bootstrap says the cell's base is to be checked (the task's choice, else the host's
 * default), the test command runs on the base commit first (step {@code VERIFY_BASE}); a red base
 * ends the cell FAILED with {@code BaseIsRed} before the agent is prompted. The activity is guarded
 * by a version marker, so histories from before the check replay unchanged.
 *
 * <p>A cell ends in one of three ways: an outcome (committed, no changes, reverted, or failed at a
 * step); the host was lost (a step could not be scheduled on the host in time, its heartbeat
 * stopped, or the host no longer knows the cell), in which case a new cell is tried on another
 * host; or the workflow was cancelled, in which case teardown runs and the cancellation propagates.
 * Deterministic: no wall clock, no hash-ordered iteration.
 */
public final class TcrWorkflowImpl implements TcrWorkflow {

  private static final Logger log = Workflow.getLogger(TcrWorkflowImpl.class);

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
  public TcrWorkflowImpl(CellActivityOptions options) {
    this.options = Objects.requireNonNull(options, "options cannot be null");
  }

  @Override
  public CellOutcome run(TaskSpec task) {
    taskId = task.taskId();
    CellDriver cells = new CellDriver(new ActivityCellExecutor(options), log);
    driver = cells;
    return cells.run(task, CellId.of(task.taskId()), options.maxCellsPerTask(), null).outcome();
  }

  @Override
  public TcrWorkflow.Progress progress() {
    return CellWorkflowSupport.status(taskId, driver);
  }
}
