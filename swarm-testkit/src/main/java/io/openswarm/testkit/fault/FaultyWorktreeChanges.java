package io.openswarm.testkit.fault;

import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeLease;
import java.util.List;
import java.util.Optional;

/** {@link FaultInjector.Point#COMMIT}: git refuses the commit, as when a hook fails. */
final class FaultyWorktreeChanges implements WorktreeChanges {

  private final FaultInjector injector;
  private final WorktreeChanges delegate;

  FaultyWorktreeChanges(FaultInjector injector, WorktreeChanges delegate) {
    this.injector = injector;
    this.delegate = delegate;
  }

  @Override
  public Optional<String> commit(WorktreeLease lease, String message, CommitAuthor author) {
    return FaultSite.run(
        injector,
        FaultInjector.Point.COMMIT,
        lease.cellId(),
        text -> new WorktreeException(WorktreeException.Reason.COMMIT_REJECTED, text),
        () -> delegate.commit(FaultyWorktreeProvider.unwrap(lease), message, author),
        sha -> {});
  }

  @Override
  public List<WorktreeChanges.ChangedFile> changedFiles(WorktreeLease lease) {
    return delegate.changedFiles(FaultyWorktreeProvider.unwrap(lease));
  }

  @Override
  public void revert(WorktreeLease lease) {
    delegate.revert(FaultyWorktreeProvider.unwrap(lease));
  }

  @Override
  public String toString() {
    return "Faulty[" + delegate + "]";
  }
}
