package io.openswarm.core;

import java.time.Duration;
import java.util.Objects;

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
  TEARDOWN;

  /**
   * How long one step of a cell took.
   *
   * @param step the step
   * @param duration its wall-clock duration, never negative
   */
  public record Timing(CellStep step, Duration duration) {

    /**
     * Checks both components.
     *
     * @param step the step; not null
     * @param duration its wall-clock duration; not null, not negative
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public Timing {
      Objects.requireNonNull(step, "step cannot be null");
      Objects.requireNonNull(duration, "duration cannot be null");
      if (duration.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative but was " + duration);
      }
    }
  }
}
