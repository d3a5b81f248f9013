package io.openswarm.temporal.internal;

import io.openswarm.core.CellId;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.temporal.SwarmWorkerOptions;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk one new cell of a worker is budgeted: the configured figure, or {@value
 * SwarmWorkerOptions#DEFAULT_DISK_PER_CELL_FACTOR} times one worktree, measured once on a live
 * cell's worktree (set-up included) off the cells' threads.
 *
 * <p>Thread-safe.
 */
public final class DiskBudget {

  private static final Logger log = LoggerFactory.getLogger(DiskBudget.class);

  private final OptionalLong configured;
  private final String hostId;
  private final WorktreeSize worktreeSize = new WorktreeSize();

  /**
   * A budget.
   *
   * @param configured the configured bytes per cell, or empty to measure a worktree
   * @param hostId the worker's host id, for the log
   */
  public DiskBudget(OptionalLong configured, String hostId) {
    this.configured = configured;
    this.hostId = hostId;
  }

  /**
   * The disk budgeted for one new cell; 0 while unknown (then only the disk floor holds new cells
   * back).
   *
   * @return the bytes
   */
  public long perCell() {
    if (configured.isPresent()) {
      return configured.getAsLong();
    }
    OptionalLong measured = worktreeSize.bytes();
    return measured.isPresent()
        ? measured.getAsLong() * SwarmWorkerOptions.DEFAULT_DISK_PER_CELL_FACTOR
        : 0;
  }

  /**
   * The size of one worktree, once measured.
   *
   * @return the bytes, or empty until measured
   */
  public OptionalLong worktreeBytes() {
    return worktreeSize.bytes();
  }

  /**
   * Measures one leased worktree of a live cell, once; a no-op when measured or when no cell holds
   * one yet.
   *
   * @param liveCells the worker's live cells
   * @param pool the worker's pool
   * @param measured what to run when the size is first known (admission looks again)
   */
  public void measureOnce(Collection<CellId> liveCells, WorktreePool pool, Runnable measured) {
    if (worktreeSize.bytes().isPresent()) {
      return;
    }
    try {
      for (CellId cellId : liveCells) {
        Optional<WorktreeLease> lease = pool.find(cellId);
        if (lease.isPresent()) {
          long started = System.nanoTime();
          if (worktreeSize.measureOnce(lease.get().path())) {
            long bytes = worktreeSize.bytes().orElse(0);
            log.info(
                "swarm worker {}: one worktree takes {} MiB on disk (measured {} in {} ms); {} MiB budgeted per"
                    + " new cell",
                hostId,
                String.format(Locale.ROOT, "%.1f", bytes / 1048576.0),
                lease.get().path(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                String.format(Locale.ROOT, "%.1f", perCell() / 1048576.0));
            measured.run();
            return;
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn(
          "swarm worker {}: cannot measure a worktree's size; disk per cell stays unknown",
          hostId,
          e);
    }
  }
}
