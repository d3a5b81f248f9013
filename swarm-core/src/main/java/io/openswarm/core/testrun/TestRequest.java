package io.openswarm.core.testrun;

import io.openswarm.core.CellId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which cell's worktree to test.
 *
 * <p>Immutable and thread-safe; a record so Temporal's default Jackson converter can carry it
 * between activities.
 *
 * @param cellId the cell whose tests run
 * @param worktree the absolute path of the cell's worktree; the tests run there
 * @param stateDirectory the absolute path of the cell's state folder (logs, HOME, TMPDIR); never
 *     inside the worktree
 * @param command the test command for this run instead of the runner's own (a task's override), or
 *     null
 * @param timeout the limit for this run instead of the runner's own, or null
 */
public record TestRequest(
    CellId cellId,
    Path worktree,
    Path stateDirectory,
    @Nullable List<String> command,
    @Nullable Duration timeout) {

  /**
   * A request that uses the runner's own command and timeout.
   *
   * @param cellId the cell whose tests run; not null
   * @param worktree the cell's worktree; absolute (normalized)
   * @param stateDirectory the cell's state folder; absolute (normalized), not inside {@code
   *     worktree}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a path is not absolute, or the state directory lies inside
   *     the worktree
   */
  public TestRequest(CellId cellId, Path worktree, Path stateDirectory) {
    this(cellId, worktree, stateDirectory, null, null);
  }

  /**
   * Validates the request.
   *
   * @param cellId the cell whose tests run; not null
   * @param worktree the cell's worktree; absolute (normalized)
   * @param stateDirectory the cell's state folder; absolute (normalized), not inside {@code
   *     worktree}
   * @param command the test command (program first; copied), or null for the runner's
   * @param timeout the limit for this run, positive, or null for the runner's
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a path is not absolute, or the state directory lies inside
   *     the worktree
   */
  public TestRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(worktree, "worktree cannot be null");
    Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
    if (!worktree.isAbsolute()) {
      throw new IllegalArgumentException("worktree must be absolute but was " + worktree);
    }
    if (!stateDirectory.isAbsolute()) {
      throw new IllegalArgumentException(
          "stateDirectory must be absolute but was " + stateDirectory);
    }
    worktree = worktree.normalize();
    stateDirectory = stateDirectory.normalize();
    if (stateDirectory.startsWith(worktree)) {
      throw new IllegalArgumentException(
          "stateDirectory must not be inside the worktree "
              + worktree
              + " (logs would end up in commits) but was "
              + stateDirectory);
    }
    if (command != null) {
      command = List.copyOf(command);
      if (command.isEmpty() || command.get(0).isEmpty()) {
        throw new IllegalArgumentException(
            "command must start with a program name but was " + command);
      }
    }
    if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
      throw new IllegalArgumentException("timeout must be positive but was " + timeout);
    }
  }
}
