package io.openswarm.temporal;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.TaskSpec;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

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
  TcrProgress progress();
}
