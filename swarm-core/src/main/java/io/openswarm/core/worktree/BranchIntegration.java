package io.openswarm.core.worktree;

import io.openswarm.core.ResultLimits;
import io.openswarm.core.testrun.TestRunner;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Moves a cell's committed change onto a target branch that other cells integrate into at the same
 * time, so that the target only ever receives changes that were tested on top of what it held.
 *
 * <p>The contract: the cell's commits (those on its branch beyond the lease's base commit) are
 * rebased onto the target's head inside the cell's worktree, never merged; when the head is not the
 * commit the cell's tests ran on, the tests run again on the rebased commit through {@link Retest};
 * then the target is moved from the head that was read to the new commit with a compare-and-swap,
 * never forced. When another integration moved the target meanwhile, all of that is repeated on the
 * new head, a bounded number of times. The target is therefore either left exactly as it was or
 * moved forward by exactly the cell's change.
 *
 * <p>On {@link Status#CONFLICT} and {@link Status#REVERTED}, and when this throws, the cell's
 * branch and worktree are back where they were: the cell's commit on the cell's base. On {@link
 * Status#INTEGRATED}, the worktree holds the integrated commit; implementations may delete the
 * cell's branch then, since its work lives on the target.
 *
 * <p>Implementations must be thread-safe: cells of one worker integrate into the same target
 * concurrently. Calls for the same lease do not overlap.
 */
public interface BranchIntegration {

  /** Runs the tests again in the cell's worktree as it is now, and returns their verdict. */
  @FunctionalInterface
  interface Retest {
    /**
     * Runs the tests.
     *
     * @return the verdict of the run
     * @throws RuntimeException if the tests could not run or were cancelled; the integration is
     *     abandoned
     */
    TestRunner.Result run();
  }

  /**
   * Integrates the cell's change into {@code targetBranch}.
   *
   * @param lease the cell's lease, with the cell's change committed on its branch and nothing else
   *     changed
   * @param targetBranch the branch to integrate into, without {@code refs/heads/}; it must exist
   * @param committer who the rebased commits are committed by (their authors are kept)
   * @param retest how to run the tests on a rebased commit
   * @return what happened; a conflict or red tests are results, not exceptions
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code targetBranch} is not a valid branch name
   * @throws WorktreeException {@link WorktreeException.Reason#UNKNOWN_REF} if the target branch
   *     does not exist, {@link WorktreeException.Reason#BRANCH_CONFLICT} if it is checked out in a
   *     worktree (moving it would change files under someone's feet) or the cell's worktree is not
   *     on the cell's branch, another reason if git failed or the target kept moving for longer
   *     than the implementation's bound
   */
  Result integrate(WorktreeLease lease, String targetBranch, CommitAuthor committer, Retest retest);

  /** How integrating a cell's commit onto a target branch ended. */
  enum Status {
    /**
     * The target branch now holds the cell's change, on top of what it held before, with green
     * tests.
     */
    INTEGRATED,
    /**
     * The cell's change does not apply on the target's head: git could not rebase it without a
     * conflict.
     */
    CONFLICT,
    /** The cell's change applied on the target's head, but the tests failed there. */
    REVERTED
  }

  /**
   * How moving a cell's committed change onto a target branch ended: what {@link
   * BranchIntegration#integrate} returns, and, with the step's duration, what the integrate step of
   * the cell returns.
   *
   * <ul>
   *   <li>{@link Status#INTEGRATED}: {@link #commit()} is the target branch's head that holds the
   *       cell's change; {@link #onto()} is the head it was put on top of. Both are the same commit
   *       when the target already held everything the cell had (nothing was moved).
   *   <li>{@link Status#CONFLICT}: {@link #conflictingFiles()} are the paths git could not rebase
   *       onto {@link #onto()}.
   *   <li>{@link Status#REVERTED}: {@link #testOutputTail()} is the report of the red test run of
   *       the change on top of {@link #onto()}.
   * </ul>
   *
   * <p>Bounded so that it always fits in one Temporal message (see {@link ResultLimits}): the
   * conflicting files are listed up to {@link ResultLimits#MAX_LISTED_FILES} beside their count,
   * the test report is cut to {@link ResultLimits#MAX_TEXT_CHARS} characters.
   *
   * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry
   * it.
   *
   * @param status how it ended
   * @param targetBranch the branch integrated into, without {@code refs/heads/}
   * @param commit the target's new head when integrated, else null
   * @param onto the target head the change was last rebased onto (or fast-forwarded from)
   * @param conflictingFiles the conflicting paths when in conflict, sorted (the first {@link
   *     ResultLimits#MAX_LISTED_FILES} when there are more); else empty
   * @param conflictingFileCount how many paths conflict in all; never less than the size of {@code
   *     conflictingFiles}
   * @param testOutputTail the red test run's report (verdict line, then the end of its output) when
   *     reverted; else null
   * @param rounds how many times the target's head was read and a compare-and-swap tried: 1 plus
   *     the number of times another integration moved the target meanwhile
   * @param retests how many times the tests ran again on top of the target's head
   * @param duration how long the integrate step took, test runs included; zero as {@link
   *     BranchIntegration} returns it
   */
  record Result(
      Status status,
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
     * Checks the components against the status and bounds the list of conflicting files and the
     * report.
     *
     * @param status how it ended; not null
     * @param targetBranch the branch integrated into; not null
     * @param commit the target's new head; required (not blank) when {@code status} is {@code
     *     INTEGRATED}
     * @param onto the target head the change was last rebased onto; not null
     * @param conflictingFiles the conflicting paths; not null, empty unless in conflict; only the
     *     first {@link ResultLimits#MAX_LISTED_FILES} kept
     * @param conflictingFileCount how many paths conflict in all; raised to the size of {@code
     *     conflictingFiles} when smaller
     * @param testOutputTail the red run's report, or null; cut to {@link
     *     ResultLimits#MAX_TEXT_CHARS} characters
     * @param rounds how many compare-and-swap rounds were tried; not negative
     * @param retests how many times the tests ran again; not negative
     * @param duration how long the step took; not null
     * @throws NullPointerException if a required component is null
     * @throws IllegalArgumentException if an integrated result has no commit, or a count is
     *     negative
     */
    public Result {
      Objects.requireNonNull(status, "status cannot be null");
      Objects.requireNonNull(targetBranch, "targetBranch cannot be null");
      Objects.requireNonNull(onto, "onto cannot be null");
      Objects.requireNonNull(conflictingFiles, "conflictingFiles cannot be null");
      conflictingFileCount = Math.max(conflictingFileCount, conflictingFiles.size());
      conflictingFiles = ResultLimits.firstFiles(conflictingFiles);
      testOutputTail = testOutputTail == null ? null : ResultLimits.truncate(testOutputTail);
      Objects.requireNonNull(duration, "duration cannot be null");
      if (status == Status.INTEGRATED && (commit == null || commit.isBlank())) {
        throw new IllegalArgumentException(
            "an INTEGRATED result needs the commit but was " + commit);
      }
      if (rounds < 0 || retests < 0) {
        throw new IllegalArgumentException(
            "rounds and retests must not be negative but were " + rounds + " and " + retests);
      }
    }

    /**
     * A result whose {@code conflictingFiles} are all the conflicting files (their first ones, when
     * there are more than the bound).
     *
     * @param status how it ended; not null
     * @param targetBranch the branch integrated into; not null
     * @param commit the target's new head; required when {@code status} is {@code INTEGRATED}, may
     *     be null otherwise
     * @param onto the target head the change was last rebased onto; not null
     * @param conflictingFiles the conflicting paths; not null, empty unless in conflict
     * @param testOutputTail the red run's report, or null
     * @param rounds how many compare-and-swap rounds were tried
     * @param retests how many times the tests ran again
     * @param duration how long the step took; not null
     * @throws NullPointerException if a required component is null
     * @throws IllegalArgumentException if an integrated result has no commit, or a count is
     *     negative
     */
    public Result(
        Status status,
        String targetBranch,
        @Nullable String commit,
        String onto,
        List<String> conflictingFiles,
        @Nullable String testOutputTail,
        int rounds,
        int retests,
        Duration duration) {
      this(
          status,
          targetBranch,
          commit,
          onto,
          conflictingFiles,
          Objects.requireNonNull(conflictingFiles, "conflictingFiles cannot be null").size(),
          testOutputTail,
          rounds,
          retests,
          duration);
    }

    /**
     * The target now holds the change as {@code commit}, on top of {@code onto}.
     *
     * @param targetBranch the branch integrated into; not null
     * @param commit the target's new head; not blank
     * @param onto the target head the change was last rebased onto; not null
     * @param rounds how many compare-and-swap rounds were tried; not negative
     * @param retests how many times the tests ran again; not negative
     * @return an {@code INTEGRATED} result, of zero duration
     * @throws IllegalArgumentException if {@code commit} is blank or a count is negative
     */
    public static Result integrated(
        String targetBranch, String commit, String onto, int rounds, int retests) {
      return new Result(
          Status.INTEGRATED,
          targetBranch,
          commit,
          onto,
          List.of(),
          null,
          rounds,
          retests,
          Duration.ZERO);
    }

    /**
     * The change conflicts with {@code onto} in {@code files}.
     *
     * @param targetBranch the branch integrated into; not null
     * @param onto the target head the change was last rebased onto; not null
     * @param files the conflicting paths, sorted; not null
     * @param rounds how many compare-and-swap rounds were tried; not negative
     * @param retests how many times the tests ran again; not negative
     * @return a {@code CONFLICT} result, of zero duration
     * @throws IllegalArgumentException if a count is negative
     */
    public static Result conflict(
        String targetBranch, String onto, List<String> files, int rounds, int retests) {
      return new Result(
          Status.CONFLICT, targetBranch, null, onto, files, null, rounds, retests, Duration.ZERO);
    }

    /**
     * The change on top of {@code onto} failed the tests with {@code retest}.
     *
     * @param targetBranch the branch integrated into; not null
     * @param onto the target head the change was last rebased onto; not null
     * @param retest the red test run; not null
     * @param rounds how many compare-and-swap rounds were tried; not negative
     * @param retests how many times the tests ran again; not negative
     * @return a {@code REVERTED} result carrying the run's report, of zero duration
     * @throws NullPointerException if {@code retest} is null
     * @throws IllegalArgumentException if a count is negative
     */
    public static Result reverted(
        String targetBranch, String onto, TestRunner.Result retest, int rounds, int retests) {
      Objects.requireNonNull(retest, "retest cannot be null");
      return new Result(
          Status.REVERTED,
          targetBranch,
          null,
          onto,
          List.of(),
          retest.report(),
          rounds,
          retests,
          Duration.ZERO);
    }

    /**
     * This result as the integrate step reports it, which took {@code stepDuration}.
     *
     * @param stepDuration how long the step took; not null
     * @return a copy with that duration
     * @throws NullPointerException if {@code stepDuration} is null
     */
    public Result withDuration(Duration stepDuration) {
      return new Result(
          status,
          targetBranch,
          commit,
          onto,
          conflictingFiles,
          conflictingFileCount,
          testOutputTail,
          rounds,
          retests,
          Objects.requireNonNull(stepDuration, "duration cannot be null"));
    }
  }
}
