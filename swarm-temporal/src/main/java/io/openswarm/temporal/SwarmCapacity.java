package io.openswarm.temporal;

import java.util.Objects;

/**
 * How many cells a worker runs at once, and what decided it: for capacity planning. A worker takes
 * a new cell from the shared queue only while it runs fewer than {@link #maxCells()} and a port, a
 * worktree and memory are free for it (see {@link
 * CapacityOptions.Builder#maxConcurrentCells(int)}); the rest wait in Temporal.
 *
 * <p>By default {@code maxCells} is the least of: the cells that fit in the memory budget ({@code
 * memoryBudget / memoryPerCell}), the ports of the range, the worktrees the pool may hold, and the
 * concurrent activities of the host queue (a live cell never waits there for a slot).
 *
 * <p>Disk is not in this fixed limit, since the disk is shared with everything else on the machine:
 * it is in the headroom measured before each new cell, which also needs the free disk above the
 * {@linkplain SwarmHealth.Thresholds#diskFloorBytes() floor} to hold one more cell's {@linkplain
 * CapacityOptions.Builder#diskPerCell(long) disk}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param maxCells the most cells at once
 * @param limitedBy what decided {@code maxCells}: {@code configured}, {@code memory}, {@code
 *     ports}, {@code worktrees} or {@code activities}
 * @param cellsByMemory the cells that fit in the memory budget
 * @param memoryPerCell the memory budgeted for one cell, in bytes
 * @param memoryBudget the memory cells may use in all, in bytes
 * @param ports the ports of the range
 * @param worktrees the most worktrees the pool holds
 * @param activities the most concurrent activities per task queue
 */
public record SwarmCapacity(
    int maxCells,
    String limitedBy,
    int cellsByMemory,
    long memoryPerCell,
    long memoryBudget,
    int ports,
    int worktrees,
    int activities) {

  /**
   * The per-cell budget for OpenCode: the upper end of its measured 450-590 MB after a prompt, plus
   * a worktree.
   */
  public static final long DEFAULT_MEMORY_PER_CELL = 600L << 20;

  /**
   * The share of the machine's memory cells may use by default; the rest is for the worker, git and
   * the tests.
   */
  public static final double DEFAULT_MEMORY_SHARE = 0.8;

  /**
   * Checks the components.
   *
   * @param maxCells the most cells at once
   * @param limitedBy what decided {@code maxCells}: {@code configured}, {@code memory}, {@code
   *     ports}, {@code worktrees} or {@code activities}
   * @param cellsByMemory the cells that fit in the memory budget
   * @param memoryPerCell the memory budgeted for one cell, in bytes
   * @param memoryBudget the memory cells may use in all, in bytes
   * @param ports the ports of the range
   * @param worktrees the most worktrees the pool holds
   * @param activities the most concurrent activities per task queue
   * @throws NullPointerException if {@code limitedBy} is null
   * @throws IllegalArgumentException if {@code maxCells} is below 1
   */
  public SwarmCapacity {
    Objects.requireNonNull(limitedBy, "limitedBy cannot be null");
    if (maxCells < 1) {
      throw new IllegalArgumentException("maxCells must be at least 1 but was " + maxCells);
    }
  }

  /**
   * The capacity of a worker with these limits.
   *
   * @param configured the configured cell limit, or 0 for the default
   */
  static SwarmCapacity of(
      int configured,
      long memoryPerCell,
      long memoryBudget,
      int ports,
      int worktrees,
      int activities) {
    int byMemory = (int) Math.min(Integer.MAX_VALUE, memoryBudget / memoryPerCell);
    if (configured > 0) {
      return new SwarmCapacity(
          configured,
          "configured",
          byMemory,
          memoryPerCell,
          memoryBudget,
          ports,
          worktrees,
          activities);
    }
    int max = byMemory;
    String limitedBy = "memory";
    if (ports < max) {
      max = ports;
      limitedBy = "ports";
    }
    if (worktrees < max) {
      max = worktrees;
      limitedBy = "worktrees";
    }
    if (activities < max) {
      max = activities;
      limitedBy = "activities";
    }
    return new SwarmCapacity(
        Math.max(1, max),
        limitedBy,
        byMemory,
        memoryPerCell,
        memoryBudget,
        ports,
        worktrees,
        activities);
  }

  @Override
  public String toString() {
    return maxCells
        + " cells ("
        + limitedBy
        + "; memory "
        + (memoryBudget >> 20)
        + " MiB / "
        + (memoryPerCell >> 20)
        + " MiB per cell = "
        + cellsByMemory
        + ", ports "
        + ports
        + ", worktrees "
        + worktrees
        + ", activities "
        + activities
        + ")";
  }
}
