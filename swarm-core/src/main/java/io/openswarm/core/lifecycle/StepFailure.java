package io.openswarm.core.lifecycle;

import io.openswarm.core.CellStep;
import io.openswarm.core.StepTiming;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A step of a cell that failed, as a {@link CellDriver.Executor} reports it to the {@link CellDriver}: which step, a
 * stable type, what to tell a person, and what the driver does next.
 *
 * <p>Immutable; not meant to travel between processes (it may hold the exception to throw once the cell is torn
 * down).
 *
 * @param step the step that failed (the one the failure names, else the one that was running)
 * @param type a stable failure type, such as {@code AgentCrashed} or {@code TestsTimedOut}; {@code Cancelled} for a
 *     cancellation
 * @param error {@code <type>: <message>}, what to tell a person
 * @param retryable whether running the task again can help
 * @param hostLost whether the cell's host is gone (a step not picked up in time, a heartbeat missed, the host no
 *     longer knowing the cell): the driver then runs the task again in a new cell, when it may
 * @param cancelled whether the step stopped because the run was cancelled
 * @param timings for a failed bootstrap, how long each of its steps took; empty otherwise
 * @param propagate what the driver throws once the cell is torn down (a cancellation that must reach the caller), or
 *     null to end the cell with this failure as its outcome; ignored for a failed bootstrap, which leaves nothing to
 *     tear down and always ends as an outcome
 */
public record StepFailure(
    CellStep step,
    String type,
    String error,
    boolean retryable,
    boolean hostLost,
    boolean cancelled,
    List<StepTiming> timings,
    @Nullable RuntimeException propagate) {

  /**
   * Checks the components and copies the timings.
   *
   * @param step the step that failed
   * @param type a stable failure type
   * @param error {@code <type>: <message>}
   * @param retryable whether running the task again can help
   * @param hostLost whether the cell's host is gone
   * @param cancelled whether the step stopped because the run was cancelled
   * @param timings for a failed bootstrap, how long each of its steps took
   * @param propagate what the driver throws once the cell is torn down, or null
   * @throws NullPointerException if a component other than {@code propagate} is null
   */
  public StepFailure {
    Objects.requireNonNull(step, "step cannot be null");
    Objects.requireNonNull(type, "type cannot be null");
    Objects.requireNonNull(error, "error cannot be null");
    timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
  }

  /**
   * The failure of a step of the local {@link CellSteps}: never a lost host, never propagated.
   *
   * @param failure what the step threw; not null
   * @return the failure as the driver sees it
   * @throws NullPointerException if {@code failure} is null
   */
  public static StepFailure of(CellStepException failure) {
    Objects.requireNonNull(failure, "failure cannot be null");
    return new StepFailure(failure.step(), failure.failureType(), failure.failureType() + ": " + failure.getMessage(),
        failure.retryable(), false, false, failure.timings(), null);
  }
}
