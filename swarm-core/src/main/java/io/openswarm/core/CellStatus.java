package io.openswarm.core;

/** How a cell ended. */
public enum CellStatus {
  /** The tests passed and the change was committed on the cell branch. */
  COMMITTED,
  /** The tests passed but the agent changed nothing, so there was nothing to commit. */
  NO_CHANGES,
  /** The tests failed and the worktree was restored to the base commit. */
  REVERTED,
  /** A step failed before a verdict could be reached; see {@link CellOutcome#failedStep()}. */
  FAILED
}
