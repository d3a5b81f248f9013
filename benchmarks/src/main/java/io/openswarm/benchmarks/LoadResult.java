package io.openswarm.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link ClosedLoopLoad} measured: how long the whole run took, each cell's latency from the call that
 * started it to its result, and the cells' results in the order they were started.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the result of one cell
 */
final class LoadResult<T> {

  private final int concurrency;
  private final Duration wall;
  private final long[] sortedLatencyNanos;
  private final List<T> results;

  LoadResult(int concurrency, Duration wall, long[] latencyNanos, List<T> results) {
    this.concurrency = concurrency;
    this.wall = Objects.requireNonNull(wall, "wall cannot be null");
    this.sortedLatencyNanos = latencyNanos.clone();
    Arrays.sort(sortedLatencyNanos);
    this.results = List.copyOf(results);
  }

  /** How many cells ran. */
  int cells() {
    return sortedLatencyNanos.length;
  }

  /** How many cells were in flight at most. */
  int concurrency() {
    return concurrency;
  }

  /** From the first start to the last result. */
  Duration wall() {
    return wall;
  }

  /** The cells' results, in the order they were started. */
  List<T> results() {
    return results;
  }

  /** Completed cells per second over the whole run. */
  double cellsPerSecond() {
    return cells() / (wall.toNanos() / 1e9);
  }

  /** Completed cells per hour at this rate. */
  double cellsPerHour() {
    return cellsPerSecond() * 3600;
  }

  /** The mean latency. */
  Duration mean() {
    return Duration.ofNanos((long) Arrays.stream(sortedLatencyNanos).average().orElse(0));
  }

  /**
   * The latency at {@code quantile} (nearest rank: the smallest latency with at least that share of cells at or
   * below it).
   *
   * @throws IllegalArgumentException if {@code quantile} is not in (0, 1]
   */
  Duration percentile(double quantile) {
    if (!(quantile > 0 && quantile <= 1)) {
      throw new IllegalArgumentException("quantile must be in (0, 1] but was " + quantile);
    }
    if (sortedLatencyNanos.length == 0) {
      return Duration.ZERO;
    }
    int rank = (int) Math.ceil(quantile * sortedLatencyNanos.length);
    return Duration.ofNanos(sortedLatencyNanos[Math.max(0, rank - 1)]);
  }
}
