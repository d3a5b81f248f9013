package io.openswarm.temporal;

import io.openswarm.core.StepTiming;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link TcrWorkflow} is, as its {@code status()} query answers.
 *
 * @param taskId the task
 * @param cellId the cell currently running it, or null before bootstrap
 * @param attempt which cell attempt (a cell is retried on another host when its host disappears), from 1
 * @param host the host the current cell lives on, or null before bootstrap
 * @param step the step running now: {@code BOOTSTRAP}, a {@link io.openswarm.core.CellStep} name from {@code
 *     VERIFY_BASE} (or {@code EXECUTE} when the base is not checked) on, or {@code DONE}
 * @param timings the steps finished so far and how long they took
 */
public record TcrStatus(String taskId, @Nullable String cellId, int attempt, @Nullable String host, String step,
    List<StepTiming> timings) {

  /**
   * Checks the required components and copies the timings.
   *
   * @param taskId the task
   * @param cellId the cell currently running it, or null before bootstrap
   * @param attempt which cell attempt (a cell is retried on another host when its host disappears), from 1
   * @param host the host the current cell lives on, or null before bootstrap
   * @param step the step running now: {@code BOOTSTRAP}, a {@link io.openswarm.core.CellStep} name from {@code
   *     VERIFY_BASE} (or {@code EXECUTE} when the base is not checked) on, or {@code DONE}
   * @param timings the steps finished so far and how long they took
   * @throws NullPointerException if {@code taskId}, {@code step} or {@code timings} is null
   */
  public TcrStatus {
    Objects.requireNonNull(taskId, "taskId cannot be null");
    Objects.requireNonNull(step, "step cannot be null");
    timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
  }
}
