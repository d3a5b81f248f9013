package io.openswarm.core.sandbox;

import java.util.Objects;

/**
 * The resources one of a cell's process trees (its agent server, a test run, one command-agent
 * turn) may use, so that a fork bomb, a memory hog or a filled {@code /tmp} in one cell leave the
 * worker and the other cells working.
 *
 * <ul>
 *   <li>{@link #maxProcesses()}: processes and threads at once (a cgroup's {@code pids.max});
 *       default 1024;
 *   <li>{@link #maxMemoryBytes()}: memory, the private {@code /tmp} included (a cgroup's memory
 *       limit; the tree is killed when it is exceeded); default 4 GiB;
 *   <li>{@link #cpus()}: CPU time as a number of cores (a cgroup's CPU quota); default 0, no limit;
 *   <li>{@link #tmpSizeBytes()}: the size of the private {@code /tmp} (and {@code /dev/shm}) under
 *       bubblewrap; default 1 GiB;
 *   <li>{@link #maxCommitBytes()}: the total size of the files a commit adds or changes; a larger
 *       change is refused at commit; default 100 MiB.
 * </ul>
 *
 * Processes, memory and CPU are enforced where this machine lets the worker create cgroups (cgroup
 * v1 controllers, or a delegated cgroup v2 subtree); the worker says at start which limits are in
 * force. A value of 0 turns a limit off.
 *
 * <p>Immutable and thread-safe; build with {@link #newBuilder()}.
 */
public final class CellLimits {

  private static final CellLimits DEFAULT = newBuilder().build();
  private static final CellLimits NONE =
      newBuilder()
          .maxProcesses(0)
          .maxMemoryBytes(0)
          .cpus(0)
          .tmpSizeBytes(0)
          .maxCommitBytes(0)
          .build();

  private final int maxProcesses;
  private final long maxMemoryBytes;
  private final double cpus;
  private final long tmpSizeBytes;
  private final long maxCommitBytes;

  private CellLimits(Builder builder) {
    this.maxProcesses = builder.maxProcesses;
    this.maxMemoryBytes = builder.maxMemoryBytes;
    this.cpus = builder.cpus;
    this.tmpSizeBytes = builder.tmpSizeBytes;
    this.maxCommitBytes = builder.maxCommitBytes;
  }

  /**
   * The defaults: 1024 processes, 4 GiB of memory, no CPU limit, 1 GiB of {@code /tmp}, 100 MiB per
   * commit.
   *
   * @return the shared default limits
   */
  public static CellLimits getDefaultInstance() {
    return DEFAULT;
  }

  /**
   * No limit at all.
   *
   * @return the shared limits that limit nothing
   */
  public static CellLimits none() {
    return NONE;
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a new builder holding the defaults
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder starting from {@code limits}.
   *
   * @param limits the limits to start from; not null
   * @return a new builder holding the values of {@code limits}
   * @throws NullPointerException if {@code limits} is null
   */
  public static Builder newBuilder(CellLimits limits) {
    Objects.requireNonNull(limits, "limits cannot be null");
    Builder builder = new Builder();
    builder.maxProcesses = limits.maxProcesses;
    builder.maxMemoryBytes = limits.maxMemoryBytes;
    builder.cpus = limits.cpus;
    builder.tmpSizeBytes = limits.tmpSizeBytes;
    builder.maxCommitBytes = limits.maxCommitBytes;
    return builder;
  }

  /**
   * Processes and threads one process tree may have at once; 0 for no limit.
   *
   * @return the limit; 0 (none) or at least 16
   */
  public int maxProcesses() {
    return maxProcesses;
  }

  /**
   * Bytes of memory one process tree may use, its {@code /tmp} included; 0 for no limit.
   *
   * @return the limit, in bytes; 0 (none) or at least 16 MiB
   */
  public long maxMemoryBytes() {
    return maxMemoryBytes;
  }

  /**
   * CPU time one process tree may use, in cores; 0 for no limit.
   *
   * @return the limit, in cores; 0 (none) or at least 0.01
   */
  public double cpus() {
    return cpus;
  }

  /**
   * The size of a sandboxed process tree's private {@code /tmp}; 0 for the kernel's default (half
   * the memory).
   *
   * @return the size, in bytes; 0 (the kernel's default) or at least 1 MiB
   */
  public long tmpSizeBytes() {
    return tmpSizeBytes;
  }

  /**
   * The most bytes a commit may add or change; 0 for no limit.
   *
   * @return the limit, in bytes; 0 for none
   */
  public long maxCommitBytes() {
    return maxCommitBytes;
  }

  /**
   * Whether any limit that needs a cgroup is set.
   *
   * @return true when a process, memory or CPU limit is set
   */
  public boolean needsCgroup() {
    return maxProcesses > 0 || maxMemoryBytes > 0 || cpus > 0;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CellLimits)) {
      return false;
    }
    CellLimits that = (CellLimits) o;
    return maxProcesses == that.maxProcesses
        && maxMemoryBytes == that.maxMemoryBytes
        && Double.compare(cpus, that.cpus) == 0
        && tmpSizeBytes == that.tmpSizeBytes
        && maxCommitBytes == that.maxCommitBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxProcesses, maxMemoryBytes, cpus, tmpSizeBytes, maxCommitBytes);
  }

  @Override
  public String toString() {
    return "CellLimits{processes="
        + (maxProcesses == 0 ? "unlimited" : maxProcesses)
        + ", memory="
        + bytes(maxMemoryBytes)
        + ", cpus="
        + (cpus == 0 ? "unlimited" : cpus)
        + ", tmp="
        + bytes(tmpSizeBytes)
        + ", commit="
        + bytes(maxCommitBytes)
        + "}";
  }

  private static String bytes(long value) {
    if (value == 0) {
      return "unlimited";
    }
    return value % (1024 * 1024) == 0 ? value / (1024 * 1024) + " MiB" : value + " B";
  }

  /** Builds {@link CellLimits}. Not thread-safe. */
  public static final class Builder {
    private int maxProcesses = 1024;
    private long maxMemoryBytes = 4L * 1024 * 1024 * 1024;
    private double cpus;
    private long tmpSizeBytes = 1024L * 1024 * 1024;
    private long maxCommitBytes = 100L * 1024 * 1024;

    private Builder() {}

    /**
     * Processes and threads one process tree may have at once; 0 for no limit.
     *
     * @param count the limit; 0 for none, else at least 16
     * @return this builder
     * @throws IllegalArgumentException if {@code count} is negative or between 1 and 15 (too few
     *     for any agent)
     */
    public Builder maxProcesses(int count) {
      if (count < 0 || (count > 0 && count < 16)) {
        throw new IllegalArgumentException(
            "maxProcesses must be 0 (no limit) or at least 16 but was " + count);
      }
      this.maxProcesses = count;
      return this;
    }

    /**
     * Bytes of memory one process tree may use; 0 for no limit.
     *
     * @param bytes the limit, in bytes; 0 for none, else at least 16 MiB
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative or between 1 byte and 16 MiB
     */
    public Builder maxMemoryBytes(long bytes) {
      this.maxMemoryBytes = atLeast("maxMemoryBytes", bytes, 16L * 1024 * 1024);
      return this;
    }

    /**
     * CPU time one process tree may use, in cores (1.5 is one and a half cores); 0 for no limit.
     *
     * @param cores the limit, in cores; 0 for none, else at least 0.01
     * @return this builder
     * @throws IllegalArgumentException if {@code cores} is negative, not finite, or between 0 and
     *     0.01
     */
    public Builder cpus(double cores) {
      if (!Double.isFinite(cores) || cores < 0 || (cores > 0 && cores < 0.01)) {
        throw new IllegalArgumentException(
            "cpus must be 0 (no limit) or at least 0.01 but was " + cores);
      }
      this.cpus = cores;
      return this;
    }

    /**
     * The size of a sandboxed process tree's private {@code /tmp} and {@code /dev/shm}; 0 for the
     * kernel's default.
     *
     * @param bytes the size, in bytes; 0 for the kernel's default, else at least 1 MiB
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative or between 1 byte and 1 MiB
     */
    public Builder tmpSizeBytes(long bytes) {
      this.tmpSizeBytes = atLeast("tmpSizeBytes", bytes, 1024L * 1024);
      return this;
    }

    /**
     * The most bytes a commit may add or change (the sum of the sizes of the files it adds or
     * modifies); 0 for no limit.
     *
     * @param bytes the limit, in bytes; 0 for none
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Builder maxCommitBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException(
            "maxCommitBytes must be 0 (no limit) or positive but was " + bytes);
      }
      this.maxCommitBytes = bytes;
      return this;
    }

    /**
     * Builds the limits; every setter validated its value.
     *
     * @return the limits
     */
    public CellLimits build() {
      return new CellLimits(this);
    }

    private static long atLeast(String name, long bytes, long minimum) {
      if (bytes < 0 || (bytes > 0 && bytes < minimum)) {
        throw new IllegalArgumentException(
            name + " must be 0 (no limit) or at least " + minimum + " bytes but was " + bytes);
      }
      return bytes;
    }
  }
}
