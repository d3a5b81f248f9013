package io.openswarm.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LoadResultTest {

  /**
   * Cells 1..100 with latencies of 100, 99, ..., 1 ms (so start order and latency order differ).
   */
  private static LoadResult<String> hundredCells() {
    long[] latencies =
        IntStream.rangeClosed(1, 100).mapToLong(i -> (101 - i) * 1_000_000L).toArray();
    List<String> results = new ArrayList<>();
    IntStream.rangeClosed(1, 100).forEach(i -> results.add("cell-" + i));
    return new LoadResult<>(4, Duration.ofSeconds(10), latencies, results);
  }

  @Test
  void percentilesUseTheNearestRank() {
    LoadResult<String> load = hundredCells();

    assertThat(load.percentile(0.50)).isEqualTo(Duration.ofMillis(50));
    assertThat(load.percentile(0.99)).isEqualTo(Duration.ofMillis(99));
    assertThat(load.percentile(1.0)).isEqualTo(Duration.ofMillis(100));
    assertThat(load.percentile(0.001)).isEqualTo(Duration.ofMillis(1));
    assertThat(load.mean()).isEqualTo(Duration.ofNanos(50_500_000));
  }

  @Test
  void aQuantileOutsideZeroToOneIsRejected() {
    assertThatThrownBy(() -> hundredCells().percentile(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("quantile must be in (0, 1] but was 0.0");
    assertThatThrownBy(() -> hundredCells().percentile(1.5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ratesComeFromTheWallTimeOrFromLittlesLaw() {
    LoadResult<String> load = hundredCells();

    assertThat(load.cellsPerSecond()).isEqualTo(10.0);
    assertThat(load.cellsPerHour()).isEqualTo(36_000.0);
    // 4 cells always in flight, 50.5 ms each on average.
    assertThat(load.steadyCellsPerHour())
        .isCloseTo(4 * 3600 / 0.0505, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void skippingTheFirstCellsKeepsTheLaterOnesInStartOrder() {
    LoadResult<String> later = hundredCells().skipFirst(90);

    assertThat(later.cells()).isEqualTo(10);
    assertThat(later.results()).first().isEqualTo("cell-91");
    assertThat(later.percentile(1.0)).isEqualTo(Duration.ofMillis(10));
    assertThat(later.wall()).isEqualTo(Duration.ofSeconds(10));
    assertThatThrownBy(() -> hundredCells().skipFirst(100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must be from 0 to 99 but was 100");
  }
}
