package io.openswarm.temporal.internal;

import io.openswarm.core.port.PortManager;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.temporal.SwarmHealth;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * How many more cells fit on this host now: the least of the cell limit less the live cells, the
 * available ports, the worktrees the pool may still lease, the cells that fit in the memory still
 * available without pushing the machine's use past the memory ceiling, and the cells that fit in
 * the free disk above the disk floor.
 *
 * <p>The disk term: for each file system the worker writes to (worktree root, state directory),
 * {@code (usable - floor) / diskPerCell}, the least of them; none while any is below its floor.
 * Until the disk per cell is known (it comes from the first worktree's measured size), only the
 * floor applies. Like memory, the free space already excludes what live cells wrote, so the term is
 * about new cells; a warm worktree reused costs less than budgeted, which keeps the term on the
 * safe side.
 *
 * <p>The memory term uses the memory actually available (what live cells use is already gone from
 * it), so it also sees other programs on the machine; the cell limit, computed at start from the
 * memory budget, covers cells that have not grown to their full size yet.
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
  private final DiskSpace disk;
  private final SwarmHealth.Thresholds diskThresholds;
  private final LongSupplier diskPerCell;

  /**
   * @param maxCells the most cells at once on this host
   * @param liveCells the cells live now
   * @param ports the host's ports
   * @param worktrees the host's worktree pool
   * @param memory the machine's memory
   * @param memoryPerCell what one cell is expected to use at its largest, in bytes
   * @param memoryCeiling the used fraction of memory that new cells must not push the machine past
   */
  public CellCapacity(
      int maxCells,
      IntSupplier liveCells,
      PortManager ports,
      WorktreePool worktrees,
      SystemMemory memory,
      long memoryPerCell,
      double memoryCeiling) {
    this(
        maxCells,
        liveCells,
        ports,
        worktrees,
        memory,
        memoryPerCell,
        memoryCeiling,
        DiskSpace.of(List::of),
        SwarmHealth.Thresholds.getDefaultInstance(),
        () -> 0);
  }

  /**
   * @param maxCells the most cells at once on this host
   * @param liveCells the cells live now
   * @param ports the host's ports
   * @param worktrees the host's worktree pool
   * @param memory the machine's memory
   * @param memoryPerCell what one cell is expected to use at its largest, in bytes
   * @param memoryCeiling the used fraction of memory that new cells must not push the machine past
   * @param disk the file systems of the worktree root and the state directory
   * @param diskThresholds whose disk floor new cells must leave free
   * @param diskPerCell the disk one new cell is budgeted, in bytes; 0 or less while unknown
   */
  public CellCapacity(
      int maxCells,
      IntSupplier liveCells,
      PortManager ports,
      WorktreePool worktrees,
      SystemMemory memory,
      long memoryPerCell,
      double memoryCeiling,
      DiskSpace disk,
      SwarmHealth.Thresholds diskThresholds,
      LongSupplier diskPerCell) {
    this.disk = Objects.requireNonNull(disk, "disk cannot be null");
    this.diskThresholds = Objects.requireNonNull(diskThresholds, "diskThresholds cannot be null");
    this.diskPerCell = Objects.requireNonNull(diskPerCell, "diskPerCell cannot be null");
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
    int byMemory =
        reading.totalBytes() <= 0
            ? Integer.MAX_VALUE
            : (int) Math.max(-1, Math.min(Integer.MAX_VALUE, Math.floorDiv(spare, memoryPerCell)));

    long perCell = diskPerCell.getAsLong();
    int byDisk = Integer.MAX_VALUE;
    SwarmHealth.@Nullable Disk tightest = null;
    long tightestFloor = 0;
    for (SwarmHealth.Disk fileSystem : disk.read()) {
      long floor = diskThresholds.diskFloorAt(fileSystem.totalBytes());
      long spareDisk = fileSystem.usableBytes() - floor;
      int fits =
          spareDisk < 0
              ? 0
              : perCell <= 0
                  ? Integer.MAX_VALUE
                  : (int) Math.min(Integer.MAX_VALUE, spareDisk / perCell);
      if (fits < byDisk || tightest == null) {
        byDisk = fits;
        tightest = fileSystem;
        tightestFloor = floor;
      }
    }

    // The least of the limits; on a tie a resource is named rather than the cell limit, since
    // running out of it is
    // what an operator can act on.
    int cells =
        Math.min(Math.min(Math.min(byCells, byPorts), Math.min(byWorktrees, byMemory)), byDisk);
    String limitedBy;
    String detail;
    if (byPorts == cells) {
      limitedBy = "ports";
      detail =
          byPorts
              + " port(s) available in "
              + ports.range()
              + ", "
              + ports.allocatedCount()
              + " allocated, "
              + ports.quarantinedCount()
              + " quarantined";
    } else if (byWorktrees == cells) {
      limitedBy = "worktrees";
      detail = leasedWorktrees + " of " + maxWorktrees + " worktrees leased";
    } else if (byMemory == cells) {
      limitedBy = "memory";
      detail =
          String.format(
              "%d MiB of %d MiB memory available, %.0f %% ceiling, %d MiB per cell",
              reading.availableBytes() >> 20,
              reading.totalBytes() >> 20,
              memoryCeiling * 100,
              memoryPerCell >> 20);
    } else if (byDisk == cells && tightest != null) {
      limitedBy = "disk";
      detail =
          String.format(
              "%d MiB free on the disk of %s, floor %d MiB, %s per cell",
              tightest.usableBytes() >> 20,
              tightest.path(),
              tightestFloor >> 20,
              perCell <= 0 ? "not yet measured" : (perCell >> 20) + " MiB");
    } else {
      limitedBy = "cells";
      detail = live + " of " + maxCells + " cells live";
    }
    return new CellAdmission.Headroom(Math.max(0, cells), limitedBy, detail);
  }
}
