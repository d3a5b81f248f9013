package io.openswarm.temporal;

import io.openswarm.core.CellId;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Prompt a cell's agent.
 *
 * @param cellId the cell
 * @param prompt the task for the agent, passed unchanged
 * @param timeout the limit on the turn, or null for the worker's default
 */
public record ExecuteRequest(CellId cellId, String prompt, @Nullable Duration timeout) {

  /**
   * Checks the required components.
   *
   * @param cellId the cell
   * @param prompt the task for the agent, passed unchanged
   * @param timeout the limit on the turn, or null for the worker's default
   * @throws NullPointerException if {@code cellId} or {@code prompt} is null
   */
  public ExecuteRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(prompt, "prompt cannot be null");
  }
}
