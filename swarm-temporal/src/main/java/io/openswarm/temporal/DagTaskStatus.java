package io.openswarm.temporal;

/** Where a task of a {@link DagWorkflow} is, or how it ended. */
public enum DagTaskStatus {
  /** Waiting for its dependencies, for a free slot, or for the backoff before a retry. */
  PENDING,
  /** A cell is working on it. */
  RUNNING,
  /** Its change is on the target branch, tested on top of what the branch held. */
  INTEGRATED,
  /**
   * The agent changed nothing and the tests passed; there was nothing to integrate. Counts as done.
   */
  NO_CHANGES,
  /**
   * Its change conflicted with the target branch, also when redone once from the branch's new head.
   */
  CONFLICT,
  /**
   * The tests failed: on the agent's change (not retried: that is the verdict), or on top of the
   * target branch, also when redone once from the branch's new head.
   */
  REVERTED,
  /** A step failed, also after the retries (3 attempts, 1 s backoff doubling up to 30 s). */
  FAILED,
  /**
   * Not run, because a task it depends on (directly or not) did not succeed, or because the DAG's
   * base is red (its detail then starts with {@code BaseIsRed}).
   */
  SKIPPED,
  /** Not finished, because the DAG was cancelled. */
  CANCELLED;

  /**
   * Whether this is a final state that lets dependents start: {@link #INTEGRATED} or {@link
   * #NO_CHANGES}.
   *
   * @return true for {@link #INTEGRATED} and {@link #NO_CHANGES}
   */
  public boolean succeeded() {
    return this == INTEGRATED || this == NO_CHANGES;
  }

  /**
   * Whether the task will not change any more.
   *
   * @return true for a status that does not change any more
   */
  public boolean finalState() {
    return this != PENDING && this != RUNNING;
  }
}
