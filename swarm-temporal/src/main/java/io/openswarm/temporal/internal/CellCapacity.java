package io.openswarm.temporal.internal;

import io.openswarm.core.port.PortManager;
import io.openswarm.infra.worktree.WorktreePool;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * How many more cells fit on this host now: the least of the cell limit less the live cells, the available ports,
 * the worktrees the pool may still lease, and the cells that fit in the memory still available without pushing the
 * machine's use past the memory ceiling.
 *
 * <p>The memory term uses the memory actually available (what live cells use is already gone from it), so it also
 * sees other programs on the machine; the cell limit, computed at start from the memory budget, covers cells that
 * have not grown to their full size yet.
 *
 * <p>Thread-safe; cheap enough to ask many times a second (the memory reading is cached).
 */
public final class CellCapacity implements CellAdmission.Capacity {

  private final int maxCells;
  private final IntSupplier liveCells;
  private final PortManager ports;
  private final WorktreePool worktrees;
  private final SystemMemory memory;
  private final long memoryPerCell;
  private final double memoryCeiling;

  /**
   * @param maxCells the most cells at once on this host
   * @param liveCells the cells live now
   * @param ports the host's ports
   * @param worktrees the host's worktree pool
   * @param memory the machine's memory
   * @param memoryPerCell what one cell is expected to use at its largest, in bytes
   * @param memoryCeiling the used fraction of memory that new cells must not push the machine past
   */
  public CellCapacity(int maxCells, IntSupplier liveCells, PortManager ports, WorktreePool worktrees,
      SystemMemory memory, long memoryPerCell, double memoryCeiling) {
    this.maxCells = maxCells;
    this.liveCells = Objects.requireNonNull(liveCells, "liveCells cannot be null");
    this.ports = Objects.requireNonNull(ports, "ports cannot be null");
    this.worktrees = Objects.requireNonNull(worktrees, "worktrees cannot be null");
    this.memory = Objects.requireNonNull(memory, "memory cannot be null");
    this.memoryPerCell = memoryPerCell;
    this.memoryCeiling = memoryCeiling;
  }

  @Override
  public CellAdmission.Headroom headroom() {
    int live = liveCells.getAsInt();
    int byCells = maxCells - live;
    int byPorts = ports.availableCount();
    int maxWorktrees = worktrees.options().maxTotal();
    int leasedWorktrees = worktrees.leasedCount();
    int byWorktrees = maxWorktrees - leasedWorktrees;
    SystemMemory.Reading reading = memory.read();
    long spare = reading.availableBytes() - (long) ((1 - memoryCeiling) * reading.totalBytes());
    int byMemory = reading.totalBytes() <= 0 ? Integer.MAX_VALUE
        : (int) Math.max(-1, Math.min(Integer.MAX_VALUE, Math.floorDiv(spare, memoryPerCell)));

    // The least of the four limits; on a tie a resource is named rather than the cell limit, since running out of
    // it is what an operator can act on.
    int cells = Math.min(Math.min(byCells, byPorts), Math.min(byWorktrees, byMemory));
    String limitedBy;
    String detail;
    if (byPorts == cells) {
      limitedBy = "ports";
      detail = byPorts + " port(s) available in " + ports.range() + ", " + ports.allocatedCount() + " allocated, "
          + ports.quarantinedCount() + " quarantined";
    } else if (byWorktrees == cells) {
      limitedBy = "worktrees";
      detail = leasedWorktrees + " of " + maxWorktrees + " worktrees leased";
    } else if (byMemory == cells) {
      limitedBy = "memory";
      detail = String.format("%d MiB of %d MiB memory available, %.0f %% ceiling, %d MiB per cell",
          reading.availableBytes() >> 20, reading.totalBytes() >> 20, memoryCeiling * 100, memoryPerCell >> 20);
    } else {
      limitedBy = "cells";
      detail = live + " of " + maxCells + " cells live";
    }
    return new CellAdmission.Headroom(Math.max(0, cells), limitedBy, detail);
  }
}
