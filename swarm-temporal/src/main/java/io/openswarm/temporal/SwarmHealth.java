package io.openswarm.temporal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A worker's health: its readings and the warnings of the checks past their {@link Thresholds}. A
 * warning is there while its condition holds and gone in the next report once it no longer does;
 * nothing is latched.
 *
 * <pre>{@code
 * SwarmHealth health = worker.health();
 * if (!health.healthy()) {
 *   health.warnings().forEach(w -> log.warn("{}", w.message()));
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param readings what was measured
 * @param thresholds what it was compared with
 * @param warnings the checks past their threshold, in {@link Check} order; empty when healthy
 */
public record SwarmHealth(Readings readings, Thresholds thresholds, List<Warning> warnings) {

  /**
   * What a worker measured for its health report. Immutable and thread-safe.
   *
   * @param host the worker's host id
   * @param at when
   * @param outcomes cells (and DAG task attempts) that ended within the error-rate window
   * @param failures how many of them failed (cancellations excluded)
   * @param availablePorts ports neither leased nor quarantined
   * @param backlog bootstraps waiting in the shared task queue, or null when the server cannot tell
   * @param memoryUsage the used fraction of the machine's (or container's) memory
   * @param liveCells cells live on this worker
   * @param maxCells the most cells this worker runs at once
   * @param backpressure whether the worker is leaving new cells in the queue because no cell fits
   *     now
   * @param limitedBy what limits new cells now: cells, ports, worktrees or memory
   * @param sandboxFellBack whether sandbox mode {@code AUTO} fell back to no sandbox: cells are not
   *     isolated
   * @param disks the file systems of the worktree root and the state directory, one reading per
   *     file system
   * @param worktreeBytes the size of one worktree, measured once after the pool made its first;
   *     null until then
   */
  public record Readings(
      String host,
      Instant at,
      long outcomes,
      long failures,
      int availablePorts,
      @Nullable Long backlog,
      double memoryUsage,
      int liveCells,
      int maxCells,
      boolean backpressure,
      String limitedBy,
      boolean sandboxFellBack,
      List<Disk> disks,
      @Nullable Long worktreeBytes) {

    /**
     * Checks the components.
     *
     * @param host the worker's host id
     * @param at when
     * @param outcomes cells (and DAG task attempts) that ended within the error-rate window
     * @param failures how many of them failed (cancellations excluded)
     * @param availablePorts ports neither leased nor quarantined
     * @param backlog bootstraps waiting in the shared task queue, or null when the server cannot
     *     tell
     * @param memoryUsage the used fraction of the machine's (or container's) memory
     * @param liveCells cells live on this worker
     * @param maxCells the most cells this worker runs at once
     * @param backpressure whether the worker is leaving new cells in the queue because no cell fits
     *     now
     * @param limitedBy what limits new cells now: cells, ports, worktrees or memory
     * @param sandboxFellBack whether sandbox mode {@code AUTO} fell back to no sandbox: cells are
     *     not isolated
     * @param disks the file systems of the worktree root and the state directory, one reading per
     *     file system
     * @param worktreeBytes the size of one worktree, measured once after the pool made its first;
     *     null until then
     * @throws NullPointerException if {@code host}, {@code at} or {@code limitedBy} is null
     * @throws IllegalArgumentException if failures exceed outcomes or a count is negative
     */
    public Readings {
      Objects.requireNonNull(host, "host cannot be null");
      Objects.requireNonNull(at, "at cannot be null");
      Objects.requireNonNull(limitedBy, "limitedBy cannot be null");
      disks = List.copyOf(Objects.requireNonNull(disks, "disks cannot be null"));
      if (outcomes < 0 || failures < 0 || failures > outcomes) {
        throw new IllegalArgumentException(
            "failures must be between 0 and outcomes but were " + failures + " of " + outcomes);
      }
    }

    /**
     * Readings without disk figures, as before the {@code DISK} check existed.
     *
     * @param host the worker's host id
     * @param at when
     * @param outcomes cells (and DAG task attempts) that ended within the error-rate window
     * @param failures how many of them failed (cancellations excluded)
     * @param availablePorts ports neither leased nor quarantined
     * @param backlog bootstraps waiting in the shared task queue, or null when the server cannot
     *     tell
     * @param memoryUsage the used fraction of the machine's (or container's) memory
     * @param liveCells cells live on this worker
     * @param maxCells the most cells this worker runs at once
     * @param backpressure whether the worker is leaving new cells in the queue because no cell fits
     *     now
     * @param limitedBy what limits new cells now: cells, ports, worktrees or memory
     * @param sandboxFellBack whether sandbox mode {@code AUTO} fell back to no sandbox: cells are
     *     not isolated
     */
    public Readings(
        String host,
        Instant at,
        long outcomes,
        long failures,
        int availablePorts,
        @Nullable Long backlog,
        double memoryUsage,
        int liveCells,
        int maxCells,
        boolean backpressure,
        String limitedBy,
        boolean sandboxFellBack) {
      this(
          host,
          at,
          outcomes,
          failures,
          availablePorts,
          backlog,
          memoryUsage,
          liveCells,
          maxCells,
          backpressure,
          limitedBy,
          sandboxFellBack,
          List.of(),
          null);
    }

    /**
     * Failures per outcome within the window; 0 when nothing ended.
     *
     * @return {@code failures / outcomes}, or 0 when no outcome was counted
     */
    public double errorRate() {
      return outcomes == 0 ? 0 : (double) failures / outcomes;
    }

    /**
     * The backlog, if the server reports one.
     *
     * @return the number of waiting bootstraps, or empty when the server cannot tell
     */
    public Optional<Long> backlogCount() {
      return Optional.ofNullable(backlog);
    }
  }

  /**
   * The free space of one file system the worker writes to. Immutable and thread-safe.
   *
   * @param path a path the worker uses on it (the worktree root or the state directory)
   * @param totalBytes the size of the file system
   * @param usableBytes the bytes this JVM can still write there ({@code
   *     FileStore.getUsableSpace()})
   */
  public record Disk(String path, long totalBytes, long usableBytes) {
    /**
     * Checks the path.
     *
     * @param path a path the worker uses on it (the worktree root or the state directory)
     * @param totalBytes the size of the file system
     * @param usableBytes the bytes this JVM can still write there ({@code
     *     FileStore.getUsableSpace()})
     * @throws NullPointerException if {@code path} is null
     */
    public Disk {
      Objects.requireNonNull(path, "path cannot be null");
    }

    /**
     * The free share of the file system, between 0 and 1.
     *
     * @return {@code usableBytes / totalBytes}, clamped to [0, 1]; 0 when the size is unknown (0 or
     *     less)
     */
    public double freeFraction() {
      return totalBytes <= 0 ? 0 : Math.min(1, Math.max(0, (double) usableBytes / totalBytes));
    }
  }

  /**
   * Checks the components and copies the warnings.
   *
   * @param readings what was measured
   * @param thresholds what it was compared with
   * @param warnings the checks past their threshold, in {@link Check} order; empty when healthy
   * @throws NullPointerException if a component is null
   */
  public SwarmHealth {
    Objects.requireNonNull(readings, "readings cannot be null");
    Objects.requireNonNull(thresholds, "thresholds cannot be null");
    warnings = List.copyOf(Objects.requireNonNull(warnings, "warnings cannot be null"));
  }

  /**
   * Compares {@code readings} with {@code thresholds}.
   *
   * @param readings what the worker measured
   * @param thresholds what to compare them with
   * @return the report, with a warning per check past its threshold
   */
  public static SwarmHealth evaluate(Readings readings, Thresholds thresholds) {
    Objects.requireNonNull(readings, "readings cannot be null");
    Objects.requireNonNull(thresholds, "thresholds cannot be null");
    List<Warning> warnings = new ArrayList<>();
    double errorRate = readings.errorRate();
    if (errorRate > thresholds.maxErrorRate()) {
      warnings.add(
          new Warning(
              Check.ERROR_RATE,
              errorRate,
              thresholds.maxErrorRate(),
              String.format(
                  "error rate %.1f %% (%d of %d cells in the last %s) is above %.1f %%",
                  errorRate * 100,
                  readings.failures(),
                  readings.outcomes(),
                  human(thresholds.errorRateWindow()),
                  thresholds.maxErrorRate() * 100)));
    }
    if (readings.availablePorts() < thresholds.minAvailablePorts()) {
      warnings.add(
          new Warning(
              Check.AVAILABLE_PORTS,
              readings.availablePorts(),
              thresholds.minAvailablePorts(),
              String.format(
                  "%d port(s) available, fewer than %d",
                  readings.availablePorts(), thresholds.minAvailablePorts())));
    }
    Long backlog = readings.backlog();
    if (backlog != null && backlog > thresholds.maxBacklog()) {
      warnings.add(
          new Warning(
              Check.BACKLOG,
              backlog,
              thresholds.maxBacklog(),
              String.format(
                  "%d cell(s) waiting in the shared queue, more than %d",
                  backlog, thresholds.maxBacklog())));
    }
    if (readings.memoryUsage() > thresholds.maxMemoryUsage()) {
      warnings.add(
          new Warning(
              Check.MEMORY,
              readings.memoryUsage(),
              thresholds.maxMemoryUsage(),
              String.format(
                  "memory %.1f %% used, above %.1f %%",
                  readings.memoryUsage() * 100, thresholds.maxMemoryUsage() * 100)));
    }
    if (readings.sandboxFellBack()) {
      warnings.add(
          new Warning(
              Check.SANDBOX,
              1,
              0,
              "cells are not isolated: sandbox mode AUTO fell "
                  + "back to none because bubblewrap does not work on this machine (see the ERROR at start)"));
    }
    diskWarning(readings.disks(), thresholds).ifPresent(warnings::add);
    return new SwarmHealth(readings, thresholds, warnings);
  }

  /**
   * One warning for the file system in the worst state: below the floor before merely below the
   * warning level.
   */
  private static Optional<Warning> diskWarning(List<Disk> disks, Thresholds thresholds) {
    for (Disk disk : disks) {
      long floor = thresholds.diskFloorAt(disk.totalBytes());
      if (disk.usableBytes() < floor) {
        return Optional.of(
            new Warning(
                Check.DISK,
                disk.usableBytes(),
                floor,
                String.format(
                    "disk of %s: %d MiB free (%.1f %% of %d MiB), below the floor of %d MiB: new cells are held back",
                    disk.path(),
                    disk.usableBytes() >> 20,
                    disk.freeFraction() * 100,
                    disk.totalBytes() >> 20,
                    floor >> 20)));
      }
    }
    for (Disk disk : disks) {
      long warnAt = thresholds.minFreeDiskAt(disk.totalBytes());
      if (disk.usableBytes() < warnAt) {
        return Optional.of(
            new Warning(
                Check.DISK,
                disk.usableBytes(),
                warnAt,
                String.format(
                    "disk of %s: %d MiB free (%.1f %% of %d MiB), below %d MiB",
                    disk.path(),
                    disk.usableBytes() >> 20,
                    disk.freeFraction() * 100,
                    disk.totalBytes() >> 20,
                    warnAt >> 20)));
      }
    }
    return Optional.empty();
  }

  /**
   * Whether no check is past its threshold.
   *
   * @return true when there is no warning
   */
  public boolean healthy() {
    return warnings.isEmpty();
  }

  /**
   * The warning of {@code check}, if it is past its threshold.
   *
   * @param check the check
   * @return its warning, or empty when it is within its threshold
   */
  public Optional<Warning> warning(Check check) {
    Objects.requireNonNull(check, "check cannot be null");
    return warnings.stream().filter(w -> w.check() == check).findFirst();
  }

  private static String human(java.time.Duration duration) {
    long seconds = duration.getSeconds();
    return seconds % 60 == 0 ? (seconds / 60) + " min" : seconds + " s";
  }

  /**
   * What a {@link SwarmHealth} report checks, with the performance guide's alert thresholds as
   * defaults.
   */
  public enum Check {
    /**
     * Failed cells per finished cell in the error-rate window; warns above 1 %. Cancellations do
     * not count.
     */
    ERROR_RATE,
    /** Ports of the range neither leased nor quarantined; warns below 10. */
    AVAILABLE_PORTS,
    /** Bootstraps waiting in the shared task queue; warns above 100. */
    BACKLOG,
    /** The used fraction of the machine's (or container's) memory; warns above 90 %. */
    MEMORY,
    /**
     * Whether cells run isolated; warns while sandbox mode {@code AUTO} fell back to no sandbox
     * because bubblewrap does not work here. An explicit {@code NONE} is the user's choice and does
     * not warn.
     */
    SANDBOX,
    /**
     * The free space of the file systems holding the worktree root and the state directory; warns
     * below 5 GiB and 10 % of the file system, and below the floor (1 GiB and 2 %) says that new
     * cells are held back. See {@link Thresholds#minFreeDiskBytes()}.
     */
    DISK
  }

  /**
   * A check of a {@link SwarmHealth} report that is past its threshold.
   *
   * <p>Immutable and thread-safe.
   *
   * @param check which check
   * @param value the reading (a fraction for rates and memory, free bytes for disk, a count
   *     otherwise)
   * @param threshold the threshold it is past (for disk, in bytes for that file system)
   * @param message one line for an operator, naming the reading and the threshold
   */
  public record Warning(Check check, double value, double threshold, String message) {

    /**
     * Checks the required components.
     *
     * @param check which check
     * @param value the reading (a fraction for rates and memory, free bytes for disk, a count
     *     otherwise)
     * @param threshold the threshold it is past (for disk, in bytes for that file system)
     * @param message one line for an operator, naming the reading and the threshold
     * @throws NullPointerException if {@code check} or {@code message} is null
     */
    public Warning {
      Objects.requireNonNull(check, "check cannot be null");
      Objects.requireNonNull(message, "message cannot be null");
    }
  }

  /**
   * The thresholds at which {@link SwarmWorker#health()} warns, by default the performance guide's
   * alert thresholds: error rate above 1 %, fewer than 10 available ports, a backlog above 100,
   * memory use above 90 %; and free disk below 5 GiB and 10 % of its file system. The error rate is
   * taken over the last {@linkplain #errorRateWindow() 15 minutes}.
   *
   * <pre>{@code
   * Thresholds thresholds = Thresholds.newBuilder().maxBacklog(20).build();
   * }</pre>
   *
   * <p>The memory threshold is also the ceiling of admission: a worker starts a new cell only if
   * the machine's memory use stays below it with the cell's budget added.
   *
   * <p>Disk has two levels, each a pair of an amount and a share of the file system, crossed when
   * the free space is below <em>both</em> (so a large disk is not flagged with terabytes free, and
   * a small one is not flagged just for being small): the {@linkplain #minFreeDiskBytes() warning}
   * (5 GiB and 10 % by default) and the {@linkplain #diskFloorBytes() floor} (1 GiB and 2 % by
   * default). Below the floor the worker also admits no new cell, and new cells fit only while each
   * leaves the floor free. Both levels look at the file systems of the worktree root and the state
   * directory.
   *
   * <p>Immutable and thread-safe.
   */
  public static final class Thresholds {

    private static final Thresholds DEFAULTS = newBuilder().build();

    private final double maxErrorRate;
    private final int minAvailablePorts;
    private final long maxBacklog;
    private final double maxMemoryUsage;
    private final Duration errorRateWindow;
    private final long minFreeDiskBytes;
    private final double minFreeDiskFraction;
    private final long diskFloorBytes;
    private final double diskFloorFraction;

    private Thresholds(Builder builder) {
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
    public static Thresholds getDefaultInstance() {
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
    public static Builder newBuilder(Thresholds thresholds) {
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
     * Warn when free disk is below this many bytes (and below {@link #minFreeDiskFraction()}); 5
     * GiB by default.
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
     * The disk floor in bytes: below it (and below {@link #diskFloorFraction()}) the worker admits
     * no new cell; 1 GiB by default.
     *
     * @return the floor, in bytes; 0 when the floor is off
     */
    public long diskFloorBytes() {
      return diskFloorBytes;
    }

    /**
     * The disk floor as a share of the file system (see {@link #diskFloorBytes()}); 0.02 by
     * default.
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
      return other instanceof Thresholds that
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
      return "Thresholds{maxErrorRate="
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

    /** Configures {@link Thresholds}; {@link #build()} validates. Not thread-safe. */
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
       * Warn when a file system's free space is below both {@code bytes} and {@code fraction} of
       * its size; 5 GiB and 0.10 by default. Must be at least the {@linkplain #diskFloor floor}.
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
       * @throws IllegalArgumentException if a value is out of range; the message names it, the
       *     value and the range
       */
      public Thresholds build() {
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
        return new Thresholds(this);
      }
    }
  }
}
