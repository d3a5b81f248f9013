package io.openswarm.core;

/**
 * The steps of a cell's life, in the order they run. Timings, failures and metrics are reported per
 * step.
 */
public enum CellStep {
  /** Leasing the cell's port. */
  PORT,
  /** Leasing the cell's worktree at the base commit on the cell branch. */
  WORKTREE,
  /** Starting the agent process. */
  AGENT_START,
  /** Waiting until the agent answers its health check. */
  AGENT_READY,
  /**
   * Running the test command on the base commit, before the agent is prompted, when the base check
   * is on (see {@link TaskSpec#verifyBase()}); a verdict the worker already knows for the same base
   * and command is reused.
   */
  VERIFY_BASE,
  /** Prompting the agent and waiting for its turn to end. */
  EXECUTE,
  /** Running the repository's test command in the worktree. */
  TEST,
  /** Committing the worktree's changes on the cell branch (tests green). */
  COMMIT,
  /** Restoring the worktree to the base commit (tests red). */
  REVERT,
  /** Moving a committed change onto a target branch (DAG workflows). */
  INTEGRATE,
  /** Stopping the agent, returning the worktree and releasing the port. Always runs. */
  TEARDOWN
}
