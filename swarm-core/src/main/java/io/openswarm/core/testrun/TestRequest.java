package io.openswarm.core.testrun;

import io.openswarm.core.CellId;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Which cell's worktree to test.
 *
 * <p>Immutable and thread-safe; a record so Temporal's default Jackson converter can carry it between activities.
 *
 * @param cellId the cell whose tests run
 * @param worktree the absolute path of the cell's worktree; the tests run there
 * @param stateDirectory the absolute path of the cell's state folder (logs, HOME, TMPDIR); never inside the worktree
 */
public record TestRequest(CellId cellId, Path worktree, Path stateDirectory) {

  /**
   * Validates the request.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a path is not absolute, or the state directory lies inside the worktree
   */
  public TestRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(worktree, "worktree cannot be null");
    Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
    if (!worktree.isAbsolute()) {
      throw new IllegalArgumentException("worktree must be absolute but was " + worktree);
    }
    if (!stateDirectory.isAbsolute()) {
      throw new IllegalArgumentException("stateDirectory must be absolute but was " + stateDirectory);
    }
    worktree = worktree.normalize();
    stateDirectory = stateDirectory.normalize();
    if (stateDirectory.startsWith(worktree)) {
      throw new IllegalArgumentException("stateDirectory must not be inside the worktree " + worktree
          + " (logs would end up in commits) but was " + stateDirectory);
    }
  }
}
