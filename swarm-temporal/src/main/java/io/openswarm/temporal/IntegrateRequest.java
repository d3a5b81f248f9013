package io.openswarm.temporal;

import io.openswarm.core.CellId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Integrate a cell's committed change into a target branch.
 *
 * @param cellId the cell
 * @param targetBranch the branch to integrate into, without {@code refs/heads/}
 * @param testCommand the test command for a re-run instead of the worker's (the task's own), or
 *     null
 * @param testTimeout the limit on a re-run instead of the worker's, or null
 */
public record IntegrateRequest(
    CellId cellId,
    String targetBranch,
    @Nullable List<String> testCommand,
    @Nullable Duration testTimeout) {

  /**
   * Checks the required components and copies the test command.
   *
   * @param cellId the cell
   * @param targetBranch the branch to integrate into, without {@code refs/heads/}
   * @param testCommand the test command for a re-run instead of the worker's (the task's own), or
   *     null
   * @param testTimeout the limit on a re-run instead of the worker's, or null
   * @throws NullPointerException if {@code cellId} or {@code targetBranch} is null
   */
  public IntegrateRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    if (testCommand != null) {
      testCommand = List.copyOf(testCommand);
    }
  }
}
