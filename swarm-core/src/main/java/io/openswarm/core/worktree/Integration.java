package io.openswarm.core.worktree;

import io.openswarm.core.testrun.TestResult;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link BranchIntegration#integrate} did.
 *
 * <ul>
 *   <li>{@link IntegrationStatus#INTEGRATED}: {@link #commit()} is the target branch's head that holds the cell's
 *       change; {@link #onto()} is the head it was put on top of. Both are the same commit when the target already
 *       held everything the cell had (nothing was moved).
 *   <li>{@link IntegrationStatus#CONFLICT}: {@link #conflictingFiles()} are the paths git could not rebase onto
 *       {@link #onto()}.
 *   <li>{@link IntegrationStatus#REVERTED}: {@link #retest()} is the red test run of the change on top of
 *       {@link #onto()}.
 * </ul>
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param status how it ended
 * @param targetBranch the branch integrated into, without {@code refs/heads/}
 * @param commit the target's new head when integrated, else null
 * @param onto the target head the change was last rebased onto (or fast-forwarded from)
 * @param conflictingFiles the conflicting paths when in conflict, sorted; else empty
 * @param retest the last test run on top of the target's head, or null when the tests did not have to run again
 *     (the target had not moved since the cell's tests ran)
 * @param rounds how many times the target's head was read and a compare-and-swap tried: 1 plus the number of times
 *     another integration moved the target meanwhile
 * @param retests how many times the tests ran again
 */
public record Integration(
    IntegrationStatus status,
    String targetBranch,
    @Nullable String commit,
    String onto,
    List<String> conflictingFiles,
    @Nullable TestResult retest,
    int rounds,
    int retests) {

  /**
   * Checks the components against the status.
   *
   * @param status how it ended; not null
   * @param targetBranch the branch integrated into; not null
   * @param commit the target's new head; required (not blank) when {@code status} is {@code INTEGRATED}
   * @param onto the target head the change was last rebased onto; not null
   * @param conflictingFiles the conflicting paths; not null (copied), empty unless in conflict
   * @param retest the last test run on top of the target's head; required when {@code status} is {@code REVERTED}
   * @param rounds how many compare-and-swap rounds were tried; not negative
   * @param retests how many times the tests ran again; not negative
   * @throws NullPointerException if a required component is null
   * @throws IllegalArgumentException if the components do not fit the status, or a count is negative
   */
  public Integration {
    Objects.requireNonNull(status, "status cannot be null");
    Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
    Objects.requireNonNull(onto, "onto cannot be null");
    conflictingFiles = List.copyOf(Objects.requireNonNull(conflictingFiles, "conflictingFiles cannot be null"));
    if (status == IntegrationStatus.INTEGRATED && (commit == null || commit.isBlank())) {
      throw new IllegalArgumentException("an INTEGRATED integration needs the commit but was " + commit);
    }
    if (status == IntegrationStatus.REVERTED && retest == null) {
      throw new IllegalArgumentException("a REVERTED integration needs the red test run");
    }
    if (rounds < 0 || retests < 0) {
      throw new IllegalArgumentException("rounds and retests must not be negative but were " + rounds + " and "
          + retests);
    }
  }

  /**
   * The target now holds the change as {@code commit}, on top of {@code onto}.
   *
   * @param targetBranch the branch integrated into; not null
   * @param commit the target's new head; not blank
   * @param onto the target head the change was last rebased onto; not null
   * @param retest the last test run on top of the target's head, or null when none was needed
   * @param rounds how many compare-and-swap rounds were tried; not negative
   * @param retests how many times the tests ran again; not negative
   * @return an {@code INTEGRATED} integration
   * @throws IllegalArgumentException if a count is negative
   */
  public static Integration integrated(String targetBranch, String commit, String onto, @Nullable TestResult retest,
      int rounds, int retests) {
    return new Integration(IntegrationStatus.INTEGRATED, targetBranch, commit, onto, List.of(), retest, rounds,
        retests);
  }

  /**
   * The change conflicts with {@code onto} in {@code files}.
   *
   * @param targetBranch the branch integrated into; not null
   * @param onto the target head the change was last rebased onto; not null
   * @param files the conflicting paths, sorted; not null
   * @param rounds how many compare-and-swap rounds were tried; not negative
   * @param retests how many times the tests ran again; not negative
   * @return a {@code CONFLICT} integration
   * @throws IllegalArgumentException if a count is negative
   */
  public static Integration conflict(String targetBranch, String onto, List<String> files, int rounds, int retests) {
    return new Integration(IntegrationStatus.CONFLICT, targetBranch, null, onto, files, null, rounds, retests);
  }

  /**
   * The change on top of {@code onto} failed the tests with {@code retest}.
   *
   * @param targetBranch the branch integrated into; not null
   * @param onto the target head the change was last rebased onto; not null
   * @param retest the red test run; not null
   * @param rounds how many compare-and-swap rounds were tried; not negative
   * @param retests how many times the tests ran again; not negative
   * @return a {@code REVERTED} integration
   * @throws IllegalArgumentException if a count is negative
   */
  public static Integration reverted(String targetBranch, String onto, TestResult retest, int rounds, int retests) {
    return new Integration(IntegrationStatus.REVERTED, targetBranch, null, onto, List.of(), retest, rounds,
        retests);
  }
}
