package io.openswarm.core.worktree;

import java.util.Objects;

/**
 * One path a cell changed in its worktree, compared with the lease's base commit.
 *
 * <p>Immutable and thread-safe; a record so that it travels between Temporal activities.
 *
 * @param path the path relative to the worktree root, with {@code /} as separator
 * @param change how the path differs from the base commit
 */
public record ChangedFile(String path, Change change) {

  /**
   * How a path differs from the base commit. A rename shows as a deletion of the old path and an
   * addition of the new.
   */
  public enum Change {
    /** The path does not exist in the base commit (untracked, staged or committed). */
    ADDED,
    /** The path exists in both, with different content or mode. */
    MODIFIED,
    /** The path exists in the base commit but not in the worktree. */
    DELETED
  }

  /**
   * Creates a changed file.
   *
   * @param path the path relative to the worktree's top, as git reports it; not empty
   * @param change how it differs from the base commit; not null
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code path} is empty
   */
  public ChangedFile {
    Objects.requireNonNull(path, "path cannot be null");
    Objects.requireNonNull(change, "change cannot be null");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("path must not be empty");
    }
  }
}
