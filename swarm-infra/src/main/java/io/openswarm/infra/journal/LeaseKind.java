package io.openswarm.infra.journal;

/**
 * What kind of resource a {@link LeaseRecord} stands for; each kind is reclaimed by its own
 * component.
 */
public enum LeaseKind {
  /** A git worktree directory of a worktree pool. */
  WORKTREE,
  /** A TCP port handed out to a cell. */
  PORT,
  /** A child process (agent server, test command) started for a cell. */
  PROCESS,
  /**
   * A directory a worker created for its own use, such as the parent of its cells' state
   * directories; deleted with everything in it once its owner is dead.
   */
  DIRECTORY
}
