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

  /** The target now holds the change as {@code commit}, on top of {@code onto}. */
  public static Integration integrated(String targetBranch, String commit, String onto, @Nullable TestResult retest,
      int rounds, int retests) {
    return new Integration(IntegrationStatus.INTEGRATED, targetBranch, commit, onto, List.of(), retest, rounds,
        retests);
  }

  /** The change conflicts with {@code onto} in {@code files}. */
  public static Integration conflict(String targetBranch, String onto, List<String> files, int rounds, int retests) {
    return new Integration(IntegrationStatus.CONFLICT, targetBranch, null, onto, files, null, rounds, retests);
  }

  /** The change on top of {@code onto} failed the tests with {@code retest}. */
  public static Integration reverted(String targetBranch, String onto, TestResult retest, int rounds, int retests) {
    return new Integration(IntegrationStatus.REVERTED, targetBranch, null, onto, List.of(), retest, rounds,
        retests);
  }
}
