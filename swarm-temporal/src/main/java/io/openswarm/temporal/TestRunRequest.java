package io.openswarm.temporal;

import io.openswarm.core.CellId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Run the tests in a cell's worktree.
 *
 * @param cellId the cell
 * @param command the test command instead of the worker's, or null
 * @param timeout the limit instead of the worker's, or null
 */
public record TestRunRequest(
    CellId cellId, @Nullable List<String> command, @Nullable Duration timeout) {

  /**
   * Checks the cell and copies the test command.
   *
   * @param cellId the cell
   * @param command the test command instead of the worker's, or null
   * @param timeout the limit instead of the worker's, or null
   * @throws NullPointerException if {@code cellId} is null
   */
  public TestRunRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    if (command != null) {
      command = List.copyOf(command);
    }
  }
}
