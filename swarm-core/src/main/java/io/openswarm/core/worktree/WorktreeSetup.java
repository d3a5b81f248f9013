package io.openswarm.core.worktree;

import io.openswarm.core.CellId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

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
  Result prepare(Request request) throws InterruptedException;

  /**
   * A set-up that does nothing, the default: worktrees are used as git checks them out.
   *
   * @return a set-up that never runs anything
   */
  static WorktreeSetup none() {
    return request -> Result.skipped("no set-up configured");
  }

  /**
   * Which cell's worktree to prepare.
   *
   * <p>Immutable and thread-safe.
   *
   * @param cellId the cell that will work in the worktree
   * @param worktree the cell's lease; its {@linkplain WorktreeLease#setupStamp() stamp} says what a
   *     previous set-up prepared this worktree for
   * @param stateDirectory the absolute path of the cell's state folder (logs, HOME, TMPDIR), which
   *     exists; never inside the worktree
   */
  record Request(CellId cellId, WorktreeLease worktree, Path stateDirectory) {

    /**
     * Checks the components.
     *
     * @param cellId the cell; not null
     * @param worktree the cell's lease; not null
     * @param stateDirectory the cell's state folder; absolute
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the state directory is not absolute
     */
    public Request {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      Objects.requireNonNull(worktree, "worktree cannot be null");
      Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
      if (!stateDirectory.isAbsolute()) {
        throw new IllegalArgumentException(
            "stateDirectory must be absolute but was " + stateDirectory);
      }
    }
  }

  /**
   * What a {@link WorktreeSetup} did for one cell.
   *
   * <p>Immutable and thread-safe.
   *
   * @param ran whether the set-up command ran (false: nothing configured, or a warm worktree
   *     already prepared for the same inputs)
   * @param reason why it ran or not, for the log (for example {@code cold worktree}, {@code
   *     package-lock.json changed}, {@code warm worktree, inputs unchanged})
   * @param duration how long the whole set-up took, copies and checks included
   */
  record Result(boolean ran, String reason, Duration duration) {

    /**
     * Checks the components.
     *
     * @param ran whether the set-up command ran
     * @param reason why it ran or not; not null
     * @param duration how long the whole set-up took; not null, not negative
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public Result {
      Objects.requireNonNull(reason, "reason cannot be null");
      Objects.requireNonNull(duration, "duration cannot be null");
      if (duration.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative but was " + duration);
      }
    }

    /**
     * A set-up that did not run the command, for {@code reason}, in no time worth measuring.
     *
     * @param reason why the command did not run; not null
     * @return a result that did not run, with a zero duration
     */
    public static Result skipped(String reason) {
      return new Result(false, reason, Duration.ZERO);
    }
  }
}
