package io.openswarm.temporal.internal;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The argument and state checks the worker's options builders share, so that every option reports a
 * mistake in the same words: IllegalArgumentException naming the option, the value and what is
 * allowed; IllegalStateException naming the option and the value it already had.
 *
 * <p>Stateless and thread-safe.
 */
public final class OptionChecks {

  private OptionChecks() {}

  /**
   * Refuses a second call of a set-once setter.
   *
   * @param option the option's name
   * @param current the value already set, or null when none was
   * @throws IllegalStateException if {@code current} is not null
   */
  public static void requireUnset(String option, @Nullable Object current) {
    if (current != null) {
      throw new IllegalStateException(option + " was already set to " + current);
    }
  }

  /**
   * Checks that a duration is positive.
   *
   * @param option the option's name
   * @param value the duration
   * @return {@code value}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static Duration positive(String option, Duration value) {
    Objects.requireNonNull(value, option + " cannot be null");
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(option + " must be positive but was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration is not negative.
   *
   * @param option the option's name
   * @param value the duration
   * @return {@code value}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is negative
   */
  public static Duration notNegative(String option, Duration value) {
    Objects.requireNonNull(value, option + " cannot be null");
    if (value.isNegative()) {
      throw new IllegalArgumentException(option + " must not be negative but was " + value);
    }
    return value;
  }

  /**
   * Checks that a count is at least 1.
   *
   * @param option the option's name
   * @param value the count
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is below 1
   */
  public static int atLeastOne(String option, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(option + " must be at least 1 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a string is not blank.
   *
   * @param option the option's name
   * @param value the string
   * @return {@code value}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is blank
   */
  public static String notBlank(String option, String value) {
    Objects.requireNonNull(value, option + " cannot be null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(option + " must not be blank but was \"" + value + "\"");
    }
    return value;
  }
}
