package io.openswarm.core.lifecycle;

import java.time.Duration;
import java.util.Objects;

/**
 * A base check that found the base green: the test command passed on the base commit before the
 * agent was prompted. (A red base is no result but the failure {@value
 * CellStepException#BASE_IS_RED}.)
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param baseCommit the base commit that was checked, a full SHA
 * @param reused whether the verdict was one the worker already had (or another cell reached
 *     meanwhile) for the same base commit, command and limit, so that this cell ran no tests
 * @param duration how long the step took in this cell: the run, or the wait for another cell's run
 */
public record BaseCheckResult(String baseCommit, boolean reused, Duration duration) {

  /**
   * Checks the components.
   *
   * @param baseCommit the base commit that was checked; not null
   * @param reused whether the verdict was reused rather than run by this cell
   * @param duration how long the step took in this cell; not null, not negative
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public BaseCheckResult {
    Objects.requireNonNull(baseCommit, "baseCommit cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but was " + duration);
    }
  }
}
