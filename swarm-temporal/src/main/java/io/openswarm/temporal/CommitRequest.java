package io.openswarm.temporal;

import io.openswarm.core.CellId;
import java.util.Objects;

/**
 * Commit a cell's worktree on its branch.
 *
 * @param cellId the cell
 * @param message the commit message, verbatim
 */
public record CommitRequest(CellId cellId, String message) {

  /**
   * Checks the components.
   *
   * @param cellId the cell
   * @param message the commit message, verbatim
   * @throws NullPointerException if an argument is null
   */
  public CommitRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(message, "message cannot be null");
  }
}
