package io.openswarm.temporal;

import java.time.Duration;
import java.util.Objects;

/**
 * The thresholds at which {@link SwarmWorker#health()} warns, by default the performance guide's
 * alert thresholds: error rate above 1 %, fewer than 10 available ports, a backlog above 100,
 * memory use above 90 %; and free disk below 5 GiB and 10 % of its file system. The error rate is
 * taken over the last {@linkplain #errorRateWindow() 15 minutes}.
 *
 * <pre>{@code
 * HealthThresholds thresholds = HealthThresholds.newBuilder().maxBacklog(20).build();
 * }</pre>
 *
 * <p>The memory threshold is also the ceiling of admission: a worker starts a new cell only if the
 * machine's memory use stays below it with the cell's budget added.
 *
 * <p>Disk has two levels, each a pair of an amount and a share of the file system, crossed when the
 * free space is below <em>both</em> (so a large disk is not flagged with terabytes free, and a
 * small one is not flagged just for being small): the {@linkplain #minFreeDiskBytes() warning} (5
 * GiB and 10 % by default) and the {@linkplain #diskFloorBytes() floor} (1 GiB and 2 % by default).
 * Below the floor the worker also admits no new cell, and new cells fit only while each leaves the
 * floor free. Both levels look at the file systems of the worktree root and the state directory.
 *
 * <p>Immutable and thread-safe.
 */
public final class HealthThresholds {

  private static final HealthThresholds DEFAULTS = newBuilder().build();

  private final double maxErrorRate;
  private final int minAvailablePorts;
  private final long maxBacklog;
  private final double maxMemoryUsage;
  private final Duration errorRateWindow;
  private final long minFreeDiskBytes;
  private final double minFreeDiskFraction;
  private final long diskFloorBytes;
  private final double diskFloorFraction;

  private HealthThresholds(Builder builder) {
    this.maxErrorRate = builder.maxErrorRate;
    this.minAvailablePorts = builder.minAvailablePorts;
    this.maxBacklog = builder.maxBacklog;
    this.maxMemoryUsage = builder.maxMemoryUsage;
    this.errorRateWindow = builder.errorRateWindow;
    this.minFreeDiskBytes = builder.minFreeDiskBytes;
    this.minFreeDiskFraction = builder.minFreeDiskFraction;
    this.diskFloorBytes = builder.diskFloorBytes;
    this.diskFloorFraction = builder.diskFloorFraction;
  }

  /**
   * The performance guide's thresholds.
   *
   * @return the shared default thresholds
   */
  public static HealthThresholds getDefaultInstance() {
    return DEFAULTS;
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
   * A builder starting from {@code thresholds}.
   *
   * @param thresholds the thresholds to start from
   * @return a new builder holding the values of {@code thresholds}
   */
  public static Builder newBuilder(HealthThresholds thresholds) {
    Objects.requireNonNull(thresholds, "thresholds cannot be null");
    Builder builder = new Builder();
    builder.maxErrorRate = thresholds.maxErrorRate;
    builder.minAvailablePorts = thresholds.minAvailablePorts;
    builder.maxBacklog = thresholds.maxBacklog;
    builder.maxMemoryUsage = thresholds.maxMemoryUsage;
    builder.errorRateWindow = thresholds.errorRateWindow;
    builder.minFreeDiskBytes = thresholds.minFreeDiskBytes;
    builder.minFreeDiskFraction = thresholds.minFreeDiskFraction;
    builder.diskFloorBytes = thresholds.diskFloorBytes;
    builder.diskFloorFraction = thresholds.diskFloorFraction;
    return builder;
  }

  /**
   * Warn when failed cells per finished cell exceed this fraction; 0.01 by default.
   *
   * @return the fraction, in [0, 1)
   */
  public double maxErrorRate() {
    return maxErrorRate;
  }

  /**
   * Warn when fewer ports than this are available; 10 by default.
   *
   * @return the number of ports, 0 or more
   */
  public int minAvailablePorts() {
    return minAvailablePorts;
  }

  /**
   * Warn when more bootstraps than this wait in the shared queue; 100 by default.
   *
   * @return the number of waiting bootstraps, 0 or more
   */
  public long maxBacklog() {
    return maxBacklog;
  }

  /**
   * Warn when the used fraction of memory exceeds this; 0.90 by default. Also the admission
   * ceiling.
   *
   * @return the fraction, in (0, 1]
   */
  public double maxMemoryUsage() {
    return maxMemoryUsage;
  }

  /**
   * How far back the error rate looks; 15 minutes by default.
   *
   * @return the window, at least one second
   */
  public Duration errorRateWindow() {
    return errorRateWindow;
  }

  /**
   * Warn when free disk is below this many bytes (and below {@link #minFreeDiskFraction()}); 5 GiB
   * by default.
   *
   * @return the limit, in bytes
   */
  public long minFreeDiskBytes() {
    return minFreeDiskBytes;
  }

  /**
   * Warn when free disk is below this share of its file system (and below {@link
   * #minFreeDiskBytes()}); 0.10.
   *
   * @return the share, in [0, 1)
   */
  public double minFreeDiskFraction() {
    return minFreeDiskFraction;
  }

  /**
   * The disk floor in bytes: below it (and below {@link #diskFloorFraction()}) the worker admits no
   * new cell; 1 GiB by default.
   *
   * @return the floor, in bytes; 0 when the floor is off
   */
  public long diskFloorBytes() {
    return diskFloorBytes;
  }

  /**
   * The disk floor as a share of the file system (see {@link #diskFloorBytes()}); 0.02 by default.
   *
   * @return the share, in [0, 1)
   */
  public double diskFloorFraction() {
    return diskFloorFraction;
  }

  /**
   * The free bytes below which a file system of {@code totalBytes} warns: the lesser of the two
   * limits.
   *
   * @param totalBytes the size of the file system, in bytes
   * @return the warning limit for that file system, in bytes
   */
  public long minFreeDiskAt(long totalBytes) {
    return Math.min(minFreeDiskBytes, (long) (minFreeDiskFraction * Math.max(0, totalBytes)));
  }

  /**
   * The free bytes below which a file system of {@code totalBytes} admits no new cell: the lesser
   * of the two.
   *
   * @param totalBytes the size of the file system, in bytes
   * @return the admission floor for that file system, in bytes
   */
  public long diskFloorAt(long totalBytes) {
    return Math.min(diskFloorBytes, (long) (diskFloorFraction * Math.max(0, totalBytes)));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof HealthThresholds that
        && Double.compare(maxErrorRate, that.maxErrorRate) == 0
        && minAvailablePorts == that.minAvailablePorts
        && maxBacklog == that.maxBacklog
        && Double.compare(maxMemoryUsage, that.maxMemoryUsage) == 0
        && errorRateWindow.equals(that.errorRateWindow)
        && minFreeDiskBytes == that.minFreeDiskBytes
        && Double.compare(minFreeDiskFraction, that.minFreeDiskFraction) == 0
        && diskFloorBytes == that.diskFloorBytes
        && Double.compare(diskFloorFraction, that.diskFloorFraction) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        maxErrorRate,
        minAvailablePorts,
        maxBacklog,
        maxMemoryUsage,
        errorRateWindow,
        minFreeDiskBytes,
        minFreeDiskFraction,
        diskFloorBytes,
        diskFloorFraction);
  }

  @Override
  public String toString() {
    return "HealthThresholds{maxErrorRate="
        + maxErrorRate
        + ", minAvailablePorts="
        + minAvailablePorts
        + ", maxBacklog="
        + maxBacklog
        + ", maxMemoryUsage="
        + maxMemoryUsage
        + ", errorRateWindow="
        + errorRateWindow
        + ", minFreeDisk="
        + minFreeDiskBytes
        + " B/"
        + minFreeDiskFraction
        + ", diskFloor="
        + diskFloorBytes
        + " B/"
        + diskFloorFraction
        + "}";
  }

  /** Configures {@link HealthThresholds}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private double maxErrorRate = 0.01;
    private int minAvailablePorts = 10;
    private long maxBacklog = 100;
    private double maxMemoryUsage = 0.90;
    private Duration errorRateWindow = Duration.ofMinutes(15);
    private long minFreeDiskBytes = 5L << 30;
    private double minFreeDiskFraction = 0.10;
    private long diskFloorBytes = 1L << 30;
    private double diskFloorFraction = 0.02;

    private Builder() {}

    /**
     * Warn above this error rate, a fraction in [0, 1).
     *
     * @param rate the fraction; in [0, 1), checked by {@link #build()}
     * @return this builder
     */
    public Builder maxErrorRate(double rate) {
      this.maxErrorRate = rate;
      return this;
    }

    /**
     * Warn below this many available ports, at least 0.
     *
     * @param ports the number of ports; 0 or more, checked by {@link #build()}
     * @return this builder
     */
    public Builder minAvailablePorts(int ports) {
      this.minAvailablePorts = ports;
      return this;
    }

    /**
     * Warn above this many waiting bootstraps, at least 0.
     *
     * @param tasks the number of waiting bootstraps; 0 or more, checked by {@link #build()}
     * @return this builder
     */
    public Builder maxBacklog(long tasks) {
      this.maxBacklog = tasks;
      return this;
    }

    /**
     * Warn above this used fraction of memory, in (0, 1].
     *
     * @param fraction the used fraction; in (0, 1], checked by {@link #build()}
     * @return this builder
     */
    public Builder maxMemoryUsage(double fraction) {
      this.maxMemoryUsage = fraction;
      return this;
    }

    /**
     * How far back the error rate looks, at least one second.
     *
     * @param window the window; at least one second, checked by {@link #build()}
     * @return this builder
     */
    public Builder errorRateWindow(Duration window) {
      this.errorRateWindow = Objects.requireNonNull(window, "errorRateWindow cannot be null");
      return this;
    }

    /**
     * Warn when a file system's free space is below both {@code bytes} and {@code fraction} of its
     * size; 5 GiB and 0.10 by default. Must be at least the {@linkplain #diskFloor floor}.
     *
     * @param bytes at least 0
     * @param fraction in [0, 1)
     * @return this builder
     */
    public Builder minFreeDisk(long bytes, double fraction) {
      this.minFreeDiskBytes = bytes;
      this.minFreeDiskFraction = fraction;
      return this;
    }

    /**
     * Admit no new cell (and say so in the {@code DISK} warning) while a file system's free space
     * is below both {@code bytes} and {@code fraction} of its size; 1 GiB and 0.02 by default. 0
     * turns the floor off.
     *
     * @param bytes at least 0, at most the warning's bytes
     * @param fraction in [0, 1), at most the warning's fraction
     * @return this builder
     */
    public Builder diskFloor(long bytes, double fraction) {
      this.diskFloorBytes = bytes;
      this.diskFloorFraction = fraction;
      return this;
    }

    /**
     * Builds the thresholds.
     *
     * @return the thresholds
     * @throws IllegalArgumentException if a value is out of range; the message names it, the value
     *     and the range
     */
    public HealthThresholds build() {
      if (!(maxErrorRate >= 0 && maxErrorRate < 1)) {
        throw new IllegalArgumentException(
            "maxErrorRate must be in [0, 1) but was " + maxErrorRate);
      }
      if (minAvailablePorts < 0) {
        throw new IllegalArgumentException(
            "minAvailablePorts must be at least 0 but was " + minAvailablePorts);
      }
      if (maxBacklog < 0) {
        throw new IllegalArgumentException("maxBacklog must be at least 0 but was " + maxBacklog);
      }
      if (!(maxMemoryUsage > 0 && maxMemoryUsage <= 1)) {
        throw new IllegalArgumentException(
            "maxMemoryUsage must be in (0, 1] but was " + maxMemoryUsage);
      }
      if (errorRateWindow.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "errorRateWindow must be at least 1 s but was " + errorRateWindow);
      }
      if (minFreeDiskBytes < 0) {
        throw new IllegalArgumentException(
            "minFreeDisk bytes must be at least 0 but was " + minFreeDiskBytes);
      }
      if (!(minFreeDiskFraction >= 0 && minFreeDiskFraction < 1)) {
        throw new IllegalArgumentException(
            "minFreeDisk fraction must be in [0, 1) but was " + minFreeDiskFraction);
      }
      if (diskFloorBytes < 0) {
        throw new IllegalArgumentException(
            "diskFloor bytes must be at least 0 but was " + diskFloorBytes);
      }
      if (!(diskFloorFraction >= 0 && diskFloorFraction < 1)) {
        throw new IllegalArgumentException(
            "diskFloor fraction must be in [0, 1) but was " + diskFloorFraction);
      }
      if (diskFloorBytes > minFreeDiskBytes || diskFloorFraction > minFreeDiskFraction) {
        throw new IllegalArgumentException(
            String.format(
                "diskFloor (%d bytes, %s) must not exceed minFreeDisk (%d"
                    + " bytes, %s): the worker would stop admitting cells before it warns",
                diskFloorBytes, diskFloorFraction, minFreeDiskBytes, minFreeDiskFraction));
      }
      return new HealthThresholds(this);
    }
  }
}
