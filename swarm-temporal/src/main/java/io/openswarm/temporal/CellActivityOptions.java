package io.openswarm.temporal;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * Timeouts and retry rules for a cell's activities, and the {@link ActivityOptions} they make: what
 * {@link TcrWorkflow} uses, and what custom workflows over {@link CellActivities} should use too.
 *
 * <ul>
 *   <li>{@link #bootstrap(String)}: on the shared queue; may wait there for a worker with capacity
 *       (that is the backpressure); retried up to 3 times (1 s, ×2, 30 s max), except for failures
 *       retrying cannot fix.
 *   <li>{@link #onHost(String)}: on the cell's host queue with a short schedule-to-start timeout (a
 *       dead host is noticed quickly), a heartbeat timeout, never retried: these steps change code.
 *   <li>{@link #teardown(String)}: on the host queue, idempotent, so retried.
 * </ul>
 *
 * @param startToClose the limit on one step (execute, tests) once started
 * @param heartbeat how long a long step may go without a heartbeat
 * @param teardownTimeout the limit on teardown
 * @param bootstrapTimeout the limit on bootstrap once started (port, worktree, agent start and
 *     readiness)
 * @param hostScheduleToStart how long a step may wait for the cell's host to pick it up before the
 *     host is presumed gone
 * @param maxCellsPerTask how many cells a task may run in, each on the host that takes its
 *     bootstrap: a new cell starts when the previous one lost its host (a host failover, not a
 *     retry of the task)
 */
public record CellActivityOptions(
    Duration startToClose,
    Duration heartbeat,
    Duration teardownTimeout,
    Duration bootstrapTimeout,
    Duration hostScheduleToStart,
    int maxCellsPerTask) {

  /** Failure types that retrying a bootstrap cannot fix. */
  static final String[] NON_RETRYABLE_BOOTSTRAP = {
    "WorktreeConflict", "UnknownRef", "InvalidRepository", "AgentStartFailed", "Cancelled"
  };

  /**
   * Checks the components.
   *
   * @param startToClose the limit on one step (execute, tests) once started
   * @param heartbeat how long a long step may go without a heartbeat
   * @param teardownTimeout the limit on teardown
   * @param bootstrapTimeout the limit on bootstrap once started (port, worktree, agent start and
   *     readiness)
   * @param hostScheduleToStart how long a step may wait for the cell's host to pick it up before
   *     the host is presumed gone
   * @param maxCellsPerTask how many cells a task may run in, a new one each time the previous one
   *     lost its host
   * @throws IllegalArgumentException if a duration is not positive or {@code maxCellsPerTask} is
   *     below 1
   */
  public CellActivityOptions {
    positive("startToClose", startToClose);
    positive("heartbeat", heartbeat);
    positive("teardownTimeout", teardownTimeout);
    positive("bootstrapTimeout", bootstrapTimeout);
    positive("hostScheduleToStart", hostScheduleToStart);
    if (maxCellsPerTask < 1) {
      throw new IllegalArgumentException(
          "maxCellsPerTask must be at least 1 but was " + maxCellsPerTask);
    }
  }

  /**
   * The options of {@code profile}, with a 5-minute bootstrap, 30 s host schedule-to-start and at
   * most 3 cells per task.
   *
   * @param profile the profile whose limits to take
   * @return the options
   */
  public static CellActivityOptions of(SwarmProfile profile) {
    return new CellActivityOptions(
        profile.startToCloseTimeout(),
        profile.heartbeatTimeout(),
        profile.teardownTimeout(),
        Duration.ofMinutes(5),
        Duration.ofSeconds(30),
        3);
  }

  /**
   * Options for {@link CellActivities#bootstrap} on the shared task queue.
   *
   * @param sharedQueue the shared task queue
   * @return the activity options
   * @throws NullPointerException if {@code sharedQueue} is null
   */
  public ActivityOptions bootstrap(String sharedQueue) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(Objects.requireNonNull(sharedQueue, "sharedQueue cannot be null"))
        .setStartToCloseTimeout(bootstrapTimeout)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2.0)
                .setMaximumInterval(Duration.ofSeconds(30))
                .setMaximumAttempts(3)
                .setDoNotRetry(NON_RETRYABLE_BOOTSTRAP)
                .build())
        .build();
  }

  /**
   * Options for execute, runTests, commit and revert on the cell's host queue: not retried,
   * heartbeating.
   *
   * @param hostQueue the cell's host queue
   * @return the activity options
   * @throws NullPointerException if {@code hostQueue} is null
   */
  public ActivityOptions onHost(String hostQueue) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(Objects.requireNonNull(hostQueue, "hostQueue cannot be null"))
        .setScheduleToStartTimeout(hostScheduleToStart)
        .setStartToCloseTimeout(startToClose)
        .setHeartbeatTimeout(heartbeat)
        .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build();
  }

  /**
   * Options for teardown on the cell's host queue.
   *
   * @param hostQueue the cell's host queue
   * @return the activity options
   * @throws NullPointerException if {@code hostQueue} is null
   */
  public ActivityOptions teardown(String hostQueue) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(Objects.requireNonNull(hostQueue, "hostQueue cannot be null"))
        .setScheduleToStartTimeout(hostScheduleToStart)
        .setStartToCloseTimeout(teardownTimeout)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2.0)
                .setMaximumInterval(Duration.ofSeconds(10))
                .setMaximumAttempts(3)
                .build())
        .build();
  }

  private static void positive(String name, Duration value) {
    Objects.requireNonNull(value, name + " cannot be null");
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
  }
}
