package io.openswarm.temporal;

import io.openswarm.core.CellStep;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link TcrWorkflow} (or a {@code DagTaskWorkflow}) is, as its {@code status()} query
 * answers.
 *
 * @param taskId the task
 * @param cellId the cell currently running it, or null before the first one starts
 * @param cellNumber which cell of the task runs: 1, then one more each time a cell lost its host
 *     and the task moved to a new cell (a host failover); 0 before the first one starts
 * @param host the host the current cell lives on, or null before its bootstrap returned
 * @param step the step running now ({@link CellStep#PORT} for the whole bootstrap: port, worktree,
 *     agent start and readiness are one activity), or null before the first cell starts and once
 *     the workflow is done
 * @param done whether the workflow is done
 * @param timings the steps finished so far and how long they took
 */
public record TcrProgress(
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
   * @param step the step running now, or null before the first cell starts and once the workflow is
   *     done
   * @param done whether the workflow is done
   * @param timings the steps finished so far and how long they took
   * @throws NullPointerException if {@code taskId} or {@code timings} is null
   */
  public TcrProgress {
    Objects.requireNonNull(taskId, "taskId cannot be null");
    timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
  }
}
