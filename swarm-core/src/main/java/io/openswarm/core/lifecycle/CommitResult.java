package io.openswarm.core.lifecycle;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The result of the commit step.
 *
 * @param commit the SHA of the commit on the cell branch, or null when there was nothing to commit
 * @param duration how long the step took
 */
public record CommitResult(@Nullable String commit, Duration duration) {

  /**
   * Checks the duration.
   *
   * @param commit the SHA of the commit, or null when there was nothing to commit
   * @param duration how long the step took; not null
   * @throws NullPointerException if {@code duration} is null
   */
  public CommitResult {
    Objects.requireNonNull(duration, "duration cannot be null");
  }

  /**
   * The commit, if the cell produced one.
   *
   * @return the commit's SHA, or empty when there was nothing to commit
   */
  public Optional<String> sha() {
    return Optional.ofNullable(commit);
  }
}
