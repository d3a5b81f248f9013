package io.openswarm.core.worktree;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link WorktreeSetup} did for one cell.
 *
 * <p>Immutable and thread-safe.
 *
 * @param ran whether the set-up command ran (false: nothing configured, or a warm worktree already
 *     prepared for the same inputs)
 * @param reason why it ran or not, for the log (for example {@code cold worktree}, {@code
 *     package-lock.json changed}, {@code warm worktree, inputs unchanged})
 * @param duration how long the whole set-up took, copies and checks included
 */
public record SetupResult(boolean ran, String reason, Duration duration) {

  /**
   * Checks the components.
   *
   * @param ran whether the set-up command ran
   * @param reason why it ran or not; not null
   * @param duration how long the whole set-up took; not null, not negative
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public SetupResult {
    Objects.requireNonNull(reason, "reason cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but was " + duration);
    }
  }

  /**
   * A set-up that did not run the command, for {@code reason}, in no time worth measuring.
   *
   * @param reason why the command did not run; not null
   * @return a result that did not run, with a zero duration
   */
  public static SetupResult skipped(String reason) {
    return new SetupResult(false, reason, Duration.ZERO);
  }
}
