package io.openswarm.core.lifecycle;

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
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param status how it ended
 * @param targetBranch the branch integrated into
 * @param commit the target's new head when integrated, else null
 * @param onto the target head the change was last rebased onto (or fast-forwarded from)
 * @param conflictingFiles the conflicting paths when in conflict; else empty
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
    @Nullable String testOutputTail,
    int rounds,
    int retests,
    Duration duration) {

  /**
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if an integrated result has no commit
   */
  public IntegrateResult {
    Objects.requireNonNull(status, "status cannot be null");
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    Objects.requireNonNull(onto, "onto cannot be null");
    conflictingFiles = List.copyOf(Objects.requireNonNull(conflictingFiles, "conflictingFiles cannot be null"));
    Objects.requireNonNull(duration, "duration cannot be null");
    if (status == IntegrationStatus.INTEGRATED && commit == null) {
      throw new IllegalArgumentException("an INTEGRATED result needs the commit");
    }
  }

  /** The result of {@code integration}, which took {@code duration}. */
  public static IntegrateResult of(Integration integration, Duration duration) {
    Objects.requireNonNull(integration, "integration cannot be null");
    String tail = integration.status() == IntegrationStatus.REVERTED && integration.retest() != null
        ? integration.retest().report()
        : null;
    return new IntegrateResult(integration.status(), integration.targetBranch(), integration.commit(),
        integration.onto(), integration.conflictingFiles(), tail, integration.rounds(), integration.retests(),
        duration);
  }

  /** The target's new head, if the change was integrated. */
  public Optional<String> sha() {
    return Optional.ofNullable(commit);
  }
}
