package io.openswarm.infra.worktree;

/** What happens to a cell's branch when its worktree lease is released. */
public enum BranchRetention {
  /**
   * Keep the branch when it holds a commit that is not in the lease's base commit (the cell's work,
   * which others integrate later); delete it when it holds nothing new. The default.
   */
  KEEP_IF_COMMITTED,
  /** Always keep the branch. Branches accumulate; something else must delete them. */
  ALWAYS_KEEP,
  /**
   * Always delete the branch, commits and all. For throw-away runs only: committed work is lost.
   */
  ALWAYS_DELETE
}
