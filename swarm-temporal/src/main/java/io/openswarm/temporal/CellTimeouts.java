package io.openswarm.temporal;

import io.openswarm.temporal.internal.OptionChecks;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How long each part of a cell's life may take, and how often a cell is tried on another host: the
 * limits on bootstrap, the agent's readiness and turn, one step, heartbeats, teardown and the
 * worker's stop; how long a step waits for its host and bootstrap for a port; how often cells of
 * closed workflows are swept.
 *
 * <p>The step limit and the heartbeat come from the worker's {@linkplain CapacityOptions#profile()
 * profile} unless set here; the agent's turn defaults to 30 s less than the step limit. Each setter
 * checks its argument at once; {@link Builder#build()} checks that the values set agree (a
 * heartbeat shorter than the step limit, a turn no longer than it), and the worker checks them
 * again against its profile's values.
 *
 * <p>Immutable and thread-safe.
 */
public final class CellTimeouts {

  /** The default limit on bootstrap (port, worktree, set-up, agent start, readiness). */
  public static final Duration DEFAULT_BOOTSTRAP = Duration.ofMinutes(5);

  /** The default limit on an agent becoming ready. */
  public static final Duration DEFAULT_READY = Duration.ofSeconds(30);

  /** The default wait of a step for its cell's host. */
  public static final Duration DEFAULT_HOST_SCHEDULE_TO_START = Duration.ofSeconds(30);

  /** The default interval of the sweep that tears down cells of closed workflows. */
  public static final Duration DEFAULT_CLOSED_WORKFLOW_SWEEP_INTERVAL = Duration.ofSeconds(30);

  /** The default wait of bootstrap for a free port. */
  public static final Duration DEFAULT_PORT_WAIT = Duration.ofSeconds(30);

  /** The default number of hosts a cell may be tried on. */
  public static final int DEFAULT_MAX_CELL_ATTEMPTS = 3;

  /** The most hosts a cell may be tried on. */
  public static final int MAX_CELL_ATTEMPTS_LIMIT = 10;

  private static final CellTimeouts DEFAULT_INSTANCE = newBuilder().build();

  private final Duration bootstrap;
  private final Duration ready;
  private final @Nullable Duration execute;
  private final @Nullable Duration startToClose;
  private final @Nullable Duration heartbeat;
  private final Duration teardown;
  private final Duration stop;
  private final Duration hostScheduleToStart;
  private final Duration closedWorkflowSweepInterval;
  private final Duration portWait;
  private final int maxCellAttempts;

  private CellTimeouts(Builder b) {
    this.bootstrap = b.bootstrap;
    this.ready = b.ready;
    this.execute = b.execute;
    this.startToClose = b.startToClose;
    this.heartbeat = b.heartbeat;
    this.teardown = b.teardown;
    this.stop = b.stop;
    this.hostScheduleToStart = b.hostScheduleToStart;
    this.closedWorkflowSweepInterval = b.closedWorkflowSweepInterval;
    this.portWait = b.portWait;
    this.maxCellAttempts = b.maxCellAttempts;
  }

  /**
   * A builder holding the defaults.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * A builder holding the values of {@code timeouts}, each of which may be set once more.
   *
   * @param timeouts the timeouts to start from
   * @return a new builder
   * @throws NullPointerException if {@code timeouts} is null
   */
  public static Builder newBuilder(CellTimeouts timeouts) {
    Objects.requireNonNull(timeouts, "timeouts cannot be null");
    Builder b = new Builder();
    b.bootstrap = timeouts.bootstrap;
    b.ready = timeouts.ready;
    b.execute = timeouts.execute;
    b.startToClose = timeouts.startToClose;
    b.heartbeat = timeouts.heartbeat;
    b.teardown = timeouts.teardown;
    b.stop = timeouts.stop;
    b.hostScheduleToStart = timeouts.hostScheduleToStart;
    b.closedWorkflowSweepInterval = timeouts.closedWorkflowSweepInterval;
    b.portWait = timeouts.portWait;
    b.maxCellAttempts = timeouts.maxCellAttempts;
    return b;
  }

  /**
   * The defaults; the step limit and heartbeat are the profile's.
   *
   * @return the default timeouts
   */
  public static CellTimeouts getDefaultInstance() {
    return DEFAULT_INSTANCE;
  }

  /**
   * These timeouts with every value the profile decides filled in from {@code profile}, checked
   * against each other.
   *
   * @throws IllegalArgumentException if the heartbeat is not shorter than the step limit or the
   *     turn is longer
   */
  CellTimeouts resolve(SwarmProfile profile) {
    Builder b = newBuilder(this);
    b.startToClose = startToClose == null ? profile.startToCloseTimeout() : startToClose;
    b.heartbeat = heartbeat == null ? profile.heartbeatTimeout() : heartbeat;
    if (execute == null) {
      // The agent's turn ends before the step's limit, so that the step can still report what
      // happened.
      b.execute =
          b.startToClose.compareTo(Duration.ofMinutes(1)) > 0
              ? b.startToClose.minusSeconds(30)
              : b.startToClose;
    }
    return b.build();
  }

  /**
   * The limit on bootstrap (port, worktree, set-up, agent start, readiness).
   *
   * @return the limit; positive
   */
  public Duration bootstrap() {
    return bootstrap;
  }

  /**
   * How long an agent may take to become ready.
   *
   * @return the limit; positive
   */
  public Duration ready() {
    return ready;
  }

  /**
   * The default limit on an agent's turn, if set; 30 s less than the step limit otherwise.
   *
   * @return the limit, or empty for the default
   */
  public Optional<Duration> execute() {
    return Optional.ofNullable(execute);
  }

  /**
   * The limit on one cell step (execute, tests) once started, if set; the profile's otherwise.
   *
   * @return the limit, or empty for the profile's
   */
  public Optional<Duration> startToClose() {
    return Optional.ofNullable(startToClose);
  }

  /**
   * How long a long step may go without a heartbeat, if set; the profile's otherwise.
   *
   * @return the limit, or empty for the profile's
   */
  public Optional<Duration> heartbeat() {
    return Optional.ofNullable(heartbeat);
  }

  /**
   * The limit on teardown.
   *
   * @return the limit; positive
   */
  public Duration teardown() {
    return teardown;
  }

  /**
   * How long {@link SwarmWorker#close()} lets running cells finish before cancelling them.
   *
   * @return the grace period; positive
   */
  public Duration stop() {
    return stop;
  }

  /**
   * How long a step waits for the cell's host before the host is presumed gone.
   *
   * @return the wait; positive
   */
  public Duration hostScheduleToStart() {
    return hostScheduleToStart;
  }

  /**
   * How often the worker tears down cells whose workflow closed without tearing them down.
   *
   * @return the interval; positive
   */
  public Duration closedWorkflowSweepInterval() {
    return closedWorkflowSweepInterval;
  }

  /**
   * How long bootstrap waits for a free port before failing with {@code PortExhausted}.
   *
   * @return the wait; not negative
   */
  public Duration portWait() {
    return portWait;
  }

  /**
   * On how many hosts a task may be tried when its cell's host disappears.
   *
   * @return the number, 1 to {@value #MAX_CELL_ATTEMPTS_LIMIT}
   */
  public int maxCellAttempts() {
    return maxCellAttempts;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CellTimeouts that)) {
      return false;
    }
    return maxCellAttempts == that.maxCellAttempts
        && bootstrap.equals(that.bootstrap)
        && ready.equals(that.ready)
        && Objects.equals(execute, that.execute)
        && Objects.equals(startToClose, that.startToClose)
        && Objects.equals(heartbeat, that.heartbeat)
        && teardown.equals(that.teardown)
        && stop.equals(that.stop)
        && hostScheduleToStart.equals(that.hostScheduleToStart)
        && closedWorkflowSweepInterval.equals(that.closedWorkflowSweepInterval)
        && portWait.equals(that.portWait);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        bootstrap,
        ready,
        execute,
        startToClose,
        heartbeat,
        teardown,
        stop,
        hostScheduleToStart,
        closedWorkflowSweepInterval,
        portWait,
        maxCellAttempts);
  }

  @Override
  public String toString() {
    return "CellTimeouts{bootstrap="
        + bootstrap
        + ", ready="
        + ready
        + ", execute="
        + (execute == null ? "default" : execute)
        + ", startToClose="
        + (startToClose == null ? "profile's" : startToClose)
        + ", heartbeat="
        + (heartbeat == null ? "profile's" : heartbeat)
        + ", teardown="
        + teardown
        + ", stop="
        + stop
        + ", hostScheduleToStart="
        + hostScheduleToStart
        + ", closedWorkflowSweepInterval="
        + closedWorkflowSweepInterval
        + ", portWait="
        + portWait
        + ", maxCellAttempts="
        + maxCellAttempts
        + "}";
  }

  /**
   * Builds {@link CellTimeouts}. Each value may be set once; a second call is an {@link
   * IllegalStateException}. Not thread-safe.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private Duration bootstrap = DEFAULT_BOOTSTRAP;
    private Duration ready = DEFAULT_READY;
    private @Nullable Duration execute;
    private @Nullable Duration startToClose;
    private @Nullable Duration heartbeat;
    private Duration teardown = SwarmProfile.TEARDOWN_TIMEOUT;
    private Duration stop = SwarmProfile.STOP_TIMEOUT;
    private Duration hostScheduleToStart = DEFAULT_HOST_SCHEDULE_TO_START;
    private Duration closedWorkflowSweepInterval = DEFAULT_CLOSED_WORKFLOW_SWEEP_INTERVAL;
    private Duration portWait = DEFAULT_PORT_WAIT;
    private int maxCellAttempts = DEFAULT_MAX_CELL_ATTEMPTS;

    private Builder() {}

    private void once(String option, @Nullable Object current) {
      if (!assigned.add(option)) {
        OptionChecks.requireUnset(option, current);
      }
    }

    /**
     * The limit on bootstrap (port, worktree, set-up, agent start, readiness); 5 min by default.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if the limit was already set
     */
    public Builder bootstrap(Duration timeout) {
      OptionChecks.positive("bootstrap", timeout);
      once("bootstrap", bootstrap);
      this.bootstrap = timeout;
      return this;
    }

    /**
     * How long an agent may take to become ready; 30 s by default.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if the limit was already set
     */
    public Builder ready(Duration timeout) {
      OptionChecks.positive("ready", timeout);
      once("ready", ready);
      this.ready = timeout;
      return this;
    }

    /**
     * The default limit on an agent's turn; 30 s less than the step limit by default (the step
     * limit itself when that is a minute or less).
     *
     * @param timeout the limit; positive, at most the step limit
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if the limit was already set
     */
    public Builder execute(Duration timeout) {
      OptionChecks.positive("execute", timeout);
      once("execute", execute);
      this.execute = timeout;
      return this;
    }

    /**
     * The limit on one cell step (execute, tests) once started; the profile's by default.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if the limit was already set
     */
    public Builder startToClose(Duration timeout) {
      OptionChecks.positive("startToClose", timeout);
      once("startToClose", startToClose);
      this.startToClose = timeout;
      return this;
    }

    /**
     * How long a long step may go without a heartbeat before it is presumed dead; the profile's by
     * default.
     *
     * @param timeout the limit; positive, shorter than the step limit
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if the limit was already set
     */
    public Builder heartbeat(Duration timeout) {
      OptionChecks.positive("heartbeat", timeout);
      once("heartbeat", heartbeat);
      this.heartbeat = timeout;
      return this;
    }

    /**
     * The limit on teardown; 2 min by default.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if the limit was already set
     */
    public Builder teardown(Duration timeout) {
      OptionChecks.positive("teardown", timeout);
      once("teardown", teardown);
      this.teardown = timeout;
      return this;
    }

    /**
     * How long {@link SwarmWorker#close()} lets running cells finish before cancelling them; 30 s
     * by default.
     *
     * @param timeout the grace period; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if the grace period was already set
     */
    public Builder stop(Duration timeout) {
      OptionChecks.positive("stop", timeout);
      once("stop", stop);
      this.stop = timeout;
      return this;
    }

    /**
     * How long a step waits for the cell's host before the host is presumed gone; 30 s by default.
     *
     * @param timeout the wait; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if the wait was already set
     */
    public Builder hostScheduleToStart(Duration timeout) {
      OptionChecks.positive("hostScheduleToStart", timeout);
      once("hostScheduleToStart", hostScheduleToStart);
      this.hostScheduleToStart = timeout;
      return this;
    }

    /**
     * How often the worker looks for cells whose workflow closed without tearing them down
     * (terminated, timed out, reset) and tears them down itself, asking Temporal about each cell up
     * for at least this long; 30 s by default.
     *
     * @param interval the interval; positive
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     * @throws IllegalArgumentException if {@code interval} is not positive
     * @throws IllegalStateException if the interval was already set
     */
    public Builder closedWorkflowSweepInterval(Duration interval) {
      OptionChecks.positive("closedWorkflowSweepInterval", interval);
      once("closedWorkflowSweepInterval", closedWorkflowSweepInterval);
      this.closedWorkflowSweepInterval = interval;
      return this;
    }

    /**
     * How long bootstrap waits for a free port before failing with {@code PortExhausted}; 30 s by
     * default.
     *
     * @param wait the wait; not negative
     * @return this builder
     * @throws NullPointerException if {@code wait} is null
     * @throws IllegalArgumentException if {@code wait} is negative
     * @throws IllegalStateException if the wait was already set
     */
    public Builder portWait(Duration wait) {
      OptionChecks.notNegative("portWait", wait);
      once("portWait", portWait);
      this.portWait = wait;
      return this;
    }

    /**
     * On how many hosts a task may be tried when its cell's host disappears; 3 by default.
     *
     * @param attempts the number of hosts; 1 to {@value #MAX_CELL_ATTEMPTS_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if {@code attempts} is outside 1 to {@value
     *     #MAX_CELL_ATTEMPTS_LIMIT}
     * @throws IllegalStateException if the number was already set
     */
    public Builder maxCellAttempts(int attempts) {
      if (attempts < 1 || attempts > MAX_CELL_ATTEMPTS_LIMIT) {
        throw new IllegalArgumentException(
            "maxCellAttempts must be between 1 and "
                + MAX_CELL_ATTEMPTS_LIMIT
                + " but was "
                + attempts);
      }
      once("maxCellAttempts", maxCellAttempts);
      this.maxCellAttempts = attempts;
      return this;
    }

    /**
     * Checks that the values set agree and builds the timeouts.
     *
     * @return the timeouts
     * @throws IllegalArgumentException if the heartbeat is not shorter than the step limit, or the
     *     agent's turn is longer than the step limit
     */
    public CellTimeouts build() {
      if (heartbeat != null && startToClose != null && heartbeat.compareTo(startToClose) >= 0) {
        throw new IllegalArgumentException(
            String.format(
                "heartbeat (%s) must be shorter than startToClose (%s)", heartbeat, startToClose));
      }
      if (execute != null && startToClose != null && execute.compareTo(startToClose) > 0) {
        throw new IllegalArgumentException(
            String.format(
                "execute (%s) must not exceed startToClose (%s): the activity would be killed first",
                execute, startToClose));
      }
      return new CellTimeouts(this);
    }
  }
}
