/**
 * Metrics on Micrometer: {@link io.openswarm.temporal.metrics.MicrometerSwarmMetrics}, the {@code
 * SwarmMetrics} implementation that {@code SwarmWorkerBuilder.meterRegistry(...)} plugs in (step
 * timers, outcome counters, gauges of ports, worktrees, live cells, processes and the sandbox).
 * Temporal's own SDK metrics go to the same registry.
 */
@NullMarked
package io.openswarm.temporal.metrics;

import org.jspecify.annotations.NullMarked;
