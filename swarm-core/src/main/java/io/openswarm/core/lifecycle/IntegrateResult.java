package io.openswarm.core.lifecycle;

import io.openswarm.core.ResultLimits;
import io.openswarm.core.worktree.Integration;
import io.openswarm.core.worktree.IntegrationStatus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The result of the integrate step: {@code INTEGRATED(commit)}, {@code CONFLICT(conflictingFiles)} or
 * {@code REVERTED(testOutputTail)}. See {@link Integration} for what each component means.
 *
 * <p>Bounded so that it always fits in one Temporal message (see {@link ResultLimits}): the conflicting files are
 * listed up to {@link ResultLimits#MAX_LISTED_FILES} beside their count, the test report is cut to
 * {@link ResultLimits#MAX_TEXT_CHARS} characters.
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param status how it ended
 * @param targetBranch the branch integrated into
 * @param commit the target's new head when integrated, else null
 * @param onto the target head the change was last rebased onto (or fast-forwarded from)
 * @param conflictingFiles the conflicting paths when in conflict (the first {@link ResultLimits#MAX_LISTED_FILES}
 *     when there are more); else empty
 * @param conflictingFileCount how many paths conflict in all; never less than the size of {@code conflictingFiles}
 * @param testOutputTail the red test run's report (verdict line, then the end of its output) when reverted; else null
 * @param rounds how many times the target's head was read and a compare-and-swap tried (more than 1 when other
 *     integrations moved the target meanwhile)
 * @param retests how many times the tests ran again on top of the target's head
 * @param duration how long the step took, test runs included
 */
public record IntegrateResult(
    IntegrationStatus status,
    String targetBranch,
    @Nullable String commit,
    String onto,
    List<String> conflictingFiles,
    int conflictingFileCount,
    @Nullable String testOutputTail,
    int rounds,
    int retests,
    Duration duration) {

  /**
   * Checks the components and bounds the list of conflicting files and the report.
   *
   * @param status how it ended; not null
   * @param targetBranch the branch integrated into; not null
   * @param commit the target's new head; required when {@code status} is {@code INTEGRATED}, may be null otherwise
   * @param onto the target head the change was last rebased onto; not null
   * @param conflictingFiles the conflicting paths; not null, empty unless in conflict; only the first {@link
   *     ResultLimits#MAX_LISTED_FILES} kept
   * @param conflictingFileCount how many paths conflict in all; raised to the size of {@code conflictingFiles} when
   *     smaller
   * @param testOutputTail the red run's report, or null; cut to {@link ResultLimits#MAX_TEXT_CHARS} characters
   * @param rounds how many compare-and-swap rounds were tried
   * @param retests how many times the tests ran again
   * @param duration how long the step took; not null
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if an integrated result has no commit
   */
  public IntegrateResult {
    Objects.requireNonNull(status, "status cannot be null");
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    Objects.requireNonNull(onto, "onto cannot be null");
    Objects.requireNonNull(conflictingFiles, "conflictingFiles cannot be null");
    conflictingFileCount = Math.max(conflictingFileCount, conflictingFiles.size());
    conflictingFiles = ResultLimits.firstFiles(conflictingFiles);
    testOutputTail = testOutputTail == null ? null : ResultLimits.truncate(testOutputTail);
    Objects.requireNonNull(duration, "duration cannot be null");
    if (status == IntegrationStatus.INTEGRATED && commit == null) {
      throw new IllegalArgumentException("an INTEGRATED result needs the commit");
    }
  }

  /**
   * A result whose {@code conflictingFiles} are all the conflicting files (their first ones, when there are more than
   * the bound).
   *
   * @param status how it ended; not null
   * @param targetBranch the branch integrated into; not null
   * @param commit the target's new head; required when {@code status} is {@code INTEGRATED}, may be null otherwise
   * @param onto the target head the change was last rebased onto; not null
   * @param conflictingFiles the conflicting paths; not null, empty unless in conflict; only the first {@link
   *     ResultLimits#MAX_LISTED_FILES} kept
   * @param testOutputTail the red run's report, or null; cut to {@link ResultLimits#MAX_TEXT_CHARS} characters
   * @param rounds how many compare-and-swap rounds were tried
   * @param retests how many times the tests ran again
   * @param duration how long the step took; not null
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if an integrated result has no commit
   */
  public IntegrateResult(IntegrationStatus status, String targetBranch, @Nullable String commit, String onto,
      List<String> conflictingFiles, @Nullable String testOutputTail, int rounds, int retests, Duration duration) {
    this(status, targetBranch, commit, onto, conflictingFiles,
        Objects.requireNonNull(conflictingFiles, "conflictingFiles cannot be null").size(), testOutputTail, rounds,
        retests, duration);
  }

  /**
   * The result of {@code integration}, which took {@code duration}.
   *
   * @param integration what the integration did; not null
   * @param duration how long the step took; not null
   * @return the step's result; its report is the retest's when the change was reverted
   * @throws NullPointerException if an argument is null
   */
  public static IntegrateResult of(Integration integration, Duration duration) {
    Objects.requireNonNull(integration, "integration cannot be null");
    String tail = integration.status() == IntegrationStatus.REVERTED && integration.retest() != null
        ? integration.retest().report()
        : null;
    return new IntegrateResult(integration.status(), integration.targetBranch(), integration.commit(),
        integration.onto(), integration.conflictingFiles(), tail, integration.rounds(), integration.retests(),
        duration);
  }

  /**
   * The target's new head, if the change was integrated.
   *
   * @return the target's new head, or empty when the change was not integrated
   */
  public Optional<String> sha() {
    return Optional.ofNullable(commit);
  }
}
