package io.openswarm.core.worktree;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a cell changed in its leased worktree: list it, commit it on the cell's branch, or throw it
 * away. These are the library's own operations for the commit and revert steps; the agent is never
 * asked to perform them.
 *
 * <p>Implementations must be thread-safe; calls for the same lease do not overlap.
 */
public interface WorktreeChanges {

  /**
   * Commits everything in the worktree on the cell's branch.
   *
   * @param lease the cell's lease
   * @param message the commit message, verbatim
   * @param author who the commit is by
   * @return the SHA of the cell branch's tip when the cell produced a commit; empty when nothing
   *     changed
   * @throws WorktreeException {@link WorktreeException.Reason#COMMIT_REJECTED} if git refused the
   *     commit (a hook failed), or another reason if git failed
   */
  Optional<String> commit(WorktreeLease lease, String message, CommitAuthor author);

  /**
   * The paths that differ between the worktree and the lease's base commit, sorted by path.
   *
   * @param lease the cell's worktree
   * @return the changed paths; empty when the worktree matches the base commit
   * @throws WorktreeException if git fails
   */
  List<ChangedFile> changedFiles(WorktreeLease lease);

  /**
   * Restores the worktree to the base commit exactly and drops any commit the cell made on its
   * branch.
   *
   * @param lease the cell's worktree
   * @throws WorktreeException {@link WorktreeException.Reason#RESTORE_FAILED} if something could
   *     not be restored
   */
  void revert(WorktreeLease lease);

  /**
   * One path a cell changed in its worktree, compared with the lease's base commit.
   *
   * <p>Immutable and thread-safe; a record so that it travels between Temporal activities.
   *
   * @param path the path relative to the worktree root, with {@code /} as separator
   * @param change how the path differs from the base commit
   */
  record ChangedFile(String path, Change change) {

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
}
