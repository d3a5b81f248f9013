package io.openswarm.core.worktree;

import io.openswarm.core.testrun.TestRunner;

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
 * <p>On {@link IntegrationStatus#CONFLICT} and {@link IntegrationStatus#REVERTED}, and when this
 * throws, the cell's branch and worktree are back where they were: the cell's commit on the cell's
 * base. On {@link IntegrationStatus#INTEGRATED}, the worktree holds the integrated commit;
 * implementations may delete the cell's branch then, since its work lives on the target.
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
  IntegrationResult integrate(
      WorktreeLease lease, String targetBranch, CommitAuthor committer, Retest retest);
}
