package io.openswarm.core.metrics;

import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import java.time.Duration;

/**
 * Receives what happens to cells, for metrics. Every method defaults to doing nothing, so an
 * implementation overrides only what it records (in the manner of HikariCP's {@code
 * IMetricsTracker}).
 *
 * <p>Where the events come from: {@link #stepFinished} and {@link #liveCellsChanged} from the steps
 * on the cell's host; {@link #cellFinished} and {@link #dagAttemptFinished} from the worker that
 * runs the cell's workflow, once per workflow execution, from the workflow's own result.
 *
 * <p>Implementations must be thread-safe and must not block or throw: they are called on the cells'
 * own threads and on workflow threads.
 */
public interface SwarmMetrics {

  /**
   * A step of a cell finished.
   *
   * @param step which step
   * @param duration how long it took
   * @param succeeded whether it succeeded (a red test run is a successful step; its verdict is
   *     reported elsewhere)
   */
  default void stepFinished(CellStep step, Duration duration, boolean succeeded) {}

  /**
   * A cell ended.
   *
   * @param status how it ended
   * @param failureType for {@link CellStatus#FAILED}, a stable failure type such as {@code
   *     AgentStartFailed} ({@code Cancelled} for a cell whose workflow was cancelled); otherwise
   *     empty
   */
  default void cellFinished(CellStatus status, String failureType) {}

  /**
   * One attempt at a task of a DAG ended: one cell, or a few when its host was lost. Reported apart
   * from {@link #cellFinished} because a DAG task has verdicts of its own (integrated, conflict).
   *
   * @param status how the attempt ended, a DAG task status name: {@code INTEGRATED}, {@code
   *     NO_CHANGES}, {@code CONFLICT}, {@code REVERTED}, {@code FAILED} or {@code CANCELLED}
   * @param failureType for {@code FAILED} and {@code CANCELLED}, a stable failure type such as
   *     {@code AgentTimedOut}; otherwise empty
   */
  default void dagAttemptFinished(String status, String failureType) {}

  /**
   * The number of live cells on this worker changed.
   *
   * @param liveCells cells bootstrapped and not yet torn down
   */
  default void liveCellsChanged(int liveCells) {}

  /**
   * Metrics that record nothing.
   *
   * @return the shared no-op metrics
   */
  static SwarmMetrics noop() {
    return NoopMetrics.INSTANCE;
  }
}

/** Records nothing. */
enum NoopMetrics implements SwarmMetrics {
  INSTANCE;

  @Override
  public String toString() {
    return "SwarmMetrics.noop()";
  }
}
