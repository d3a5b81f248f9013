package io.openswarm.core.lifecycle;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The result of the commit step.
 *
 * <p>Commit ids are named {@code commit} (or {@code <what>Commit}) throughout the API and are full
 * SHAs; that name is also the field Temporal's converter writes into workflow histories, which must
 * keep reading.
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
}
