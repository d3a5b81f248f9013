package io.openswarm.core.worktree;

import io.openswarm.core.CellId;
import java.util.Optional;

/**
 * Hands out isolated git worktrees to cells.
 *
 * <p>Each lease is a directory of its own on a fresh branch (by convention {@code swarm/<cellId>})
 * checked out at the requested base commit with nothing else in it: no tracked, staged, untracked
 * or ignored changes. The cell owns the directory until it closes the lease; closing returns the
 * directory to its base state and frees the branch.
 *
 * <p>Implementations must be thread-safe: many cells acquire and release concurrently.
 */
public interface WorktreeProvider {

  /**
   * Leases a worktree for {@code cellId} on a fresh branch at the commit {@code baseRef} names.
   *
   * @param cellId the cell that will own the worktree; at most one lease per cell at a time
   * @param baseRef a revision git can resolve to a commit ({@code main}, {@code origin/main}, a
   *     SHA, {@code HEAD~2}); it must not start with {@code -}
   * @return the lease; close it to give the worktree back
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code baseRef} is blank, starts with {@code -} or contains
   *     control characters, or if the branch name derived from {@code cellId} is not a valid git
   *     branch name
   * @throws IllegalStateException if the provider is not running
   * @throws WorktreeException if git cannot resolve {@code baseRef} ({@link
   *     WorktreeException.Reason#UNKNOWN_REF}), the cell's branch already exists with commits of
   *     its own or is checked out elsewhere ({@link WorktreeException.Reason#BRANCH_CONFLICT}), no
   *     worktree became available in time ({@link WorktreeException.Reason#POOL_EXHAUSTED}), or git
   *     fails
   */
  WorktreeLease acquire(CellId cellId, String baseRef);

  /**
   * The lease {@code cellId} currently holds from this provider, if any.
   *
   * <p>Lets a later step of the same cell (commit, revert, teardown) find the lease that an earlier
   * step acquired, when only the cell id travels between them.
   *
   * @param cellId the cell
   * @return its open lease, or empty when it holds none
   * @throws NullPointerException if {@code cellId} is null
   */
  Optional<WorktreeLease> find(CellId cellId);
}
