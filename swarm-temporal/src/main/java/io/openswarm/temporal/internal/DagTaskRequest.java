package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.TaskSpec;
import io.openswarm.temporal.DagWorkflow;
import java.util.Objects;

/**
 * One attempt at one task of a DAG, as {@link DagWorkflow} hands it to a {@link DagTaskWorkflow}.
 *
 * @param dagId the DAG
 * @param attempt which attempt at the task this is, from 1
 * @param task the task; its base ref is the target branch ({@code refs/heads/<target>}), so that
 *     the cell starts from the branch's head at the moment it is bootstrapped
 * @param targetBranch the branch to integrate into, without {@code refs/heads/}
 * @param cellId the cell of the attempt (further cells, if its host is lost, get a suffix)
 */
public record DagTaskRequest(
    String dagId, int attempt, TaskSpec task, String targetBranch, CellId cellId) {

  /**
   * Checks the components.
   *
   * @param dagId the DAG
   * @param attempt which attempt at the task this is, from 1
   * @param task the task; its base ref is the target branch ({@code refs/heads/<target>}), so that
   *     the cell starts from the branch's head at the moment it is bootstrapped
   * @param targetBranch the branch to integrate into, without {@code refs/heads/}
   * @param cellId the cell of the attempt (further cells, if its host is lost, get a suffix)
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code attempt} is below 1
   */
  public DagTaskRequest {
    Objects.requireNonNull(dagId, "dagId cannot be null");
    Objects.requireNonNull(task, "task cannot be null");
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    Objects.requireNonNull(cellId, "cellId cannot be null");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1 but was " + attempt);
    }
  }
}
