package io.openswarm.temporal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One row of a {@link DagResult}: a task, where it is or how it ended, and its attempts.
 *
 * <p>Immutable and thread-safe; a record so that Temporal's default Jackson converter can carry it.
 *
 * @param taskId the task
 * @param dependsOn the tasks it depends on
 * @param status where it is or how it ended
 * @param commit the target's head holding its change, when integrated
 * @param attempts how many attempts were started
 * @param duration from the first attempt's start to the last one's end (backoffs included), in
 *     workflow time; zero for a task that never ran
 * @param detail what to tell a person about the status (the last attempt's detail, or why it was
 *     skipped)
 * @param history every attempt, in order
 */
public record DagTaskResult(
    String taskId,
    List<String> dependsOn,
    DagTaskStatus status,
    @Nullable String commit,
    int attempts,
    Duration duration,
    @Nullable String detail,
    List<DagAttempt> history) {

  /**
   * Checks the required components and copies the lists.
   *
   * @param taskId the task
   * @param dependsOn the tasks it depends on
   * @param status where it is or how it ended
   * @param commit the target's head holding its change, when integrated
   * @param attempts how many attempts were started
   * @param duration from the first attempt's start to the last one's end (backoffs included), in
   *     workflow time; zero for a task that never ran
   * @param detail what to tell a person about the status (the last attempt's detail, or why it was
   *     skipped)
   * @param history every attempt, in order
   * @throws NullPointerException if a component that cannot be null is null
   */
  public DagTaskResult {
    Objects.requireNonNull(taskId, "taskId cannot be null");
    dependsOn = List.copyOf(Objects.requireNonNull(dependsOn, "dependsOn cannot be null"));
    Objects.requireNonNull(status, "status cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    history = List.copyOf(Objects.requireNonNull(history, "history cannot be null"));
  }
}
