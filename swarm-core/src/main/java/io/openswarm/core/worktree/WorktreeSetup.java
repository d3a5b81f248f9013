package io.openswarm.core.worktree;

/**
 * Prepares a freshly leased worktree before a cell's agent starts in it: installs dependencies,
 * initialises submodules, copies files the repository does not hold (say {@code npm ci}, {@code pip
 * install -e .}, a {@code .env} from the user's checkout).
 *
 * <p>A set-up is expensive (an {@code npm ci} takes about a minute), and its outputs are ignored
 * files ({@code node_modules}, {@code target/}, {@code .venv}) that survive a warm worktree's reuse
 * when the pool keeps ignored files. So an implementation records on the lease {@linkplain
 * WorktreeLease#setupStamp() what it prepared the worktree for} and skips the work when a warm
 * worktree already carries the same stamp.
 *
 * <p>The cell steps call it in the WORKTREE step, after the lease is acquired; a failure fails that
 * step with the type {@code SetupFailed} (never a red verdict) and the worktree is returned.
 *
 * <p>Implementations must be thread-safe: cells prepare their worktrees concurrently (each its
 * own).
 */
@FunctionalInterface
public interface WorktreeSetup {

  /**
   * Prepares the worktree of {@code request}, or finds it prepared already.
   *
   * @param request the cell, its lease and its state folder
   * @return what was done
   * @throws WorktreeSetupException if the set-up failed, could not run or ran past its limit; the
   *     message carries the end of its output
   * @throws InterruptedException if the thread was interrupted; whatever the set-up started is
   *     stopped first
   */
  SetupResult prepare(SetupRequest request) throws InterruptedException;

  /**
   * A set-up that does nothing, the default: worktrees are used as git checks them out.
   *
   * @return a set-up that never runs anything
   */
  static WorktreeSetup none() {
    return request -> SetupResult.skipped("no set-up configured");
  }
}
