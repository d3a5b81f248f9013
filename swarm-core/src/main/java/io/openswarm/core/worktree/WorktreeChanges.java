package io.openswarm.core.worktree;

import java.util.List;
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
}
