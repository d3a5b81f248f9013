package io.openswarm.examples.workflows;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.TaskSpec;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * A custom workflow over {@link io.openswarm.temporal.CellActivities}: like TCR, but when the tests
 * fail the agent gets the failing output and another turn in the same cell, up to a number of
 * rounds, before the change is reverted.
 *
 * <p>Register it on a worker with {@code
 * SwarmWorker.newBuilder().workflow(FixUntilGreenWorkflow.class, options -> new
 * FixUntilGreenWorkflowImpl(options, 3))}.
 */
@WorkflowInterface
public interface FixUntilGreenWorkflow {

  /**
   * Runs {@code task}, giving the agent up to the configured number of turns to make the tests
   * pass.
   */
  @WorkflowMethod
  CellOutcome run(TaskSpec task);
}
