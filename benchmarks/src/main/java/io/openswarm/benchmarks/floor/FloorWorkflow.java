package io.openswarm.benchmarks.floor;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The bare-Temporal floor of a TCR cell: a workflow of the same shape as {@code TcrWorkflow} —
 * bootstrap on the shared queue, then execute, runTests and commit on the host queue bootstrap
 * returned, then teardown on the host queue in a detached cancellation scope — whose activities do
 * nothing.
 */
@WorkflowInterface
public interface FloorWorkflow {

  /** Runs the five no-op activities of one cell and returns the fake commit id. */
  @WorkflowMethod(name = "FloorWorkflow")
  String run(String taskId);
}
