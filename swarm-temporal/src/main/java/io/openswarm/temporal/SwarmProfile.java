package io.openswarm.temporal;

import io.openswarm.core.port.PortRange;
import java.time.Duration;

/**
 * Presets from the performance guide for a worker's concurrency, timeouts and port range, chosen
 * with {@link CapacityOptions.Builder#profile(SwarmProfile)}. Every value can be overridden:
 * concurrency in {@link CapacityOptions}, timeouts in {@link CellTimeouts}, ports with {@link
 * SwarmWorkerBuilder#ports}.
 *
 * <table>
 *   <caption>Preset values</caption>
 *   <tr><th></th><th>DEVELOPMENT</th><th>STAGING</th><th>PRODUCTION</th></tr>
 *   <tr><td>concurrent activities</td><td>5</td><td>25</td><td>50</td></tr>
 *   <tr><td>concurrent workflow tasks</td><td>2</td><td>5</td><td>10</td></tr>
 *   <tr><td>concurrent local activities</td><td>100</td><td>100</td><td>100</td></tr>
 *   <tr><td>activity start-to-close</td><td>15 min</td><td>10 min</td><td>10 min</td></tr>
 *   <tr><td>heartbeat timeout</td><td>60 s</td><td>30 s</td><td>30 s</td></tr>
 *   <tr><td>teardown timeout</td><td>2 min</td><td>2 min</td><td>2 min</td></tr>
 *   <tr><td>worker stop timeout</td><td>30 s</td><td>30 s</td><td>30 s</td></tr>
 *   <tr><td>ports</td><td>8000-8100</td><td>8000-9000</td><td>8000-9000</td></tr>
 * </table>
 */
public enum SwarmProfile {
  /** One or two developers on a laptop: few cells, generous timeouts for debugging. */
  DEVELOPMENT(5, 2, Duration.ofMinutes(15), Duration.ofSeconds(60), new PortRange(8000, 8100)),
  /** A shared staging worker. */
  STAGING(25, 5, Duration.ofMinutes(10), Duration.ofSeconds(30), new PortRange(8000, 9000)),
  /** One production worker of several. */
  PRODUCTION(50, 10, Duration.ofMinutes(10), Duration.ofSeconds(30), new PortRange(8000, 9000));

  /** Local activities per worker, the same in every preset. */
  public static final int LOCAL_ACTIVITY_CONCURRENCY = 100;

  /** How long teardown may take, the same in every preset. */
  public static final Duration TEARDOWN_TIMEOUT = Duration.ofMinutes(2);

  /** How long a stopping worker lets running cells finish, the same in every preset. */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final int activityConcurrency;
  private final int workflowTaskConcurrency;
  private final Duration startToClose;
  private final Duration heartbeat;
  private final PortRange ports;

  SwarmProfile(
      int activityConcurrency,
      int workflowTaskConcurrency,
      Duration startToClose,
      Duration heartbeat,
      PortRange ports) {
    this.activityConcurrency = activityConcurrency;
    this.workflowTaskConcurrency = workflowTaskConcurrency;
    this.startToClose = startToClose;
    this.heartbeat = heartbeat;
    this.ports = ports;
  }

  /**
   * Maximum concurrent activity executions (cell steps) per worker.
   *
   * @return this preset's limit
   */
  public int activityConcurrency() {
    return activityConcurrency;
  }

  /**
   * Maximum concurrent workflow-task executions per worker.
   *
   * @return this preset's limit
   */
  public int workflowTaskConcurrency() {
    return workflowTaskConcurrency;
  }

  /**
   * Maximum concurrent local-activity executions per worker.
   *
   * @return {@value #LOCAL_ACTIVITY_CONCURRENCY} in every preset
   */
  public int localActivityConcurrency() {
    return LOCAL_ACTIVITY_CONCURRENCY;
  }

  /**
   * Start-to-close timeout of a cell step.
   *
   * @return this preset's limit on one step once started
   */
  public Duration startToCloseTimeout() {
    return startToClose;
  }

  /**
   * Heartbeat timeout of long cell steps (execute, tests).
   *
   * @return how long a long step may go without a heartbeat in this preset
   */
  public Duration heartbeatTimeout() {
    return heartbeat;
  }

  /**
   * Start-to-close timeout of teardown.
   *
   * @return {@link #TEARDOWN_TIMEOUT} in every preset
   */
  public Duration teardownTimeout() {
    return TEARDOWN_TIMEOUT;
  }

  /**
   * How long {@code SwarmWorker.close()} lets running cells finish before cancelling them.
   *
   * @return {@link #STOP_TIMEOUT} in every preset
   */
  public Duration stopTimeout() {
    return STOP_TIMEOUT;
  }

  /**
   * The port range for agent servers.
   *
   * @return this preset's inclusive port range
   */
  public PortRange ports() {
    return ports;
  }
}
