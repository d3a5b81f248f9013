package io.openswarm.core.worktree;

import io.openswarm.core.CellId;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Which cell's worktree to prepare.
 *
 * <p>Immutable and thread-safe.
 *
 * @param cellId the cell that will work in the worktree
 * @param worktree the cell's lease; its {@linkplain WorktreeLease#setupStamp() stamp} says what a
 *     previous set-up prepared this worktree for
 * @param stateDirectory the absolute path of the cell's state folder (logs, HOME, TMPDIR), which
 *     exists; never inside the worktree
 */
public record SetupRequest(CellId cellId, WorktreeLease worktree, Path stateDirectory) {

  /**
   * Checks the components.
   *
   * @param cellId the cell; not null
   * @param worktree the cell's lease; not null
   * @param stateDirectory the cell's state folder; absolute
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the state directory is not absolute
   */
  public SetupRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(worktree, "worktree cannot be null");
    Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
    if (!stateDirectory.isAbsolute()) {
      throw new IllegalArgumentException(
          "stateDirectory must be absolute but was " + stateDirectory);
    }
  }
}
