package io.openswarm.temporal.internal;

import io.openswarm.temporal.DagAttempt;
import io.openswarm.temporal.DagWorkflow;
import io.openswarm.temporal.TcrWorkflow;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One attempt at one task of a DAG: bootstrap a cell from the target branch's head, prompt the
 * agent, run the tests, commit if they pass (revert if not), integrate the commit into the target
 * branch, and always tear the cell down. {@link DagWorkflow} starts it as a child; it routes its
 * activities like {@link TcrWorkflow} (bootstrap on the shared queue, the rest on the cell's host
 * queue, teardown in a detached scope, a new cell on another host when the host is lost).
 */
@WorkflowInterface
public interface DagTaskWorkflow {

  /**
   * Runs the attempt and returns how it went; a failing step is a {@code FAILED} attempt, not an
   * exception.
   *
   * @param request the DAG, the attempt number, the task, the target branch and the cell
   * @return how the attempt ended
   */
  @WorkflowMethod(name = "DagTaskWorkflow")
  DagAttempt run(DagTaskRequest request);

  /**
   * The current step and the timings so far.
   *
   * @return the attempt's progress so far
   */
  @QueryMethod
  TcrWorkflow.Progress progress();
}
