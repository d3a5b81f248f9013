package io.openswarm.core.worktree;

/** How integrating a cell's commit onto a target branch ended. */
public enum IntegrationStatus {
  /**
   * The target branch now holds the cell's change, on top of what it held before, with green tests.
   */
  INTEGRATED,
  /**
   * The cell's change does not apply on the target's head: git could not rebase it without a
   * conflict.
   */
  CONFLICT,
  /** The cell's change applied on the target's head, but the tests failed there. */
  REVERTED
}
