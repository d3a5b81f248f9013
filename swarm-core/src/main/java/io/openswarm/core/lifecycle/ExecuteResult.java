package io.openswarm.core.lifecycle;

import io.openswarm.core.ResultLimits;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the agent's turn produced. Bounded so that it always fits in one Temporal message (see
 * {@link ResultLimits}): the summary is cut to {@link ResultLimits#MAX_TEXT_CHARS} characters and
 * the changed files are listed up to {@link ResultLimits#MAX_LISTED_FILES}, beside their total
 * count.
 *
 * @param summary the agent's own final message, cut to {@link ResultLimits#MAX_TEXT_CHARS}
 *     characters
 * @param changedFiles the first of the paths that now differ from the base commit, as git reports
 *     them (not as the agent claims); all of them when there are at most {@link
 *     ResultLimits#MAX_LISTED_FILES}
 * @param changedFileCount how many paths differ in all; never less than the size of {@code
 *     changedFiles} (a payload written before this component existed reads as the size of the list)
 * @param duration how long the turn took
 */
public record ExecuteResult(
    String summary, List<String> changedFiles, int changedFileCount, Duration duration) {

  /**
   * Bounds the summary and the list; the count is at least the size of the list given.
   *
   * @param summary the agent's final message; not null, cut to {@link ResultLimits#MAX_TEXT_CHARS}
   *     characters
   * @param changedFiles the paths that differ from the base commit; not null, only the first {@link
   *     ResultLimits#MAX_LISTED_FILES} kept
   * @param changedFileCount how many paths differ in all; raised to the size of {@code
   *     changedFiles} when smaller
   * @param duration how long the turn took; not null
   * @throws NullPointerException if a component is null
   */
  public ExecuteResult {
    summary = ResultLimits.truncate(Objects.requireNonNull(summary, "summary cannot be null"));
    Objects.requireNonNull(changedFiles, "changedFiles cannot be null");
    changedFileCount = Math.max(changedFileCount, changedFiles.size());
    changedFiles = ResultLimits.firstFiles(changedFiles);
    Objects.requireNonNull(duration, "duration cannot be null");
  }

  /**
   * A result listing all of {@code changedFiles} (their first ones, when there are more than the
   * bound).
   *
   * @param summary the agent's final message; not null, cut to {@link ResultLimits#MAX_TEXT_CHARS}
   *     characters
   * @param changedFiles the paths that differ from the base commit; not null, only the first {@link
   *     ResultLimits#MAX_LISTED_FILES} kept
   * @param duration how long the turn took; not null
   * @throws NullPointerException if an argument is null
   */
  public ExecuteResult(String summary, List<String> changedFiles, Duration duration) {
    this(
        summary,
        changedFiles,
        Objects.requireNonNull(changedFiles, "changedFiles cannot be null").size(),
        duration);
  }

  /**
   * Whether {@link #changedFiles()} lists fewer paths than changed.
   *
   * @return true when the list holds only the first of the changed paths
   */
  public boolean changedFilesTruncated() {
    return changedFiles.size() < changedFileCount;
  }
}
