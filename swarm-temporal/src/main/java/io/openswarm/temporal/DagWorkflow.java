package io.openswarm.temporal;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Runs a graph of tasks in parallel, each building on its dependencies' integrated commits, onto a
 * target branch that only ever receives green commits.
 *
 * <ul>
 *   <li>The target branch is created at the base ref first.
 *   <li>A task starts when every task it depends on is {@link DagResult.TaskStatus#INTEGRATED} (or
 *       had {@link DagResult.TaskStatus#NO_CHANGES}), in a cell that starts from the target's head
 *       at that moment. Ready tasks run in parallel, at most {@link DagRequest#maxParallel()} at
 *       once, each attempt as a child {@code DagTaskWorkflow} with the id {@code
 *       dag-<dagId>-<taskId>-<attempt>}.
 *   <li>A committed task is integrated: rebased onto the target's head, tested again if that head
 *       moved, and the target moved by compare-and-swap. A {@code CONFLICT} or {@code REVERTED} at
 *       integration is redone once, in a new cell from the target's new head.
 *   <li>Red tests on the agent's own change are a verdict ({@code REVERTED}), not retried. Other
 *       failures are retried with Temporal's seed policy: 3 attempts, 1 s backoff doubling up to 30
 *       s, unless retrying cannot help.
 *   <li>The dependents of a task that finally did not succeed are {@link
 *       DagResult.TaskStatus#SKIPPED}; independent tasks go on.
 *   <li>Cancelling the workflow cancels the running cells (their teardown runs) and integrates
 *       nothing more; each integration is one compare-and-swap, so the target is never half-moved.
 * </ul>
 *
 * <p>Deterministic: tasks are visited in the graph's order, never in hash order, and time is
 * workflow time.
 */
@WorkflowInterface
public interface DagWorkflow {

  /**
   * Runs the DAG and returns its final table. Task failures are rows, not exceptions.
   *
   * @param request the DAG to run
   * @return the final table, every task in a final status
   * @throws io.temporal.failure.ApplicationFailure (as the workflow's failure) of type {@code
   *     TargetBranchFailed} if the target branch cannot be created (it exists at another commit, or
   *     the base ref names no commit)
   */
  @WorkflowMethod(name = "DagWorkflow")
  DagResult run(DagRequest request);

  /**
   * The table as it stands now.
   *
   * @return the table so far; {@code finished} is false while the DAG runs
   */
  @QueryMethod
  DagResult progress();
}
