package io.openswarm.temporal;

/**
 * What a {@link SwarmHealth} report checks, with the performance guide's alert thresholds as
 * defaults.
 */
public enum HealthCheck {
  /**
   * Failed cells per finished cell in the error-rate window; warns above 1 %. Cancellations do not
   * count.
   */
  ERROR_RATE,
  /** Ports of the range neither leased nor quarantined; warns below 10. */
  AVAILABLE_PORTS,
  /** Bootstraps waiting in the shared task queue; warns above 100. */
  BACKLOG,
  /** The used fraction of the machine's (or container's) memory; warns above 90 %. */
  MEMORY,
  /**
   * Whether cells run isolated; warns while sandbox mode {@code AUTO} fell back to no sandbox
   * because bubblewrap does not work here. An explicit {@code NONE} is the user's choice and does
   * not warn.
   */
  SANDBOX,
  /**
   * The free space of the file systems holding the worktree root and the state directory; warns
   * below 5 GiB and 10 % of the file system, and below the floor (1 GiB and 2 %) says that new
   * cells are held back. See {@link HealthThresholds#minFreeDiskBytes()}.
   */
  DISK
}
