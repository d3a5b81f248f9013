package io.openswarm.infra.worktree;

import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeLease;

/**
 * A check run on a cell's change after it is staged and before it is committed, such as the
 * repository's own {@code pre-commit} hook run inside the cell's sandbox ({@link RepositoryHooks}).
 *
 * <p>Implementations must be thread-safe: one instance serves every cell.
 */
@FunctionalInterface
public interface CommitCheck {

  /**
   * Checks the staged change of {@code lease}; returns normally to let it be committed.
   *
   * @param lease the cell's lease; its index holds the change about to be committed
   * @param message the commit message about to be used
   * @throws WorktreeException {@link WorktreeException.Reason#COMMIT_REJECTED} to refuse the
   *     change, with what the check said
   */
  void check(WorktreeLease lease, String message);
}
