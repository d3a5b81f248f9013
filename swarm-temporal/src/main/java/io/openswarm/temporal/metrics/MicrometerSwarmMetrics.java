package io.openswarm.temporal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.worktree.WorktreePool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@link SwarmMetrics} on a Micrometer {@link MeterRegistry}: a timer per step with p50/p95/p99,
 * counters of cell outcomes by status and failure type, and gauges of what a worker holds.
 *
 * <pre>{@code
 * MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * SwarmWorker worker = SwarmWorker.newBuilder()...meterRegistry(registry).start();   // wires all of this
 *
 * // or by hand, for CellLifecycle without Temporal:
 * MicrometerSwarmMetrics metrics = MicrometerSwarmMetrics.newBuilder(registry).tag("host", "laptop").build()
 *     .monitorPorts(ports).monitorWorktrees(pool);
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * Every meter carries the {@linkplain Builder#tag common tags} ({@code host} when a worker creates
 * it). Names are in Micrometer's dotted form; Prometheus shows {@code swarm.step.duration} as
 * {@code swarm_step_duration_seconds}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #STEP_DURATION}</td><td>timer, p50/p95/p99</td><td>step, result</td>
 *       <td>each step of each cell: port, worktree, agent_start, agent_ready, execute, test, commit, revert,
 *       integrate, teardown; result is success or failure</td></tr>
 *   <tr><td>{@value #CELLS_FINISHED}</td><td>counter</td><td>status, failure_type</td>
 *       <td>cells that ended: committed, no_changes, reverted, failed; failure_type is none unless failed</td></tr>
 *   <tr><td>{@value #DAG_ATTEMPTS_FINISHED}</td><td>counter</td><td>status, failure_type</td>
 *       <td>attempts at DAG tasks: integrated, no_changes, conflict, reverted, failed, cancelled</td></tr>
 *   <tr><td>{@value #CELLS_LIVE}</td><td>gauge</td><td></td><td>cells bootstrapped and not yet torn down</td></tr>
 *   <tr><td>{@value #PORTS}</td><td>gauge</td><td>state</td><td>ports available, allocated, quarantined</td></tr>
 *   <tr><td>{@value #WORKTREES}</td><td>gauge</td><td>state</td><td>worktrees idle (warm) and leased</td></tr>
 *   <tr><td>{@value #WORKTREES_WAITING}</td><td>gauge</td><td></td><td>cells waiting for a worktree</td></tr>
 *   <tr><td>{@value #PROCESSES_LIVE}</td><td>gauge</td><td></td>
 *       <td>agent servers and test runs started by the supervisor and still running</td></tr>
 *   <tr><td>{@value #SANDBOX_ISOLATING}</td><td>gauge</td><td>sandbox</td>
 *       <td>1 when cell processes run confined (bubblewrap), 0 when not</td></tr>
 * </table>
 *
 * <p>Failure types come from the stable types of {@code CellActivities}; a value that does not look
 * like one (or more than {@value #MAX_FAILURE_TYPES} distinct ones) is counted as {@code Other}, so
 * that a misbehaving custom activity cannot blow up the number of series.
 *
 * <p>Thread-safe. Its {@link SwarmMetrics} methods never block and never throw. {@link #close()}
 * removes every meter this instance registered, so a stopped worker leaves no stale gauges (and no
 * references to its parts) behind.
 */
public final class MicrometerSwarmMetrics implements SwarmMetrics, AutoCloseable {

  /** Timer of each step, tagged {@code step} and {@code result}. */
  public static final String STEP_DURATION = "swarm.step.duration";

  /** Counter of finished cells, tagged {@code status} and {@code failure_type}. */
  public static final String CELLS_FINISHED = "swarm.cells.finished";

  /** Counter of finished DAG task attempts, tagged {@code status} and {@code failure_type}. */
  public static final String DAG_ATTEMPTS_FINISHED = "swarm.dag.attempts.finished";

  /** Gauge of live cells. */
  public static final String CELLS_LIVE = "swarm.cells.live";

  /** Gauge of ports, tagged {@code state}: available, allocated, quarantined. */
  public static final String PORTS = "swarm.ports";

  /** Gauge of worktrees, tagged {@code state}: idle, leased. */
  public static final String WORKTREES = "swarm.worktrees";

  /** Gauge of cells waiting for a worktree. */
  public static final String WORKTREES_WAITING = "swarm.worktrees.waiting";

  /** Gauge of live supervised processes. */
  public static final String PROCESSES_LIVE = "swarm.processes.live";

  /** Gauge: 1 when the sandbox isolates, tagged {@code sandbox} with its name. */
  public static final String SANDBOX_ISOLATING = "swarm.sandbox.isolating";

  /** The failure type tag of outcomes that are not failures. */
  public static final String NO_FAILURE = "none";

  /** The failure type tag of a value that is not a stable type, or one too many. */
  public static final String OTHER_FAILURE = "Other";

  /** At most this many distinct failure types get series of their own. */
  public static final int MAX_FAILURE_TYPES = 64;

  private static final Pattern FAILURE_TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
  private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

  private final MeterRegistry registry;
  private final Tags tags;
  private final Map<CellStep, Timer> succeeded = new EnumMap<>(CellStep.class);
  private final Map<CellStep, Timer> failed = new EnumMap<>(CellStep.class);
  private final ConcurrentHashMap<String, Counter> outcomes = new ConcurrentHashMap<>();
  private final Set<String> failureTypes = ConcurrentHashMap.newKeySet();
  private final AtomicInteger liveCells = new AtomicInteger();
  private final List<Meter> meters = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private MicrometerSwarmMetrics(Builder builder) {
    this.registry = builder.registry;
    this.tags = builder.tags;
    for (CellStep step : CellStep.values()) {
      succeeded.put(step, stepTimer(step, "success", builder));
      failed.put(step, stepTimer(step, "failure", builder));
    }
    gauge(CELLS_LIVE, "Cells bootstrapped and not yet torn down", Tags.empty(), liveCells::get);
  }

  /**
   * Returns a builder of metrics on {@code registry}.
   *
   * @param registry the registry the meters go into
   * @return a new builder
   */
  public static Builder newBuilder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /**
   * Metrics on {@code registry} with no common tags and the defaults.
   *
   * @param registry the registry the meters go into
   * @return the metrics, with their meters registered
   */
  public static MicrometerSwarmMetrics create(MeterRegistry registry) {
    return newBuilder(registry).build();
  }

  /**
   * The registry the meters are in.
   *
   * @return the registry
   */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * The tags every meter of this instance carries.
   *
   * @return the common tags; empty when none were set
   */
  public Tags commonTags() {
    return tags;
  }

  @Override
  public void stepFinished(CellStep step, Duration duration, boolean stepSucceeded) {
    if (step == null || duration == null || duration.isNegative()) {
      return;
    }
    // Both maps hold a timer for every step (filled in the constructor).
    Objects.requireNonNull((stepSucceeded ? succeeded : failed).get(step)).record(duration);
  }

  @Override
  public void cellFinished(CellStatus status, String failureType) {
    if (status == null) {
      return;
    }
    outcome(
            CELLS_FINISHED,
            "Cells that ended, by status and failure type",
            status.name(),
            status == CellStatus.FAILED ? failureType : null)
        .increment();
  }

  @Override
  public void dagAttemptFinished(String status, String failureType) {
    if (status == null || status.isBlank()) {
      return;
    }
    boolean failure = status.equals("FAILED") || status.equals("CANCELLED");
    outcome(
            DAG_ATTEMPTS_FINISHED,
            "Attempts at DAG tasks that ended, by status and failure type",
            status,
            failure ? failureType : null)
        .increment();
  }

  @Override
  public void liveCellsChanged(int cells) {
    liveCells.set(Math.max(0, cells));
  }

  /**
   * Adds gauges of {@code ports}: {@value #PORTS} with {@code state} available, allocated and
   * quarantined.
   *
   * @param ports the port manager to watch
   * @return this
   */
  public MicrometerSwarmMetrics monitorPorts(PortManager ports) {
    Objects.requireNonNull(ports, "ports cannot be null");
    String description = "Ports of the agent servers' range, by state";
    gauge(PORTS, description, Tags.of("state", "available"), ports::availableCount);
    gauge(PORTS, description, Tags.of("state", "allocated"), ports::allocatedCount);
    gauge(PORTS, description, Tags.of("state", "quarantined"), ports::quarantinedCount);
    return this;
  }

  /**
   * Adds gauges of {@code pool}: {@value #WORKTREES} with {@code state} idle and leased, and
   * {@value #WORKTREES_WAITING}.
   *
   * @param pool the pool to watch
   * @return this
   */
  public MicrometerSwarmMetrics monitorWorktrees(WorktreePool pool) {
    Objects.requireNonNull(pool, "pool cannot be null");
    String description = "Worktrees of the pool, by state";
    gauge(WORKTREES, description, Tags.of("state", "idle"), pool::idleCount);
    gauge(WORKTREES, description, Tags.of("state", "leased"), pool::leasedCount);
    gauge(WORKTREES_WAITING, "Cells waiting for a worktree", Tags.empty(), pool::waitingCount);
    return this;
  }

  /**
   * Adds the gauge {@value #PROCESSES_LIVE} of {@code supervisor} and {@value #SANDBOX_ISOLATING}
   * of its sandbox.
   *
   * @param supervisor the supervisor to watch
   * @return this
   */
  public MicrometerSwarmMetrics monitorProcesses(ProcessSupervisor supervisor) {
    Objects.requireNonNull(supervisor, "supervisor cannot be null");
    gauge(
        PROCESSES_LIVE,
        "Agent servers and test runs started by the worker and still running",
        Tags.empty(),
        () -> supervisor.liveProcesses().size());
    return monitorSandbox(supervisor.sandbox());
  }

  /**
   * Adds the gauge {@value #SANDBOX_ISOLATING}: 1 when {@code sandbox} confines processes, tagged
   * with its name.
   *
   * @param sandbox the sandbox to report
   * @return this
   */
  public MicrometerSwarmMetrics monitorSandbox(CellSandbox sandbox) {
    Objects.requireNonNull(sandbox, "sandbox cannot be null");
    int isolating = sandbox.isolating() ? 1 : 0;
    gauge(
        SANDBOX_ISOLATING,
        "1 when cell processes run in an isolating sandbox, 0 when not",
        Tags.of("sandbox", sandbox.name()),
        () -> isolating);
    return this;
  }

  /**
   * Registers a gauge with this instance's common tags plus {@code extraTags}; {@link #close()}
   * removes it. For the parts of a worker that report a level (its capacity, its backlog) and for
   * gauges of your own.
   *
   * @param name the gauge's name
   * @param description its description
   * @param extraTags tags added to the common ones
   * @param value read at every scrape; must be cheap and must not block
   * @return this
   */
  public MicrometerSwarmMetrics gauge(
      String name, String description, Tags extraTags, Supplier<Number> value) {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(description, "description cannot be null");
    Objects.requireNonNull(extraTags, "extraTags cannot be null");
    Objects.requireNonNull(value, "value cannot be null");
    Gauge gauge =
        Gauge.builder(name, value)
            .description(description)
            .tags(tags.and(extraTags))
            .strongReference(true)
            .register(registry);
    remember(gauge);
    return this;
  }

  /** Removes every meter this instance registered from the registry. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<Meter> registered;
    synchronized (meters) {
      registered = List.copyOf(meters);
      meters.clear();
    }
    registered.forEach(registry::remove);
    outcomes.clear();
  }

  @Override
  public String toString() {
    return "MicrometerSwarmMetrics"
        + tags.stream().map(t -> t.getKey() + "=" + t.getValue()).toList();
  }

  private Timer stepTimer(CellStep step, String result, Builder builder) {
    Timer.Builder timer =
        Timer.builder(STEP_DURATION)
            .description("Duration of each step of each cell")
            .tags(tags)
            .tag("step", step.name().toLowerCase(Locale.ROOT))
            .tag("result", result)
            .publishPercentiles(PERCENTILES)
            // Steps take seconds to minutes and come a few per cell: a longer window than
            // Micrometer's 2 minutes keeps
            // the percentiles from dropping to zero between cells.
            .distributionStatisticExpiry(builder.percentileWindow)
            .distributionStatisticBufferLength(5);
    if (builder.percentileHistogram) {
      timer
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofMinutes(30));
    }
    Timer registered = timer.register(registry);
    remember(registered);
    return registered;
  }

  private Counter outcome(
      String name, String description, String status, @Nullable String failureType) {
    String type = failureType == null ? NO_FAILURE : failureTypeTag(failureType);
    String key = name + '|' + status + '|' + type;
    Counter counter = outcomes.get(key);
    if (counter != null) {
      return counter;
    }
    return outcomes.computeIfAbsent(
        key,
        k -> {
          Counter created =
              Counter.builder(name)
                  .description(description)
                  .tags(tags)
                  .tag("status", status.toLowerCase(Locale.ROOT))
                  .tag("failure_type", type)
                  .register(registry);
          remember(created);
          return created;
        });
  }

  private String failureTypeTag(String failureType) {
    if (!FAILURE_TYPE.matcher(failureType).matches()) {
      return OTHER_FAILURE;
    }
    if (failureTypes.contains(failureType)) {
      return failureType;
    }
    // Two threads may both take the last place: the bound is approximate by one or two, never
    // unbounded.
    if (failureTypes.size() >= MAX_FAILURE_TYPES) {
      return OTHER_FAILURE;
    }
    failureTypes.add(failureType);
    return failureType;
  }

  private void remember(Meter meter) {
    synchronized (meters) {
      meters.add(meter);
    }
  }

  /** Configures a {@link MicrometerSwarmMetrics}. Not thread-safe. */
  public static final class Builder {
    private final MeterRegistry registry;
    private Tags tags = Tags.empty();
    private boolean percentileHistogram;
    private Duration percentileWindow = Duration.ofMinutes(10);

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry cannot be null");
    }

    /**
     * A tag on every meter, such as {@code host}.
     *
     * @param key the tag's key
     * @param value its value
     * @return this builder
     */
    public Builder tag(String key, String value) {
      Objects.requireNonNull(key, "key cannot be null");
      Objects.requireNonNull(value, "value cannot be null");
      if (key.isBlank()) {
        throw new IllegalArgumentException("tag key must not be blank");
      }
      this.tags = tags.and(Tag.of(key, value));
      return this;
    }

    /**
     * Also publishes histogram buckets for the step timers (1 ms to 30 min), so that percentiles
     * can be aggregated across workers ({@code histogram_quantile} in Prometheus). Off by default:
     * it adds about 70 series per timer.
     *
     * @param publish true to publish the buckets
     * @return this builder
     */
    public Builder percentileHistogram(boolean publish) {
      this.percentileHistogram = publish;
      return this;
    }

    /**
     * Over how long the published p50/p95/p99 are computed; 10 minutes by default.
     *
     * @param window the window; positive
     * @return this builder
     * @throws IllegalArgumentException if {@code window} is not positive
     */
    public Builder percentileWindow(Duration window) {
      Objects.requireNonNull(window, "window cannot be null");
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("percentileWindow must be positive but was " + window);
      }
      this.percentileWindow = window;
      return this;
    }

    /**
     * Builds the metrics and registers the step timers and the live-cells gauge.
     *
     * @return the metrics
     */
    public MicrometerSwarmMetrics build() {
      return new MicrometerSwarmMetrics(this);
    }
  }
}
