package io.openswarm.temporal;

import io.openswarm.temporal.internal.OptionChecks;
import java.util.HashSet;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How much a {@link SwarmWorker} takes on: the {@linkplain SwarmProfile profile} its concurrency,
 * step limits and ports default to, Temporal's concurrency limits, the most cells at once, the
 * memory and disk budgeted per cell and in all, and the {@linkplain SwarmHealth.Thresholds
 * thresholds} of its health checks (the memory one is also the admission ceiling).
 *
 * <p>By default a worker runs as many cells as fit the memory budget, the ports, the worktrees and
 * the activity slots (see {@link SwarmWorker.Capacity}); when none fits, new cells wait in the
 * shared queue. Each setter checks its argument at once; {@link Builder#build()} checks that the
 * values agree.
 *
 * <p>Immutable and thread-safe.
 */
public final class CapacityOptions {

  /** The smallest per-cell memory or disk budget accepted: 1 MiB. */
  public static final long MIN_BYTES_PER_CELL = 1L << 20;

  private static final CapacityOptions DEFAULT_INSTANCE = newBuilder().build();

  private final SwarmProfile profile;
  private final @Nullable Integer maxConcurrentActivities;
  private final @Nullable Integer maxConcurrentWorkflowTasks;
  private final @Nullable Integer maxConcurrentLocalActivities;
  private final @Nullable Integer maxConcurrentCells;
  private final long memoryPerCell;
  private final @Nullable Long memoryBudget;
  private final @Nullable Long diskPerCell;
  private final SwarmHealth.Thresholds healthThresholds;

  private CapacityOptions(Builder b) {
    this.profile = b.profile;
    this.maxConcurrentActivities = b.maxConcurrentActivities;
    this.maxConcurrentWorkflowTasks = b.maxConcurrentWorkflowTasks;
    this.maxConcurrentLocalActivities = b.maxConcurrentLocalActivities;
    this.maxConcurrentCells = b.maxConcurrentCells;
    this.memoryPerCell = b.memoryPerCell;
    this.memoryBudget = b.memoryBudget;
    this.diskPerCell = b.diskPerCell;
    this.healthThresholds = b.healthThresholds;
  }

  /**
   * A builder holding the defaults.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder holding the values of {@code options}, each of which may be set once more. Values
   * that were the profile's follow a new profile.
   *
   * @param options the options to start from
   * @return a new builder
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder newBuilder(CapacityOptions options) {
    Objects.requireNonNull(options, "options cannot be null");
    Builder b = new Builder();
    b.profile = options.profile;
    b.maxConcurrentActivities = options.maxConcurrentActivities;
    b.maxConcurrentWorkflowTasks = options.maxConcurrentWorkflowTasks;
    b.maxConcurrentLocalActivities = options.maxConcurrentLocalActivities;
    b.maxConcurrentCells = options.maxConcurrentCells;
    b.memoryPerCell = options.memoryPerCell;
    b.memoryBudget = options.memoryBudget;
    b.diskPerCell = options.diskPerCell;
    b.healthThresholds = options.healthThresholds;
    return b;
  }

  /**
   * The defaults: the {@link SwarmProfile#DEVELOPMENT} profile, 600 MiB per cell, 80 % of the
   * machine's memory.
   *
   * @return the default options
   */
  public static CapacityOptions getDefaultInstance() {
    return DEFAULT_INSTANCE;
  }

  /**
   * The preset of concurrency, step limits and ports the other values default to.
   *
   * @return the profile
   */
  public SwarmProfile profile() {
    return profile;
  }

  /**
   * Maximum concurrent activity executions (cell steps) on each of the worker's queues.
   *
   * @return the limit set, or the profile's; at least 1
   */
  public int maxConcurrentActivities() {
    return maxConcurrentActivities == null
        ? profile.activityConcurrency()
        : maxConcurrentActivities;
  }

  /**
   * Maximum concurrent workflow-task executions.
   *
   * @return the limit set, or the profile's; at least 1
   */
  public int maxConcurrentWorkflowTasks() {
    return maxConcurrentWorkflowTasks == null
        ? profile.workflowTaskConcurrency()
        : maxConcurrentWorkflowTasks;
  }

  /**
   * Maximum concurrent local-activity executions.
   *
   * @return the limit set, or the profile's; at least 1
   */
  public int maxConcurrentLocalActivities() {
    return maxConcurrentLocalActivities == null
        ? profile.localActivityConcurrency()
        : maxConcurrentLocalActivities;
  }

  /**
   * The most cells at once, if set; otherwise the worker works it out (see {@link
   * SwarmWorker.Capacity}).
   *
   * @return the limit, or empty for the worker's
   */
  public OptionalInt maxConcurrentCells() {
    return maxConcurrentCells == null ? OptionalInt.empty() : OptionalInt.of(maxConcurrentCells);
  }

  /**
   * The memory one cell is budgeted, agent server included.
   *
   * @return the budget in bytes; at least 1 MiB
   */
  public long memoryPerCell() {
    return memoryPerCell;
  }

  /**
   * The memory all cells may use together, if set; 80 % of the machine's (or container's)
   * otherwise.
   *
   * @return the budget in bytes, or empty for the default
   */
  public OptionalLong memoryBudget() {
    return memoryBudget == null ? OptionalLong.empty() : OptionalLong.of(memoryBudget);
  }

  /**
   * The disk one new cell is budgeted, if set; by default {@value
   * SwarmWorkerOptions#DEFAULT_DISK_PER_CELL_FACTOR} times the size of the pool's first worktree,
   * measured once when it exists.
   *
   * @return the budget in bytes, or empty for the default
   */
  public OptionalLong diskPerCell() {
    return diskPerCell == null ? OptionalLong.empty() : OptionalLong.of(diskPerCell);
  }

  /**
   * The thresholds of {@link SwarmWorker#health()}; the memory one is also the admission ceiling.
   *
   * @return the thresholds
   */
  public SwarmHealth.Thresholds healthThresholds() {
    return healthThresholds;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CapacityOptions that)) {
      return false;
    }
    return profile == that.profile
        && Objects.equals(maxConcurrentActivities, that.maxConcurrentActivities)
        && Objects.equals(maxConcurrentWorkflowTasks, that.maxConcurrentWorkflowTasks)
        && Objects.equals(maxConcurrentLocalActivities, that.maxConcurrentLocalActivities)
        && Objects.equals(maxConcurrentCells, that.maxConcurrentCells)
        && memoryPerCell == that.memoryPerCell
        && Objects.equals(memoryBudget, that.memoryBudget)
        && Objects.equals(diskPerCell, that.diskPerCell)
        && healthThresholds.equals(that.healthThresholds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        profile,
        maxConcurrentActivities,
        maxConcurrentWorkflowTasks,
        maxConcurrentLocalActivities,
        maxConcurrentCells,
        memoryPerCell,
        memoryBudget,
        diskPerCell,
        healthThresholds);
  }

  @Override
  public String toString() {
    return "CapacityOptions{profile="
        + profile
        + ", maxConcurrentActivities="
        + maxConcurrentActivities()
        + ", maxConcurrentWorkflowTasks="
        + maxConcurrentWorkflowTasks()
        + ", maxConcurrentLocalActivities="
        + maxConcurrentLocalActivities()
        + ", maxConcurrentCells="
        + (maxConcurrentCells == null ? "derived" : maxConcurrentCells)
        + ", memoryPerCell="
        + memoryPerCell
        + ", memoryBudget="
        + (memoryBudget == null ? "80% of the machine's" : memoryBudget)
        + ", diskPerCell="
        + (diskPerCell == null ? "measured" : diskPerCell)
        + ", healthThresholds="
        + healthThresholds
        + "}";
  }

  /**
   * Builds {@link CapacityOptions}. Each value may be set once; a second call is an {@link
   * IllegalStateException}. Not thread-safe.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private SwarmProfile profile = SwarmProfile.DEVELOPMENT;
    private @Nullable Integer maxConcurrentActivities;
    private @Nullable Integer maxConcurrentWorkflowTasks;
    private @Nullable Integer maxConcurrentLocalActivities;
    private @Nullable Integer maxConcurrentCells;
    private long memoryPerCell = SwarmWorker.Capacity.DEFAULT_MEMORY_PER_CELL;
    private @Nullable Long memoryBudget;
    private @Nullable Long diskPerCell;
    private SwarmHealth.Thresholds healthThresholds = SwarmHealth.Thresholds.getDefaultInstance();

    private Builder() {}

    private void once(String option, @Nullable Object current) {
      if (!assigned.add(option)) {
        OptionChecks.requireUnset(option, current);
      }
    }

    /**
     * The preset of concurrency, step limits and ports; {@link SwarmProfile#DEVELOPMENT} by
     * default.
     *
     * @param preset the preset
     * @return this builder
     * @throws NullPointerException if {@code preset} is null
     * @throws IllegalStateException if the profile was already set
     */
    public Builder profile(SwarmProfile preset) {
      Objects.requireNonNull(preset, "profile cannot be null");
      once("profile", profile);
      this.profile = preset;
      return this;
    }

    /**
     * Maximum concurrent activity executions (cell steps) on each of the worker's queues; the
     * profile's by default.
     *
     * @param max the limit; at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is below 1
     * @throws IllegalStateException if the limit was already set
     */
    public Builder maxConcurrentActivities(int max) {
      OptionChecks.atLeastOne("maxConcurrentActivities", max);
      once("maxConcurrentActivities", maxConcurrentActivities);
      this.maxConcurrentActivities = max;
      return this;
    }

    /**
     * Maximum concurrent workflow-task executions; the profile's by default.
     *
     * @param max the limit; at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is below 1
     * @throws IllegalStateException if the limit was already set
     */
    public Builder maxConcurrentWorkflowTasks(int max) {
      OptionChecks.atLeastOne("maxConcurrentWorkflowTasks", max);
      once("maxConcurrentWorkflowTasks", maxConcurrentWorkflowTasks);
      this.maxConcurrentWorkflowTasks = max;
      return this;
    }

    /**
     * Maximum concurrent local-activity executions; the profile's by default.
     *
     * @param max the limit; at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is below 1
     * @throws IllegalStateException if the limit was already set
     */
    public Builder maxConcurrentLocalActivities(int max) {
      OptionChecks.atLeastOne("maxConcurrentLocalActivities", max);
      once("maxConcurrentLocalActivities", maxConcurrentLocalActivities);
      this.maxConcurrentLocalActivities = max;
      return this;
    }

    /**
     * The most cells at once on this worker; at most the concurrent activities. By default the
     * least of the cells that fit the memory budget, the ports, the worktrees and the concurrent
     * activities (see {@link SwarmWorker.Capacity}). When no cell fits, new cells wait in the
     * shared queue (backpressure).
     *
     * @param max the limit; at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code max} is below 1
     * @throws IllegalStateException if the limit was already set
     */
    public Builder maxConcurrentCells(int max) {
      OptionChecks.atLeastOne("maxConcurrentCells", max);
      once("maxConcurrentCells", maxConcurrentCells);
      this.maxConcurrentCells = max;
      return this;
    }

    /**
     * The memory one cell is budgeted, agent server included; {@value
     * SwarmWorker.Capacity#DEFAULT_MEMORY_PER_CELL} bytes (600 MiB, measured for OpenCode) by
     * default. Lower it for light agents, raise it for heavy test suites.
     *
     * @param bytes the budget in bytes; at least 1 MiB
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1 MiB
     * @throws IllegalStateException if the budget was already set
     */
    public Builder memoryPerCell(long bytes) {
      atLeastOneMib("memoryPerCell", bytes);
      once("memoryPerCell", memoryPerCell);
      this.memoryPerCell = bytes;
      return this;
    }

    /**
     * The memory all cells may use together; 80 % of the machine's (or container's) by default.
     *
     * @param bytes the budget in bytes; at least 1 MiB and at least the memory per cell
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1 MiB
     * @throws IllegalStateException if the budget was already set
     */
    public Builder memoryBudget(long bytes) {
      atLeastOneMib("memoryBudget", bytes);
      once("memoryBudget", memoryBudget);
      this.memoryBudget = bytes;
      return this;
    }

    /**
     * The disk one new cell is budgeted, worktree and build output together. By default twice the
     * size of the pool's first worktree, measured once when the pool has made it. A new cell is
     * admitted only while it fits in the free disk above the {@linkplain
     * SwarmHealth.Thresholds#diskFloorBytes() disk floor}; raise this for builds that write much
     * more than the checkout.
     *
     * @param bytes the budget in bytes; at least 1 MiB
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1 MiB
     * @throws IllegalStateException if the budget was already set
     */
    public Builder diskPerCell(long bytes) {
      atLeastOneMib("diskPerCell", bytes);
      once("diskPerCell", diskPerCell);
      this.diskPerCell = bytes;
      return this;
    }

    /**
     * The thresholds of {@link SwarmWorker#health()}; the performance guide's by default.
     *
     * @param thresholds the thresholds
     * @return this builder
     * @throws NullPointerException if {@code thresholds} is null
     * @throws IllegalStateException if the thresholds were already set
     */
    public Builder healthThresholds(SwarmHealth.Thresholds thresholds) {
      Objects.requireNonNull(thresholds, "healthThresholds cannot be null");
      once("healthThresholds", healthThresholds);
      this.healthThresholds = thresholds;
      return this;
    }

    /**
     * Checks that the values agree and builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException if the most cells exceed the concurrent activities, or the
     *     memory budget is below the memory per cell
     */
    public CapacityOptions build() {
      int activities =
          maxConcurrentActivities == null ? profile.activityConcurrency() : maxConcurrentActivities;
      if (maxConcurrentCells != null && maxConcurrentCells > activities) {
        throw new IllegalArgumentException(
            String.format(
                "maxConcurrentCells (%d) must not exceed maxConcurrentActivities (%d): a live cell's next step would wait"
                    + " for a slot on its host queue until the host is presumed lost",
                maxConcurrentCells, activities));
      }
      if (memoryBudget != null && memoryBudget < memoryPerCell) {
        throw new IllegalArgumentException(
            String.format(
                "memoryBudget (%d bytes) must be at least memoryPerCell (%d bytes): not even one cell would fit",
                memoryBudget, memoryPerCell));
      }
      return new CapacityOptions(this);
    }

    private static void atLeastOneMib(String option, long bytes) {
      if (bytes < MIN_BYTES_PER_CELL) {
        throw new IllegalArgumentException(
            String.format(
                "%s must be at least %d bytes (1 MiB) but was %d",
                option, MIN_BYTES_PER_CELL, bytes));
      }
    }
  }
}
