package io.openswarm.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link ClosedLoopLoad} measured: how long the whole run took, each cell's latency from the
 * call that started it to its result, and the cells' results in the order they were started.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the result of one cell
 */
final class LoadResult<T> {

  private final int concurrency;
  private final Duration wall;
  private final long[] latencyNanos;
  private final long[] sortedLatencyNanos;
  private final List<T> results;

  /**
   * @param latencyNanos each cell's latency, in the order the cells were started
   * @param results each cell's result, in the same order
   */
  LoadResult(int concurrency, Duration wall, long[] latencyNanos, List<T> results) {
    if (latencyNanos.length != results.size()) {
      throw new IllegalArgumentException(
          "latencies and results must be as many but were "
              + latencyNanos.length
              + " and "
              + results.size());
    }
    this.concurrency = concurrency;
    this.wall = Objects.requireNonNull(wall, "wall cannot be null");
    this.latencyNanos = latencyNanos.clone();
    this.sortedLatencyNanos = latencyNanos.clone();
    Arrays.sort(sortedLatencyNanos);
    this.results = List.copyOf(results);
  }

  /**
   * The cells after the first {@code count} (in start order), for statistics that leave out a
   * ramp-up; {@link #wall()} stays that of the whole run.
   *
   * @throws IllegalArgumentException if {@code count} is negative or not below {@link #cells()}
   */
  LoadResult<T> skipFirst(int count) {
    if (count < 0 || count >= latencyNanos.length) {
      throw new IllegalArgumentException(
          "count must be from 0 to " + (latencyNanos.length - 1) + " but was " + count);
    }
    return new LoadResult<>(
        concurrency,
        wall,
        Arrays.copyOfRange(latencyNanos, count, latencyNanos.length),
        results.subList(count, results.size()));
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

  /**
   * Completed cells per hour by Little's law: {@code concurrency / mean latency}, the rate of a
   * system that always has {@code concurrency} cells in flight (what the performance guide's
   * throughput column is: its 40 cells at 280 s each give 515/hour). Unlike {@link #cellsPerHour()}
   * it does not count the ramp-up and the last cells' tail.
   */
  double steadyCellsPerHour() {
    double meanSeconds = Arrays.stream(latencyNanos).average().orElse(Double.NaN) / 1e9;
    return concurrency * 3600 / meanSeconds;
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
   * The latency at {@code quantile} (nearest rank: the smallest latency with at least that share of
   * cells at or below it).
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
