package io.openswarm.benchmarks;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports what each {@link ClosedLoopLoad} of a benchmark iteration measured as
 * secondary results, which JMH then averages over the iterations. For a load named {@code t}:
 * {@code t.cells/s}, the cells' latency {@code t.p50}, {@code t.p99} and {@code t.mean} (ms), and
 * for TCR cells the mean of each step ({@code t.step.EXECUTE}, ...) and the rest of the latency
 * ({@code t.step.orchestration}). When an iteration ran loads named {@code swarm} and {@code
 * floor}, also {@code swarm/floor}: the ratio of their cells/s in percent, computed per iteration
 * (so a change of the machine's background load between iterations does not skew it).
 *
 * <p>Runs inside the benchmark's JVM; the benchmark hands it each iteration's loads through {@link
 * #record}. Enable it with {@code -prof io.openswarm.benchmarks.CellLoadProfiler}. Thread-safe.
 */
public final class CellLoadProfiler implements InternalProfiler {

  private static final Map<String, LoadResult<?>> LOADS = new LinkedHashMap<>();

  /** Called by benchmarks with each load of the running iteration. */
  static void record(String name, LoadResult<?> result) {
    synchronized (LOADS) {
      LOADS.put(name, result);
    }
  }

  @Override
  public String getDescription() {
    return "Open Swarm cell throughput, latency percentiles and step times of each iteration";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    synchronized (LOADS) {
      LOADS.clear();
    }
  }

  @Override
  public Collection<? extends Result<?>> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    Map<String, LoadResult<?>> loads;
    synchronized (LOADS) {
      loads = new LinkedHashMap<>(LOADS);
    }
    List<Result<?>> results = new ArrayList<>();
    loads.forEach((name, load) -> addLoad(results, name, load));
    LoadResult<?> swarm = loads.get("swarm");
    LoadResult<?> floor = loads.get("floor");
    if (swarm != null && floor != null) {
      results.add(
          new ScalarResult(
              "swarm/floor",
              100 * swarm.cellsPerSecond() / floor.cellsPerSecond(),
              "%",
              AggregationPolicy.AVG));
    }
    return results;
  }

  private static void addLoad(List<Result<?>> results, String name, LoadResult<?> load) {
    results.add(
        new ScalarResult(
            name + ".cells/s", load.cellsPerSecond(), "cells/s", AggregationPolicy.AVG));
    results.add(millis(name + ".p50", load.percentile(0.50)));
    results.add(millis(name + ".p99", load.percentile(0.99)));
    results.add(millis(name + ".mean", load.mean()));
    if (!load.results().isEmpty() && load.results().get(0) instanceof CellOutcome) {
      @SuppressWarnings(
          "unchecked") // Checked on the first element; a load holds one kind of result.
      LoadResult<CellOutcome> cells = (LoadResult<CellOutcome>) load;
      StepBreakdown breakdown = StepBreakdown.of(cells);
      for (CellStep step : CellStep.values()) {
        Duration mean = breakdown.meanByStep().get(step);
        if (mean != null) {
          results.add(millis(name + ".step." + step.name(), mean));
        }
      }
      results.add(millis(name + ".step.orchestration", breakdown.orchestration()));
    }
  }

  private static ScalarResult millis(String label, Duration duration) {
    return new ScalarResult(label, duration.toNanos() / 1e6, "ms", AggregationPolicy.AVG);
  }
}
