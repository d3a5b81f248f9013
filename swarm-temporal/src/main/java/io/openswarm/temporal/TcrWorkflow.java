package io.openswarm.temporal;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Test &amp;&amp; commit || revert for one task: bootstrap a cell, prompt the agent, run the tests,
 * commit if they pass, revert if they fail, and always tear the cell down.
 *
 * <p>A committed cell's branch ({@code swarm/<cellId>}) is kept for the user. If the cell's host
 * disappears, the workflow tears down what it can and runs the task in a new cell on another host,
 * up to {@link CellActivityOptions#maxCellsPerTask()} cells in all (a host failover, not a retry:
 * the task's own failures are outcomes). Steps that change code are never retried.
 */
@WorkflowInterface
public interface TcrWorkflow {

  /**
   * Runs the task and returns how its cell ended; a failing step is a {@code FAILED} outcome, not
   * an exception.
   *
   * @param task the task to run
   * @return how the task's last cell ended
   */
  @WorkflowMethod(name = "TcrWorkflow")
  CellOutcome run(TaskSpec task);

  /**
   * The current step and the timings so far.
   *
   * @return the workflow's progress so far
   */
  @QueryMethod
  Progress progress();

  /**
   * Where a {@link TcrWorkflow} (or a {@code DagTaskWorkflow}) is, as its {@code status()} query
   * answers.
   *
   * @param taskId the task
   * @param cellId the cell currently running it, or null before the first one starts
   * @param cellNumber which cell of the task runs: 1, then one more each time a cell lost its host
   *     and the task moved to a new cell (a host failover); 0 before the first one starts
   * @param host the host the current cell lives on, or null before its bootstrap returned
   * @param step the step running now ({@link CellStep#PORT} for the whole bootstrap: port,
   *     worktree, agent start and readiness are one activity), or null before the first cell starts
   *     and once the workflow is done
   * @param done whether the workflow is done
   * @param timings the steps finished so far and how long they took
   */
  record Progress(
      String taskId,
      @Nullable String cellId,
      int cellNumber,
      @Nullable String host,
      @Nullable CellStep step,
      boolean done,
      List<CellStep.Timing> timings) {

    /**
     * Checks the required components and copies the timings.
     *
     * @param taskId the task
     * @param cellId the cell currently running it, or null before the first one starts
     * @param cellNumber which cell of the task runs, from 1; 0 before the first one starts
     * @param host the host the current cell lives on, or null before its bootstrap returned
     * @param step the step running now, or null before the first cell starts and once the workflow
     *     is done
     * @param done whether the workflow is done
     * @param timings the steps finished so far and how long they took
     * @throws NullPointerException if {@code taskId} or {@code timings} is null
     */
    public Progress {
      Objects.requireNonNull(taskId, "taskId cannot be null");
      timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
    }
  }
}
