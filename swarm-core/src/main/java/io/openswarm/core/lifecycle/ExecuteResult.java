package io.openswarm.core.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the agent's turn produced.
 *
 * @param summary the agent's own final message
 * @param changedFiles the paths that now differ from the base commit, as git reports them (not as the agent claims)
 * @param duration how long the turn took
 */
public record ExecuteResult(String summary, List<String> changedFiles, Duration duration) {

  public ExecuteResult {
    Objects.requireNonNull(summary, "summary cannot be null");
    changedFiles = List.copyOf(Objects.requireNonNull(changedFiles, "changedFiles cannot be null"));
    Objects.requireNonNull(duration, "duration cannot be null");
  }
}
