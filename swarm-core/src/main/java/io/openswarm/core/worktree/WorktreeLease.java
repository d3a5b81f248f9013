package io.openswarm.core.worktree;

import io.openswarm.core.CellId;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One cell's exclusive use of a git worktree, from {@link WorktreeProvider#acquire} until {@link
 * #close()}.
 *
 * <p>While the lease is open the worktree at {@link #path()} has the branch {@link #branch()}
 * checked out, which started at {@link #baseCommit()}. The cell may change files and commit on the
 * branch.
 *
 * <p>Implementations are thread-safe; {@link #close()} may be called from any thread, any number of
 * times.
 */
public interface WorktreeLease extends AutoCloseable {

  /**
   * The cell that holds this lease.
   *
   * @return the cell; never null
   */
  CellId cellId();

  /**
   * The absolute path of the worktree directory.
   *
   * @return the worktree's absolute path
   */
  Path path();

  /**
   * The short name of the cell's branch, for example {@code swarm/cell-7} (without {@code
   * refs/heads/}).
   *
   * @return the branch name, such as {@code swarm/cell-7}
   */
  String branch();

  /**
   * The full SHA of the commit the branch started at: the base ref as resolved when the lease was
   * acquired.
   *
   * @return the base commit's full SHA
   */
  String baseCommit();

  /**
   * Whether the provider reused a worktree it kept (the warm path: a checkout in an existing
   * directory) rather than creating one for this lease (the cold path, {@code git worktree add}).
   * {@code false} by default, for providers that always create.
   *
   * @return true for a warm worktree, false for a new one
   */
  default boolean reused() {
    return false;
  }

  /**
   * What the last successful {@link WorktreeSetup} prepared this worktree for (an opaque value,
   * such as a hash of the set-up command and its input files), when the worktree still holds what
   * that set-up produced; empty for a new worktree, after a failed set-up, and by default, for
   * providers that do not keep ignored files between leases.
   *
   * @return the stamp of the last set-up, or empty when unknown
   */
  default Optional<String> setupStamp() {
    return Optional.empty();
  }

  /**
   * Records what a set-up prepared this worktree for ({@code stamp}), or that its state is unknown
   * ({@code null}: a set-up about to run or that failed). A provider that keeps ignored files
   * between leases keeps the stamp with the worktree while it is idle and hands it to the next
   * lease of the same worktree; it forgets the stamp when it does not keep them. Ignored by
   * default.
   *
   * @param stamp what the set-up prepared the worktree for, or null when unknown
   * @throws IllegalStateException if the lease is closed (optional for providers that ignore
   *     stamps)
   */
  default void recordSetupStamp(@Nullable String stamp) {}

  /**
   * Returns the worktree: it is restored to {@link #baseCommit()} exactly (tracked, staged,
   * untracked and, unless the provider is configured to keep them, ignored files), detached from
   * the branch, and made available to other cells. The branch is kept when it holds commits that
   * are not in the base (others integrate them later) and deleted when it holds nothing new, unless
   * the provider is configured otherwise.
   *
   * <p>Idempotent: the second and later calls do nothing. After the first call the path must no
   * longer be used.
   *
   * @throws WorktreeException if the worktree could neither be restored nor removed, or git failed
   *     while deciding about the branch; the lease is released regardless, and a committed branch
   *     is never deleted because of such a failure. A worktree that cannot be restored but can be
   *     removed is removed quietly (with a warning in the log): the provider stays consistent, so
   *     there is nothing for the caller to handle.
   */
  @Override
  void close();
}
