package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeProvider;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@link FaultInjector.Point#WORKTREE_ADD} and {@link FaultInjector.Point#WORKTREE_RESET} (after
 * the real acquisition, on the path it took) and, through its leases, {@link
 * FaultInjector.Point#WORKTREE_RETURN}.
 */
final class FaultyWorktreeProvider implements WorktreeProvider {

  private final FaultInjector injector;
  private final WorktreeProvider delegate;

  FaultyWorktreeProvider(FaultInjector injector, WorktreeProvider delegate) {
    this.injector = injector;
    this.delegate = delegate;
  }

  @Override
  public WorktreeLease acquire(CellId cellId, String baseRef) {
    WorktreeLease real = delegate.acquire(cellId, baseRef);
    try {
      if (injector.isArmed(FaultInjector.Point.WORKTREE_ADD, cellId)
          || injector.isArmed(FaultInjector.Point.WORKTREE_RESET, cellId)) {
        FaultInjector.Point path =
            real.reused() ? FaultInjector.Point.WORKTREE_RESET : FaultInjector.Point.WORKTREE_ADD;
        for (boolean after : new boolean[] {false, true}) {
          FaultInjector.Fired fault = injector.take(path, cellId, after);
          if (fault != null) {
            FaultSite.strike(
                injector,
                fault,
                FaultyWorktreeProvider::gitFailure,
                null,
                FaultyWorktreeProvider::gitFailure);
          }
        }
      }
    } catch (RuntimeException e) {
      // Give the worktree back as the pool does when its git step fails; not interrupted, or git
      // would refuse.
      boolean interrupted = Thread.interrupted();
      try {
        real.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      throw e;
    }
    return new Lease(injector, real);
  }

  private static RuntimeException gitFailure(String message) {
    return new WorktreeException(WorktreeException.Reason.GIT_FAILED, message);
  }

  @Override
  public Optional<WorktreeLease> find(CellId cellId) {
    return delegate.find(cellId).map(lease -> new Lease(injector, lease));
  }

  @Override
  public String toString() {
    return "Faulty[" + delegate + "]";
  }

  /** A lease whose return can fail or hang. */
  static final class Lease implements WorktreeLease {
    private final FaultInjector injector;
    final WorktreeLease delegate;

    Lease(FaultInjector injector, WorktreeLease delegate) {
      this.injector = injector;
      this.delegate = delegate;
    }

    @Override
    public CellId cellId() {
      return delegate.cellId();
    }

    @Override
    public Path path() {
      return delegate.path();
    }

    @Override
    public String branch() {
      return delegate.branch();
    }

    @Override
    public String baseCommit() {
      return delegate.baseCommit();
    }

    @Override
    public boolean reused() {
      return delegate.reused();
    }

    @Override
    public Optional<String> setupStamp() {
      return delegate.setupStamp();
    }

    @Override
    public void recordSetupStamp(@Nullable String stamp) {
      delegate.recordSetupStamp(stamp);
    }

    @Override
    public void close() {
      FaultInjector.Fired before =
          injector.take(FaultInjector.Point.WORKTREE_RETURN, cellId(), false);
      if (before != null) {
        try {
          FaultSite.strike(injector, before, this::failure, null, this::failure);
        } catch (RuntimeException e) {
          injector.holdBack("return worktree " + path() + " of cell " + cellId(), delegate);
          throw e;
        }
      }
      delegate.close();
      FaultInjector.Fired after =
          injector.take(FaultInjector.Point.WORKTREE_RETURN, cellId(), true);
      if (after != null) {
        FaultSite.strike(injector, after, this::failure, null, this::failure);
      }
    }

    private RuntimeException failure(String message) {
      return new WorktreeException(WorktreeException.Reason.RESTORE_FAILED, message);
    }

    @Override
    public String toString() {
      return "Faulty[" + delegate + "]";
    }
  }

  /** The real lease behind a decorated one. */
  static WorktreeLease unwrap(WorktreeLease lease) {
    return lease instanceof Lease faulty ? faulty.delegate : lease;
  }
}
