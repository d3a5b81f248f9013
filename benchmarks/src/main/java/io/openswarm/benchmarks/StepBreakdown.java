package io.openswarm.benchmarks;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Where a cell's time goes: the mean duration of each step, as the steps measured themselves
 * ({@link CellOutcome#timings()}), and what is left of the mean latency once they are subtracted —
 * Temporal's scheduling, the workflow's decisions, the gRPC round trips and the queues between
 * steps.
 *
 * <p>Immutable and thread-safe.
 *
 * @param meanByStep the mean duration of each step that ran, in the order of {@link CellStep}
 * @param orchestration the mean latency minus the mean sum of the steps
 */
record StepBreakdown(Map<CellStep, Duration> meanByStep, Duration orchestration) {

  /** The breakdown of the cells of {@code load}. */
  static StepBreakdown of(LoadResult<CellOutcome> load) {
    List<CellOutcome> outcomes = load.results();
    EnumMap<CellStep, Long> totals = new EnumMap<>(CellStep.class);
    long stepsTotal = 0;
    for (CellOutcome outcome : outcomes) {
      for (CellStep.Timing timing : outcome.timings()) {
        totals.merge(timing.step(), timing.duration().toNanos(), Long::sum);
        stepsTotal += timing.duration().toNanos();
      }
    }
    int cells = Math.max(1, outcomes.size());
    EnumMap<CellStep, Duration> means = new EnumMap<>(CellStep.class);
    totals.forEach((step, total) -> means.put(step, Duration.ofNanos(total / cells)));
    Duration orchestration = load.mean().minusNanos(stepsTotal / cells);
    return new StepBreakdown(Map.copyOf(means), orchestration);
  }
}
