package io.openswarm.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How long one step of a cell took.
 *
 * @param step the step
 * @param duration its wall-clock duration, never negative
 */
public record StepTiming(CellStep step, Duration duration) {

  /**
   * Checks both components.
   *
   * @param step the step; not null
   * @param duration its wall-clock duration; not null, not negative
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public StepTiming {
    Objects.requireNonNull(step, "step cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative but was " + duration);
    }
  }
}
