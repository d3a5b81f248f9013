package io.openswarm.core.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The result of teardown.
 *
 * @param errors one line per compensation that failed (what could not be stopped, returned or
 *     released); empty when the cell left nothing behind
 * @param duration how long teardown took
 * @param wasLive false when the cell was not live on this host (never bootstrapped here, or already
 *     torn down)
 * @param historyPath the folder that keeps the cell's logs and reports, when they were kept
 * @param rejectedRef the ref that keeps the cell's reverted change, when one was kept
 */
public record TeardownResult(
    List<String> errors,
    Duration duration,
    boolean wasLive,
    @Nullable String historyPath,
    @Nullable String rejectedRef) {

  /**
   * Checks the components.
   *
   * @param errors one line per failed compensation; not null (copied), empty when teardown was
   *     clean
   * @param duration how long teardown took; not null
   * @param wasLive false when the cell was not live on this host
   * @param historyPath the folder that keeps the cell's logs and reports, or null
   * @param rejectedRef the ref that keeps the reverted change, or null
   * @throws NullPointerException if {@code errors} or {@code duration} is null
   */
  public TeardownResult {
    errors = List.copyOf(Objects.requireNonNull(errors, "errors cannot be null"));
    Objects.requireNonNull(duration, "duration cannot be null");
  }

  /**
   * A result with nothing kept after the cell.
   *
   * @param errors one line per failed compensation; not null, empty when teardown was clean
   * @param duration how long teardown took; not null
   * @param wasLive false when the cell was not live on this host
   * @throws NullPointerException if {@code errors} or {@code duration} is null
   */
  public TeardownResult(List<String> errors, Duration duration, boolean wasLive) {
    this(errors, duration, wasLive, null, null);
  }
}
