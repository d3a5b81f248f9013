package io.openswarm.temporal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A worker's health: its readings and the warnings of the checks past their {@link
 * HealthThresholds}. A warning is there while its condition holds and gone in the next report once
 * it no longer does; nothing is latched.
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
 * @param warnings the checks past their threshold, in {@link HealthCheck} order; empty when healthy
 */
public record SwarmHealth(
    Readings readings, HealthThresholds thresholds, List<HealthWarning> warnings) {

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
   * @param warnings the checks past their threshold, in {@link HealthCheck} order; empty when
   *     healthy
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
  public static SwarmHealth evaluate(Readings readings, HealthThresholds thresholds) {
    Objects.requireNonNull(readings, "readings cannot be null");
    Objects.requireNonNull(thresholds, "thresholds cannot be null");
    List<HealthWarning> warnings = new ArrayList<>();
    double errorRate = readings.errorRate();
    if (errorRate > thresholds.maxErrorRate()) {
      warnings.add(
          new HealthWarning(
              HealthCheck.ERROR_RATE,
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
          new HealthWarning(
              HealthCheck.AVAILABLE_PORTS,
              readings.availablePorts(),
              thresholds.minAvailablePorts(),
              String.format(
                  "%d port(s) available, fewer than %d",
                  readings.availablePorts(), thresholds.minAvailablePorts())));
    }
    Long backlog = readings.backlog();
    if (backlog != null && backlog > thresholds.maxBacklog()) {
      warnings.add(
          new HealthWarning(
              HealthCheck.BACKLOG,
              backlog,
              thresholds.maxBacklog(),
              String.format(
                  "%d cell(s) waiting in the shared queue, more than %d",
                  backlog, thresholds.maxBacklog())));
    }
    if (readings.memoryUsage() > thresholds.maxMemoryUsage()) {
      warnings.add(
          new HealthWarning(
              HealthCheck.MEMORY,
              readings.memoryUsage(),
              thresholds.maxMemoryUsage(),
              String.format(
                  "memory %.1f %% used, above %.1f %%",
                  readings.memoryUsage() * 100, thresholds.maxMemoryUsage() * 100)));
    }
    if (readings.sandboxFellBack()) {
      warnings.add(
          new HealthWarning(
              HealthCheck.SANDBOX,
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
  private static Optional<HealthWarning> diskWarning(
      List<Disk> disks, HealthThresholds thresholds) {
    for (Disk disk : disks) {
      long floor = thresholds.diskFloorAt(disk.totalBytes());
      if (disk.usableBytes() < floor) {
        return Optional.of(
            new HealthWarning(
                HealthCheck.DISK,
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
            new HealthWarning(
                HealthCheck.DISK,
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
  public Optional<HealthWarning> warning(HealthCheck check) {
    Objects.requireNonNull(check, "check cannot be null");
    return warnings.stream().filter(w -> w.check() == check).findFirst();
  }

  private static String human(java.time.Duration duration) {
    long seconds = duration.getSeconds();
    return seconds % 60 == 0 ? (seconds / 60) + " min" : seconds + " s";
  }
}
