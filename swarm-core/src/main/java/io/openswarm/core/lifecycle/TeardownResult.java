package io.openswarm.core.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The result of teardown.
 *
 * @param errors one line per compensation that failed (what could not be stopped, returned or released); empty when
 *     the cell left nothing behind
 * @param duration how long teardown took
 * @param wasLive false when the cell was not live on this host (never bootstrapped here, or already torn down)
 */
public record TeardownResult(List<String> errors, Duration duration, boolean wasLive) {

  public TeardownResult {
    errors = List.copyOf(Objects.requireNonNull(errors, "errors cannot be null"));
    Objects.requireNonNull(duration, "duration cannot be null");
  }
}
