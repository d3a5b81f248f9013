package io.openswarm.examples;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.openswarm.core.CellStep;
import io.openswarm.temporal.metrics.MicrometerSwarmMetrics;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A few lines for a terminal from a registry that a {@code SwarmWorker} reported to: cells (and DAG
 * task attempts) by outcome, then per step the count and p50/p95/p99/max of the successful runs,
 * then ports and worktrees.
 *
 * <pre>
 * cells: 6 committed, 2 reverted
 * step          count      p50      p95      p99      max
 * port              8     1 ms     2 ms     2 ms     2 ms
 * ...
 * ports: 101 available, 0 allocated, 0 quarantined; worktrees: 8 idle, 0 leased; live cells: 0
 * </pre>
 *
 * <p>Thread-safe (it only reads the registry).
 */
public final class MetricsSummary {

  private MetricsSummary() {}

  /** The summary of the swarm meters in {@code registry}. */
  public static String format(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry cannot be null");
    StringBuilder out = new StringBuilder();
    String cells = outcomes(registry, MicrometerSwarmMetrics.CELLS_FINISHED);
    String dagAttempts = outcomes(registry, MicrometerSwarmMetrics.DAG_ATTEMPTS_FINISHED);
    if (!cells.isEmpty() || dagAttempts.isEmpty()) {
      out.append("cells: ").append(cells.isEmpty() ? "none finished" : cells).append('\n');
    }
    if (!dagAttempts.isEmpty()) {
      out.append("DAG task attempts: ").append(dagAttempts).append('\n');
    }
    out.append(
        String.format(
            Locale.ROOT,
            "%-12s %6s %8s %8s %8s %8s%n",
            "step",
            "count",
            "p50",
            "p95",
            "p99",
            "max"));
    for (CellStep step : CellStep.values()) {
      String name = step.name().toLowerCase(Locale.ROOT);
      Timer timer =
          registry
              .find(MicrometerSwarmMetrics.STEP_DURATION)
              .tag("step", name)
              .tag("result", "success")
              .timer();
      if (timer == null || timer.count() == 0) {
        continue;
      }
      HistogramSnapshot snapshot = timer.takeSnapshot();
      StringBuilder row =
          new StringBuilder(String.format(Locale.ROOT, "%-12s %6d", name, timer.count()));
      for (ValueAtPercentile percentile : snapshot.percentileValues()) {
        row.append(
            String.format(Locale.ROOT, " %8s", millis(percentile.value(TimeUnit.MILLISECONDS))));
      }
      row.append(String.format(Locale.ROOT, " %8s", millis(timer.max(TimeUnit.MILLISECONDS))));
      out.append(row).append('\n');
    }
    out.append(
        String.format(
            Locale.ROOT,
            "ports: %s available, %s allocated, %s quarantined; worktrees: %s idle, "
                + "%s leased; live cells: %s%n",
            gauge(registry, MicrometerSwarmMetrics.PORTS, "available"),
            gauge(registry, MicrometerSwarmMetrics.PORTS, "allocated"),
            gauge(registry, MicrometerSwarmMetrics.PORTS, "quarantined"),
            gauge(registry, MicrometerSwarmMetrics.WORKTREES, "idle"),
            gauge(registry, MicrometerSwarmMetrics.WORKTREES, "leased"),
            gauge(registry, MicrometerSwarmMetrics.CELLS_LIVE, null)));
    return out.toString();
  }

  /**
   * The non-zero counts of an outcome counter, by status and failure type, such as {@code 6
   * committed}.
   */
  private static String outcomes(MeterRegistry registry, String counterName) {
    return registry.find(counterName).counters().stream()
        .filter(counter -> counter.count() > 0)
        .collect(
            Collectors.groupingBy(
                MetricsSummary::outcome,
                java.util.TreeMap::new,
                Collectors.summingDouble(Counter::count)))
        .entrySet()
        .stream()
        .map(entry -> String.format(Locale.ROOT, "%.0f %s", entry.getValue(), entry.getKey()))
        .collect(Collectors.joining(", "));
  }

  private static String outcome(Counter counter) {
    // Every outcome counter carries a status tag (MicrometerSwarmMetrics sets it).
    String status = Objects.requireNonNull(counter.getId().getTag("status"));
    String type = counter.getId().getTag("failure_type");
    return MicrometerSwarmMetrics.NO_FAILURE.equals(type) ? status : status + " (" + type + ")";
  }

  private static String gauge(MeterRegistry registry, String name, @Nullable String state) {
    var search = registry.find(name);
    if (state != null) {
      search = search.tag("state", state);
    }
    Gauge gauge = search.gauge();
    return gauge == null ? "?" : String.format(Locale.ROOT, "%.0f", gauge.value());
  }

  private static String millis(double value) {
    return value >= 10_000
        ? String.format(Locale.ROOT, "%.1f s", value / 1000)
        : String.format(Locale.ROOT, "%.0f ms", value);
  }
}
