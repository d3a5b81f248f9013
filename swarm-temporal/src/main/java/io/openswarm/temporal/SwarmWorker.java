package io.openswarm.temporal;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.files.internal.TreeDeleter;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.lifecycle.TeardownResult;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.sandbox.CellLimits;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxMode;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeSetup;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.history.CellHistoryStore;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.OrphanReaper;
import io.openswarm.infra.opencode.OpenCodeAgent;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.process.OrphanKill;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.infra.sandbox.internal.SandboxProbe;
import io.openswarm.infra.setup.CommandWorktreeSetup;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.infra.testrun.TestEnvironment;
import io.openswarm.infra.worktree.BranchIntegrator;
import io.openswarm.infra.worktree.GitWorktreeChanges;
import io.openswarm.infra.worktree.RepositoryHooks;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.internal.BacklogProbe;
import io.openswarm.temporal.internal.CellActivitiesImpl;
import io.openswarm.temporal.internal.CellAdmission;
import io.openswarm.temporal.internal.DiskSpace;
import io.openswarm.temporal.internal.CellCapacity;
import io.openswarm.temporal.internal.CompositeMetrics;
import io.openswarm.temporal.internal.CellParts;
import io.openswarm.temporal.internal.ClosedWorkflowSweeper;
import io.openswarm.temporal.internal.DagTaskWorkflowImpl;
import io.openswarm.temporal.internal.DagWorkflowImpl;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.openswarm.temporal.internal.OptionChecks;
import io.openswarm.temporal.internal.OutcomeReporter;
import io.openswarm.temporal.internal.OutcomeWindow;
import io.openswarm.temporal.internal.RepositoryActivitiesImpl;
import io.openswarm.temporal.internal.SystemMemory;
import io.openswarm.temporal.internal.WorktreeSize;
import io.openswarm.temporal.internal.TcrWorkflowImpl;
import io.openswarm.temporal.internal.TemporalConnection;
import io.openswarm.temporal.metrics.MicrometerSwarmMetrics;
import io.openswarm.temporal.internal.WorkerHooks;
import io.temporal.client.WorkflowClient;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import io.temporal.worker.tuning.CompositeTuner;
import io.temporal.worker.tuning.FixedSizeSlotSupplier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker that runs cells: the entry point of Open Swarm.
 *
 * <pre>{@code
 * try (SwarmWorker worker = SwarmWorker.newBuilder()
 *     .repository(Path.of("/srv/repo"))
 *     .testCommand("./gradlew", "test", "--offline")
 *     .openCode(OpenCodeOptions.newBuilder()
 *         .model("anthropic/claude-sonnet-4-5")
 *         .apiKeyVariable("ANTHROPIC_API_KEY")
 *         .build())
 *     .build()
 *     .start()) {
 *   CellOutcome outcome = worker.client().runTcr(TaskSpec.of("add-readme", "Add a README", "main"));
 * }
 * }</pre>
 *
 * <h2>How it works</h2>
 * With no {@linkplain ConnectionOptions.Builder#target(String) target} the worker starts an embedded Temporal server on 127.0.0.1
 * (in memory: for development, demos, tests and single-machine runs); with one it joins a Temporal cluster. It polls
 * two task queues: the shared one (default {@code reactor-task-queue}), where workflows and cell bootstraps run, and a
 * queue of its own host, {@code <taskQueue>@<hostId>}, where every later step of the cells it bootstrapped runs. Many
 * workers on many hosts share the shared queue; Temporal spreads the cells.
 *
 * <p>{@link #start()} recovers what a previous worker with the same state directory left behind (its agent and test
 * processes, its worktrees, its ports, its cells' state directories), warms the worktree pool and starts polling.
 * {@link #close()} stops taking new cells, lets running ones finish up to the stop timeout, cancels the rest (their
 * teardown runs), releases everything and stops the embedded server. A JVM shutdown hook does the same on SIGTERM.
 *
 * <h2>Capacity, backpressure and health</h2>
 * A worker runs at most {@link #capacity()} cells at once (by default the least of what its memory budget, ports,
 * worktrees and activity slots allow; see {@link SwarmCapacity}). Its pollers take a bootstrap from the shared queue
 * only while one more cell fits (cells, ports, worktrees, memory below the health ceiling, free disk above the
 * floor with room for {@linkplain CapacityOptions.Builder#diskPerCell(long) one more cell}); otherwise new cells wait
 * in Temporal, for this worker or another, and are taken as soon as room returns. Only activity polling of the shared
 * queue is held back: workflow tasks and the host queue's steps keep flowing, so running cells always reach their
 * teardown. {@link #health()} compares the error rate, available ports, backlog and memory with the performance
 * guide's thresholds. With a {@linkplain Builder#meterRegistry meter registry}, all of it, the step timers and outcome
 * counters, and Temporal's SDK metrics are published there (see {@link MicrometerSwarmMetrics}).
 *
 * <p>Thread-safe. The lifecycle is NEW → RUNNING → STOPPED; calls in the wrong state throw {@link
 * IllegalStateException} ({@code attempted to start while in RUNNING state}).
 */
public final class SwarmWorker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SwarmWorker.class);

  /** How often a running step heartbeats, and so how soon a cancellation reaches it. */
  static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

  /** How often admission re-examines waiting pollers when nothing else prompts it. */
  static final Duration ADMISSION_TICK = Duration.ofMillis(200);

  /** How often the worker checks its health by itself (and logs warnings that appear or clear). */
  static final Duration HEALTH_INTERVAL = Duration.ofSeconds(15);

  private static final int DEFAULT_NEXUS_SLOTS = 100;

  /** The tag every meter of a worker carries, Temporal's SDK meters included: the worker's host id. */
  private static final String HOST_TAG = "host";
  /** The name prefix of Temporal's SDK meters in a Micrometer registry. */
  private static final String TEMPORAL_METER_PREFIX = "temporal_";

  /** Gauge: the most cells this worker runs at once. */
  public static final String CELLS_CAPACITY = "swarm.cells.capacity";
  /** Gauge: how many more cells fit now. */
  public static final String CELLS_HEADROOM = "swarm.cells.headroom";
  /** Gauge: 1 while bootstraps are left in the shared queue because no cell fits. */
  public static final String BACKPRESSURE = "swarm.backpressure";
  /** Gauge: bootstraps waiting in the shared queue at the last health check; NaN when unknown. */
  public static final String BACKLOG = "swarm.backlog";
  /** Gauge: the used fraction of memory. */
  public static final String MEMORY_USAGE = "swarm.memory.usage";
  /** Gauge: the size of one worktree in bytes, measured once; NaN until measured. */
  public static final String WORKTREE_BYTES = "swarm.worktree.bytes";
  /** Gauge: the usable bytes of the fuller of the worktree root's and the state directory's file systems. */
  public static final String DISK_FREE = "swarm.disk.free.bytes";
  /** Gauge: health checks past their threshold at the last health check. */
  public static final String HEALTH_WARNINGS = "swarm.health.warnings";


  /** The worker's lifecycle states. */
  public enum State {
    /** Built, not started. */
    NEW,
    /** Starting: server, recovery, pools. */
    STARTING,
    /** Polling for work. */
    RUNNING,
    /** Stopping: draining, cancelling, releasing. */
    STOPPING,
    /** Stopped; cannot be started again. */
    STOPPED
  }

  private final SwarmWorkerOptions options;
  private final WorkerHooks hooks;
  private final ReentrantLock lifecycle = new ReentrantLock();
  private volatile State state = State.NEW;

  private final List<AutoCloseable> resources = new ArrayList<>();
  private @Nullable EmbeddedTemporalServer embedded;
  /** Whether the Temporal server is the Java test server (embedded here or in another JVM); set by start. */
  private boolean javaTestServer;
  /** Whether it is a Java test server this worker did not start (so it may outlive this worker); set by start. */
  private boolean joinedTestServer;
  /** Whether sandbox mode AUTO fell back to no sandbox; set by start, reported by health(). */
  private volatile boolean sandboxFellBack;
  private @Nullable TemporalConnection connection;
  private @Nullable WorkerFactory sharedFactory;
  private @Nullable WorkerFactory hostFactory;
  private @Nullable CellSteps steps;
  private @Nullable PortManager ports;
  private @Nullable WorktreePool pool;
  private @Nullable SwarmClient client;
  private @Nullable CellHistoryStore history;
  private @Nullable Thread shutdownHook;
  private @Nullable CellAdmission admission;
  private @Nullable OutcomeWindow outcomes;
  private @Nullable BacklogProbe backlogProbe;
  private @Nullable SystemMemory memory;
  private @Nullable DiskSpace disk;
  /** The size of one worktree, measured once on the monitor thread after the pool has made its first. */
  private final WorktreeSize worktreeSize = new WorktreeSize();
  private final Object healthLock = new Object();
  private volatile @Nullable SwarmHealth lastHealth;

  private SwarmWorker(SwarmWorkerOptions options, WorkerHooks hooks) {
    this.options = options;
    this.hooks = hooks;
  }

  /**
   * Returns a builder; the repository, the test command and the agent are required.
   *
   * @return a new builder
   */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Configures a {@link SwarmWorker}: the repository, the agent and the test command are required; everything else
   * has a default from the {@linkplain CapacityOptions#profile() profile} or the performance guide. Settings of one
   * concern come as one options object ({@link #connection}, {@link #timeouts}, {@link #capacity}, {@link #tests},
   * {@link #worktrees}, {@link #setup}, {@link #ports}), each checked by its own builder. Every setter may be called
   * once (except {@link #workflow}); a second call, or two setters of one thing ({@link #agent(AgentFactory)} and
   * {@link #openCode}, {@link #testCommand(String...)} and {@link #tests}), is an {@link IllegalStateException}.
   * {@link #build()} checks what needs several concerns. Not thread-safe.
   */
  public static final class Builder {
    private final SwarmWorkerOptions.Draft draft = new SwarmWorkerOptions.Draft();
    private final Set<String> assigned = new HashSet<>();
    private @Nullable String agentSetter;
    private @Nullable String testsSetter;
    private WorkerHooks hooks = WorkerHooks.NONE;

    private Builder() {}

    private void once(String option, @Nullable Object current) {
      if (!assigned.add(option)) {
        OptionChecks.requireUnset(option, current);
      }
    }

    /**
     * The git repository cells work on. Required (or given by {@link #worktrees}).
     *
     * @param path the repository's working tree, an existing directory holding {@code .git}
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalStateException if the repository was already set
     */
    public Builder repository(Path path) {
      Objects.requireNonNull(path, "repository cannot be null");
      once("repository", draft.repository);
      draft.repository = path;
      return this;
    }

    /**
     * The worker's state directory: port lock files, the lease journal, per-cell homes and logs, and the history of
     * cells that are gone ({@code history/}, see {@link #history}). A worker started on the state directory of a
     * crashed one cleans up what it left. {@code ~/.openswarm/<taskQueue>} by default.
     *
     * @param path the state directory, outside the repository
     * @return this builder
     * @throws NullPointerException if {@code path} is null
     * @throws IllegalStateException if the state directory was already set
     */
    public Builder stateDirectory(Path path) {
      Objects.requireNonNull(path, "stateDirectory cannot be null");
      once("stateDirectory", draft.stateDirectory);
      draft.stateDirectory = path;
      return this;
    }

    private void agentOnce(String setter, AgentFactory factory) {
      if (agentSetter != null) {
        throw new IllegalStateException("the agent was already set by " + agentSetter + "; set it once, with either"
            + " agent(...) or openCode(...), not both");
      }
      agentSetter = setter;
      draft.agentFactory = factory;
    }

    /**
     * The agent of every cell, created with the worker's (sandboxed) process supervisor. Required, once: this, or
     * {@link #agent(AgentRuntime)}, or {@link #openCode}.
     *
     * @param factory creates the runtime from the worker's process supervisor
     * @return this builder
     * @throws NullPointerException if {@code factory} is null
     * @throws IllegalStateException if the agent was already set
     */
    public Builder agent(AgentFactory factory) {
      Objects.requireNonNull(factory, "agent cannot be null");
      agentOnce("agent(...)", factory);
      return this;
    }

    /**
     * The agent of every cell, when it needs no process supervisor (in-process or scripted agents).
     *
     * @param runtime the runtime; thread-safe
     * @return this builder
     * @throws NullPointerException if {@code runtime} is null
     * @throws IllegalStateException if the agent was already set
     */
    public Builder agent(AgentRuntime runtime) {
      Objects.requireNonNull(runtime, "agent cannot be null");
      agentOnce("agent(...)", supervisor -> runtime);
      return this;
    }

    /**
     * Runs the real OpenCode in every cell: an {@link OpenCodeAgent} on the worker's sandboxed process supervisor.
     * Same as {@code agent(supervisor -> OpenCodeAgent.create(supervisor, options))}; the binary is looked up when
     * the worker starts, and a missing one fails {@link SwarmWorker#start()}.
     *
     * @param options how OpenCode is launched and driven
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the agent was already set
     */
    public Builder openCode(OpenCodeOptions options) {
      Objects.requireNonNull(options, "options cannot be null");
      agentOnce("openCode(...)", supervisor -> OpenCodeAgent.create(supervisor, options));
      return this;
    }

    /**
     * The repository's test command, as an argument list (no shell), with the other test settings at their
     * defaults: a shortcut for {@code tests(TestOptions.newBuilder().command(command).build())}.
     *
     * @param command the program and its arguments
     * @return this builder
     * @throws NullPointerException if {@code command} is or holds null
     * @throws IllegalArgumentException if {@code command} is empty or its program is blank
     * @throws IllegalStateException if the tests were already set, by this or {@link #tests}
     */
    public Builder testCommand(List<String> command) {
      return tests("testCommand(...)", TestOptions.newBuilder().command(command).build());
    }

    /**
     * The repository's test command; see {@link #testCommand(List)}.
     *
     * @param command the program and its arguments
     * @return this builder
     * @throws NullPointerException if {@code command} is or holds null
     * @throws IllegalArgumentException if {@code command} is empty or its program is blank
     * @throws IllegalStateException if the tests were already set, by this or {@link #tests}
     */
    public Builder testCommand(String... command) {
      return testCommand(List.of(Objects.requireNonNull(command, "testCommand cannot be null")));
    }

    /**
     * How the repository's tests run: command, limit, base check, network and environment. Required, once: this or
     * {@link #testCommand(String...)}.
     *
     * @param options the test options
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the tests were already set
     */
    public Builder tests(TestOptions options) {
      return tests("tests(...)", Objects.requireNonNull(options, "tests cannot be null"));
    }

    private Builder tests(String setter, TestOptions options) {
      if (testsSetter != null) {
        throw new IllegalStateException("the tests were already set by " + testsSetter + " to " + draft.tests
            + "; set them once, with either testCommand(...) or tests(...), not both");
      }
      testsSetter = setter;
      draft.tests = options;
      return this;
    }

    /**
     * How the worker reaches Temporal and which queues it polls; an embedded server by default.
     *
     * @param options the connection options
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the connection was already set
     */
    public Builder connection(ConnectionOptions options) {
      Objects.requireNonNull(options, "connection cannot be null");
      once("connection", draft.connection);
      draft.connection = options;
      return this;
    }

    /**
     * The cells' time limits and attempts; {@link CellTimeouts#getDefaultInstance()} by default.
     *
     * @param options the timeouts
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the timeouts were already set
     */
    public Builder timeouts(CellTimeouts options) {
      Objects.requireNonNull(options, "timeouts cannot be null");
      once("timeouts", draft.timeouts);
      draft.timeouts = options;
      return this;
    }

    /**
     * The profile, concurrency, cell limit, per-cell budgets and health thresholds; {@link
     * CapacityOptions#getDefaultInstance()} by default.
     *
     * @param options the capacity options
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the capacity was already set
     */
    public Builder capacity(CapacityOptions options) {
      Objects.requireNonNull(options, "capacity cannot be null");
      once("capacity", draft.capacity);
      draft.capacity = options;
      return this;
    }

    /**
     * The worktree pool: where worktrees live, how many are kept warm and at most, sparse checkouts, whether ignored
     * files survive. Its repository must be the worker's. By default worktrees live in {@code
     * <stateDirectory>/worktrees}, one is kept warm, and up to {@code max(4, 2 × maxConcurrentActivities)} are made
     * and all kept warm. The worker keeps ignored files too when a set-up command produced them, and cleans warm
     * worktrees on reuse when cells run unsandboxed.
     *
     * @param options the pool's options
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the worktrees were already set
     */
    public Builder worktrees(WorktreePoolOptions options) {
      Objects.requireNonNull(options, "worktrees cannot be null");
      once("worktrees", draft.worktrees);
      draft.worktrees = options;
      return this;
    }

    /**
     * What each worktree gets before a cell works in it: a set-up command (such as {@code npm ci}) and its inputs,
     * files copied from the checkout, submodules; nothing by default. The set-up runs inside the bootstrap, so its
     * limit must leave 30 s of {@link CellTimeouts#bootstrap()}; left at its default, it is the bootstrap's limit less
     * 30 s. With a set-up command, worktrees keep their ignored files between cells; see docs/configuration.md.
     *
     * @param options the set-up options
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the set-up was already set
     */
    public Builder setup(WorktreeSetupOptions options) {
      Objects.requireNonNull(options, "setup cannot be null");
      once("setup", draft.setup);
      draft.setup = options;
      return this;
    }

    /**
     * The inclusive port range for agent servers; the profile's by default.
     *
     * @param range the range; unprivileged ports only (1024 and above)
     * @return this builder
     * @throws NullPointerException if {@code range} is null
     * @throws IllegalArgumentException if the range includes a privileged port
     * @throws IllegalStateException if the ports were already set
     */
    public Builder ports(PortRange range) {
      Objects.requireNonNull(range, "ports cannot be null");
      if (range.min() < PortRange.FIRST_UNPRIVILEGED_PORT) {
        throw new IllegalArgumentException(String.format(
            "ports %s include privileged ports (below %d); use a range starting at %d or above", range,
            PortRange.FIRST_UNPRIVILEGED_PORT, PortRange.FIRST_UNPRIVILEGED_PORT));
      }
      once("ports", draft.ports);
      draft.ports = range;
      return this;
    }

    /**
     * How cell processes are isolated; {@link SandboxMode#AUTO} (bubblewrap when it works) by default.
     *
     * @param mode the sandbox mode
     * @return this builder
     * @throws NullPointerException if {@code mode} is null
     * @throws IllegalStateException if the sandbox was already set
     */
    public Builder sandbox(SandboxMode mode) {
      Objects.requireNonNull(mode, "sandbox cannot be null");
      once("sandbox", draft.sandbox);
      draft.sandbox = mode;
      return this;
    }

    /**
     * What each of a cell's process trees may use (processes, memory, CPU, {@code /tmp}) and how large a commit may
     * be; {@link CellLimits#getDefaultInstance()} by default. Processes, memory and CPU need cgroups the worker may
     * create; the worker says at start which limits are in force.
     *
     * @param limits the limits
     * @return this builder
     * @throws NullPointerException if {@code limits} is null
     * @throws IllegalStateException if the limits were already set
     */
    public Builder cellLimits(CellLimits limits) {
      Objects.requireNonNull(limits, "cellLimits cannot be null");
      once("cellLimits", draft.cellLimits);
      draft.cellLimits = limits;
      return this;
    }

    /**
     * The repository's hooks to run as a check on every change before it is committed, inside the cell's sandbox:
     * {@code pre-commit} and/or {@code commit-msg}, taken from the user's checkout (a relative
     * {@code core.hooksPath} in the repository's configuration, as husky sets it) or from the repository's git
     * directory, never from the cell's worktree. A failing hook fails the cell at COMMIT ({@code CommitRejected}).
     * None by default: the library's own git never runs hooks.
     *
     * @param hooks the hooks' names; none for no hook
     * @return this builder
     * @throws NullPointerException if {@code hooks} is or holds null
     * @throws IllegalArgumentException if a name is not {@code pre-commit} or {@code commit-msg}
     * @throws IllegalStateException if the hooks were already set
     */
    public Builder repositoryHooks(String... hooks) {
      List<String> names = List.of(Objects.requireNonNull(hooks, "repositoryHooks cannot be null"));
      for (String hook : names) {
        if (!RepositoryHooks.SUPPORTED.contains(hook)) {
          throw new IllegalArgumentException("repositoryHooks may name pre-commit and commit-msg but was given \""
              + hook + "\"");
        }
      }
      once("repositoryHooks", draft.repositoryHooks);
      draft.repositoryHooks = List.copyOf(new LinkedHashSet<>(names));
      return this;
    }

    /**
     * What is kept of each cell after it is gone, in {@code <stateDirectory>/history} and in the repository's refs:
     * its logs, the report folders named with {@link HistoryOptions.Builder#keepReports} after red tests, and a
     * reverted change as {@code refs/swarm/rejected/<cellId>}; {@link HistoryOptions#getDefaultInstance()} (200 runs,
     * 14 days, 2 GiB) by default. {@link io.openswarm.core.CellOutcome#historyPath()} and {@link
     * io.openswarm.core.CellOutcome#rejectedRef()} name what was kept; {@link SwarmClient#logs} and {@link
     * SwarmClient#diff} read it.
     *
     * @param options what is kept
     * @return this builder
     * @throws NullPointerException if {@code options} is null
     * @throws IllegalStateException if the history was already set
     */
    public Builder history(HistoryOptions options) {
      Objects.requireNonNull(options, "history cannot be null");
      once("history", draft.history);
      draft.history = options;
      return this;
    }

    /**
     * Who the cells' commits are by.
     *
     * @param commitAuthor the author and committer
     * @return this builder
     * @throws NullPointerException if {@code commitAuthor} is null
     * @throws IllegalStateException if the author was already set
     */
    public Builder author(CommitAuthor commitAuthor) {
      Objects.requireNonNull(commitAuthor, "author cannot be null");
      once("author", draft.author);
      draft.author = commitAuthor;
      return this;
    }

    /**
     * Where metrics go; none by default. Also gets the events when a {@link #meterRegistry} is set.
     *
     * @param swarmMetrics the metrics
     * @return this builder
     * @throws NullPointerException if {@code swarmMetrics} is null
     * @throws IllegalStateException if the metrics were already set
     */
    public Builder metrics(SwarmMetrics swarmMetrics) {
      Objects.requireNonNull(swarmMetrics, "metrics cannot be null");
      once("metrics", draft.metrics);
      draft.metrics = swarmMetrics;
      return this;
    }

    /**
     * Publishes the worker's metrics ({@link MicrometerSwarmMetrics}: step timers, outcome counters, gauges of ports,
     * worktrees, cells, processes, sandbox, capacity, backpressure, backlog and memory, all tagged {@code host}) and
     * Temporal's own SDK metrics to {@code registry}. None by default. The worker removes its meters when it stops.
     *
     * @param registry the registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     * @throws IllegalStateException if the registry was already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      Objects.requireNonNull(registry, "meterRegistry cannot be null");
      once("meterRegistry", draft.meterRegistry);
      draft.meterRegistry = registry;
      return this;
    }

    /**
     * Registers a workflow of your own, written over {@link CellActivities}, on the shared queue next to the TCR and
     * DAG workflows. The factory gets the worker's {@link CellActivityOptions}, so the workflow routes and times out
     * its cell's steps like the built-in ones. May be called once per workflow type.
     *
     * @param <T> the workflow interface
     * @param type the workflow interface
     * @param factory creates one workflow instance per execution
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public <T> Builder workflow(Class<T> type, Function<CellActivityOptions, ? extends T> factory) {
      draft.customWorkflows.add(new CustomWorkflow<>(type, factory));
      return this;
    }

    /**
     * Not API: test seams for the testkit's fault injection and crash tests. The type lives in an internal package
     * and may change in any release.
     *
     * @param testHooks the hooks
     * @return this builder
     */
    public Builder internalHooks(WorkerHooks testHooks) {
      this.hooks = Objects.requireNonNull(testHooks, "hooks cannot be null");
      return this;
    }

    /**
     * Checks the options across concerns and builds the worker, not yet started.
     *
     * @return the worker, not started
     * @throws IllegalStateException if the repository, the agent or the tests are missing
     * @throws IllegalArgumentException if options contradict each other; the message names them, the values and
     *     what is allowed
     */
    public SwarmWorker build() {
      if (draft.repository == null && draft.worktrees != null) {
        draft.repository = draft.worktrees.repository();
      }
      return new SwarmWorker(SwarmWorkerOptions.resolve(draft), hooks);
    }

    /**
     * Builds the worker and starts it.
     *
     * @return the running worker
     * @throws IllegalStateException if a required option is missing or the worker cannot start
     * @throws IllegalArgumentException if options contradict each other
     */
    public SwarmWorker start() {
      return build().start();
    }
  }

  /**
   * The validated options this worker was built with.
   *
   * @return the options
   */
  public SwarmWorkerOptions options() {
    return options;
  }

  /**
   * The current lifecycle state.
   *
   * @return the state
   */
  public State state() {
    return state;
  }

  /**
   * Starts the worker: the embedded server (if no target was given), recovery of a previous worker's leftovers,
   * the worktree pool, and polling.
   *
   * @return this worker
   * @throws IllegalStateException if the worker is not {@link State#NEW}, or a required facility (such as an
   *     explicitly requested bubblewrap sandbox) is unavailable
   * @throws UncheckedIOException if the state directory cannot be created or the embedded server cannot bind
   */
  public SwarmWorker start() {
    lifecycle.lock();
    try {
      requireState("start", State.NEW);
      state = State.STARTING;
      try {
        doStart();
      } catch (RuntimeException | Error e) {
        releaseAll();
        state = State.STOPPED;
        throw e;
      }
      state = State.RUNNING;
      return this;
    } finally {
      lifecycle.unlock();
    }
  }

  /**
   * Fails the start when the sandbox hides what every cell needs (the repository's git directory, the agent's or the
   * test command's program, a script's interpreter): better than the first task failing with a puzzling error.
   */
  private void checkSandboxShowsWhatCellsNeed(ProcessSupervisor supervisor, AgentRuntime agent,
      Path stateDirectory) {
    List<String> programs = new ArrayList<>(agent.programs());
    programs.add(options.tests().command().get(0));
    if (!options.setup().command().isEmpty()) {
      programs.add(options.setup().command().get(0));
    }
    String path = System.getenv("PATH");
    List<String> missing = SandboxProbe.missing(supervisor, stateDirectory.resolve("probe"), options.repository(),
        programs, path == null ? "/usr/local/bin:/usr/bin:/bin" : path);
    if (!missing.isEmpty()) {
      throw new IllegalStateException("cells cannot work under " + supervisor.sandbox().description() + ": inside "
          + "the sandbox these are not there or not executable: " + missing + ". The sandbox hides home folders, /run,"
          + " /tmp and the worker's state, and re-binds only what docs/security.md lists (the repository's git "
          + "directory, the folders on PATH, the program's own folder); move the program onto PATH or out of a "
          + "hidden folder, or choose sandbox(SandboxMode.NONE) knowingly");
    }
  }

  /** The set-up of every worktree, or none when nothing is configured. */
  private WorktreeSetup worktreeSetup(ProcessSupervisor supervisor) {
    WorktreeSetupOptions setup = options.setup();
    if (!setup.isConfigured()) {
      return WorktreeSetup.none();
    }
    // The set-up installs what the tests run with, so it gets their world: variables, caches, home files.
    CommandWorktreeSetup.Builder builder = CommandWorktreeSetup.newBuilder(supervisor).options(setup)
        .testEnvironment(options.tests().environment());
    if (!setup.copyFromCheckout().isEmpty()) {
      GitResult top = GitRunner.create().run(options.repository(), "rev-parse", "--show-toplevel");
      if (!top.isSuccess()) {
        throw new IllegalStateException("cannot find the top of the checkout " + options.repository()
            + " to copy " + setup.copyFromCheckout() + " from: " + top.stderrTail().strip());
      }
      builder.checkout(Path.of(top.stdout().strip()));
    }
    return builder.build();
  }

  private void doStart() {
    long start = System.nanoTime();
    Path stateDirectory = options.stateDirectory();
    createDirectories(stateDirectory);
    String target = options.connection().target().orElse(null);
    EmbeddedTemporalServer server = null;
    if (target == null) {
      server = EmbeddedTemporalServer.start(options.connection().embeddedPort());
      embedded = server;
      resources.add(server);
      target = server.target();
    }
    MeterRegistry registry = options.meterRegistry().orElse(null);
    Scope temporalMetrics = null;
    if (registry != null) {
      // Temporal's SDK reports through tally; its Micrometer reporter puts those metrics in the same registry.
      // Tagged with the host id like the worker's own meters, so that closing removes this worker's SDK meters
      // (after the scope's last report) and leaves other workers' in a shared registry alone.
      String hostId = options.hostId();
      resources.add(() -> registry.getMeters().stream()
          .filter(meter -> meter.getId().getName().startsWith(TEMPORAL_METER_PREFIX)
              && hostId.equals(meter.getId().getTag(HOST_TAG)))
          .toList()
          .forEach(registry::remove));
      temporalMetrics = new RootScopeBuilder()
          .tags(Map.of(HOST_TAG, hostId))
          .reporter(new MicrometerClientStatsReporter(registry))
          .reportEvery(com.uber.m3.util.Duration.ofSeconds(1));
      resources.add(temporalMetrics::close);
    }
    connection = server != null ? TemporalConnection.open(server, options.connection(), temporalMetrics)
        : TemporalConnection.open(target, options.connection(), temporalMetrics);
    resources.add(connection);
    javaTestServer = embedded != null || connection.isJavaTestServer();
    // Only a worker that joined a test server another JVM or worker runs can leave while that server goes on; the
    // one that embeds it takes the server down with it, so its workflow tasks may stick to it.
    joinedTestServer = embedded == null && javaTestServer;
    if (joinedTestServer) {
      log.info("swarm worker {}: Temporal at {} is a Java test server this worker joined: sticky workflow execution"
          + " off, since that server never moves a workflow task off the sticky queue of a worker that left",
          options.hostId(), target);
    }

    CellSandbox sandbox = SandboxDetector.system().select(options.sandbox());
    sandboxFellBack = options.sandbox() == SandboxMode.AUTO && !sandbox.isolating();
    OrphanReaper reaper = new OrphanReaper(LeaseJournal.open(stateDirectory.resolve("journal")));
    // No cell reads the worker's state (other cells, the journal), other worktrees, the user's checkout or the
    // credentials given to the worker; its own folders come back inside, and the repository's git directory read-only.
    List<Path> hidden = new ArrayList<>(List.of(stateDirectory, options.worktrees().root(), options.repository()));
    options.connection().clientCertificate().ifPresent(hidden::add);
    options.connection().clientKey().ifPresent(hidden::add);
    options.connection().trustedCertificates().ifPresent(hidden::add);
    ProcessSupervisor supervisor = ProcessSupervisor.newBuilder()
        .sandbox(sandbox)
        .listener(reaper.processListener())
        .hiddenPaths(hidden)
        .limits(options.cellLimits())
        .build();
    resources.add(supervisor);
    // Agents and test runs a crashed worker on this state directory left running die before anything new starts.
    Map<OrphanKill, Integer> reaped = reaper.reap(supervisor, ProcessSupervisor.DEFAULT_KILL_WAIT);
    if (!reaped.isEmpty()) {
      log.info("swarm worker {}: reaped processes of a dead worker: {}", options.hostId(), reaped);
    }
    // The cells' state directories (agent homes, caches, logs) live under one directory per worker JVM, recorded in
    // the journal, so that a worker that starts after a crash deletes those of the dead one. A dead one's cells may
    // have left trees no path can reach (deeper than PATH_MAX): what cannot be deleted is moved aside, never allowed
    // to stop this start.
    Path cellsRoot = stateDirectory.resolve("cells");
    OrphanReaper.DirectoryReaping directories = reaper.reapDirectories(cellsRoot, stateDirectory.resolve("quarantine"));
    if (directories.needsAttention()) {
      log.warn("swarm worker {}: state directories of a dead worker could not be deleted: moved aside {}, left {} "
          + "(retried at the next start)", options.hostId(), directories.quarantined(), directories.kept());
    }
    String cellsKey = "cells-" + LeaseJournal.sessionId().substring(0, 12);
    Path cellsDirectory = cellsRoot.resolve(LeaseJournal.sessionId().substring(0, 12));
    reaper.recordDirectory(cellsKey, cellsDirectory);
    resources.add(() -> {
      // Left with its record when this fails: the next start on this state directory reaps it.
      TreeDeleter.deleteRecursively(cellsDirectory);
      reaper.releaseDirectory(cellsKey);
    });

    ports = PortManager.newBuilder()
        .range(options.ports().min(), options.ports().max())
        .probe(hooks.decorateProbe(PortProbe.bind()))
        .leaseDirectory(stateDirectory.resolve("ports"))
        .build();

    pool = WorktreePool.create(WorktreePoolOptions.newBuilder(options.worktrees())
        // Unsandboxed, a process a cell left behind may still write into its returned worktree.
        .cleanOnReuse(options.worktrees().cleanOnReuse() || !sandbox.isolating())
        // What a set-up command installed is ignored files; kept, a warm worktree needs no set-up again. Kept too
        // when the user asked for ignored files to survive: a revert that keeps them is of no use to the next cell
        // if the release then removes them.
        .preserveIgnored(options.preservesIgnoredFiles())
        .build());
    resources.add(pool);
    pool.start();

    // Capacity and health: admission leaves bootstraps in the shared queue while no cell fits (see CellAdmission).
    // Two threads: health checks make RPCs that may be slow; admission's tick must not wait behind them.
    ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor(
        daemonThreads("swarm-health-" + options.hostId()));
    resources.add(monitor::shutdownNow);
    ScheduledExecutorService admissionTicks = Executors.newSingleThreadScheduledExecutor(
        daemonThreads("swarm-admission-" + options.hostId()));
    resources.add(admissionTicks::shutdownNow);
    memory = SystemMemory.system();
    disk = DiskSpace.of(List.of(options.worktrees().root(), stateDirectory));
    HealthThresholds thresholds = options.capacity().healthThresholds();
    outcomes = new OutcomeWindow(thresholds.errorRateWindow(), System::nanoTime);
    admission = new CellAdmission(options.capacity().maxConcurrentActivities(),
        new CellCapacity(options.cellCapacity().maxCells(), this::liveCells, ports, pool, memory,
            options.capacity().memoryPerCell(), thresholds.maxMemoryUsage(), disk, thresholds, this::diskPerCell),
        admissionTicks, ADMISSION_TICK, options.hostId());
    resources.add(admission);
    MicrometerSwarmMetrics micrometer = null;
    if (registry != null) {
      micrometer = MicrometerSwarmMetrics.newBuilder(registry).tag("host", options.hostId()).build()
          .monitorPorts(ports)
          .monitorWorktrees(pool)
          .monitorProcesses(supervisor);
      resources.add(micrometer);
      registerWorkerGauges(micrometer);
    }
    CellAdmission cellAdmission = admission;
    SwarmMetrics roomChanged = new SwarmMetrics() {
      @Override
      public void liveCellsChanged(int liveCells) {
        cellAdmission.recheck();
      }

      @Override
      public void stepFinished(CellStep step, Duration duration, boolean succeeded) {
        // The first worktree a cell got (set-up included) is measured once, off the cell's thread.
        if (step == CellStep.WORKTREE && succeeded && worktreeSize.bytes().isEmpty()) {
          try {
            monitor.execute(SwarmWorker.this::measureWorktreeOnce);
          } catch (RejectedExecutionException e) {
            // The worker is stopping: nothing left to admit.
          }
        }
      }
    };
    SwarmMetrics metrics = CompositeMetrics.of(options.metrics(), micrometer == null ? SwarmMetrics.noop()
        : micrometer, outcomes, roomChanged);

    CommandTestRunner tests = CommandTestRunner.newBuilder(supervisor)
        .command(options.tests().command())
        .timeout(options.tests().timeout())
        .network(options.tests().network())
        .testEnvironment(options.tests().environment())
        .build();
    AgentRuntime agent = options.agentFactory().create(supervisor);
    checkSandboxShowsWhatCellsNeed(supervisor, agent, stateDirectory);
    BranchIntegrator integrator = BranchIntegrator.create();
    GitWorktreeChanges.Builder changes = GitWorktreeChanges.newBuilder()
        .maxCommitBytes(options.cellLimits().maxCommitBytes())
        // A revert that removed the set-up's outputs would leave the worktree's set-up stamp lying.
        .preserveIgnored(options.preservesIgnoredFiles());
    if (!options.repositoryHooks().isEmpty()) {
      changes.beforeCommit(RepositoryHooks.newBuilder(supervisor)
          .repository(options.repository())
          .stateDirectory(stateDirectory.resolve("hooks"))
          .hooks(options.repositoryHooks())
          .timeout(options.tests().timeout())
          .build());
    }
    CellParts parts = hooks.decorate(new CellParts(pool, changes.build(), agent, tests, integrator));
    // In the state directory, which no cell sees; retention also runs now, for what earlier runs of the worker left.
    history = CellHistoryStore.newBuilder()
        .folder(stateDirectory.resolve("history"))
        .repository(options.repository())
        .options(options.history())
        .author(options.author())
        .build();
    history.enforceRetention();
    steps = CellSteps.newBuilder()
        .ports(ports)
        .worktrees(parts.worktrees())
        .changes(parts.changes())
        .agent(parts.agent())
        .tests(parts.tests())
        .integration(parts.integration())
        .setup(worktreeSetup(supervisor))
        .history(history)
        .cellsDirectory(cellsDirectory)
        .author(options.author())
        .portWait(options.timeouts().portWait())
        .readyTimeout(options.timeouts().ready())
        .executeTimeout(options.timeouts().execute().orElseThrow())
        .metrics(metrics)
        .host(options.hostId())
        .verifyBase(options.tests().verifyBase())
        .build();

    ScheduledExecutorService heartbeats = Executors.newScheduledThreadPool(1, daemonThreads("swarm-heartbeat"));
    resources.add(heartbeats::shutdownNow);
    // A workflow that is terminated or times out never runs its teardown activity; the sweeper does it instead.
    ClosedWorkflowSweeper sweeper = new ClosedWorkflowSweeper(steps::find, steps::teardown,
        ClosedWorkflowSweeper.askingTemporal(connection.client().getWorkflowServiceStubs(), options.connection().namespace()),
        options.timeouts().closedWorkflowSweepInterval(), System::nanoTime, options.hostId());
    resources.add(sweeper);
    CellActivitiesImpl activities = new CellActivitiesImpl(steps, hostQueue(), heartbeats, HEARTBEAT_INTERVAL,
        () -> state == State.STOPPING || state == State.STOPPED, sweeper);
    CellActivityOptions activityOptions = options.activityOptions();
    WorkerOptions workerOptions = WorkerOptions.newBuilder()
        .setMaxConcurrentActivityExecutionSize(options.capacity().maxConcurrentActivities())
        .setMaxConcurrentWorkflowTaskExecutionSize(options.capacity().maxConcurrentWorkflowTasks())
        .setMaxConcurrentLocalActivityExecutionSize(options.capacity().maxConcurrentLocalActivities())
        // Cancellation reaches a running step only with a heartbeat response; the SDK's default throttle (80 % of
        // the heartbeat timeout) would let an aborted agent keep working for most of a minute.
        .setMaxHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
        .setDefaultHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
        .setStickyQueueScheduleToStartTimeout(stickyScheduleToStart())
        .build();

    // The shared queue's activity slots come from admission; its workflow tasks keep flowing whatever the capacity.
    int nexusSlots = WorkerOptions.getDefaultInstance().getMaxConcurrentNexusExecutionSize();
    WorkerOptions sharedOptions = WorkerOptions.newBuilder()
        .setWorkerTuner(new CompositeTuner(
            new FixedSizeSlotSupplier<>(options.capacity().maxConcurrentWorkflowTasks()),
            admission,
            new FixedSizeSlotSupplier<>(options.capacity().maxConcurrentLocalActivities()),
            new FixedSizeSlotSupplier<>(nexusSlots > 0 ? nexusSlots : DEFAULT_NEXUS_SLOTS)))
        .setMaxHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
        .setDefaultHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
        .setStickyQueueScheduleToStartTimeout(stickyScheduleToStart())
        .build();

    WorkflowClient workflowClient = connection.client();
    backlogProbe = new BacklogProbe(workflowClient.getWorkflowServiceStubs(), options.connection().namespace(),
        options.connection().taskQueue(), javaTestServer);
    sharedFactory = WorkerFactory.newInstance(workflowClient, WorkerFactoryOptions.newBuilder()
        .setWorkerInterceptors(new OutcomeReporter(metrics))
        .build());
    Worker shared = sharedFactory.newWorker(options.connection().taskQueue(), sharedOptions);
    shared.registerWorkflowImplementationFactory(TcrWorkflow.class, () -> new TcrWorkflowImpl(activityOptions));
    shared.registerWorkflowImplementationFactory(DagWorkflow.class, () -> new DagWorkflowImpl(activityOptions));
    shared.registerWorkflowImplementationFactory(DagTaskWorkflow.class,
        () -> new DagTaskWorkflowImpl(activityOptions));
    for (CustomWorkflow<?> custom : options.customWorkflows()) {
      custom.register(shared, activityOptions);
    }
    shared.registerActivitiesImplementations(activities);
    shared.registerActivitiesImplementations(new RepositoryActivitiesImpl(options.repository(), integrator));

    hostFactory = WorkerFactory.newInstance(workflowClient);
    Worker host = hostFactory.newWorker(hostQueue(), workerOptions);
    host.registerActivitiesImplementations(activities);

    client = new SwarmClient(workflowClient, options.connection().taskQueue(), this::requireOpenForClient, history);
    hostFactory.start();
    sharedFactory.start();
    shutdownHook = new Thread(this::close, "swarm-worker-shutdown-" + options.hostId());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    monitor.scheduleWithFixedDelay(this::monitorHealth, HEALTH_INTERVAL.toMillis(), HEALTH_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
    sweeper.start();
    log.info("swarm worker {} started in {} ms: Temporal {}{}, queues {} and {}, ports {}, repository {}, agent {},"
            + " sandbox {}, capacity {}", options.hostId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
        target, embedded != null ? " (embedded)" : "", options.connection().taskQueue(), hostQueue(), options.ports(),
        options.repository(), agent.name(), sandbox.description(), options.cellCapacity());
  }

  /**
   * The disk budgeted for one new cell: the configured figure, or twice the measured worktree; 0 while unknown (then
   * only the disk floor holds new cells back).
   */
  private long diskPerCell() {
    OptionalLong configured = options.capacity().diskPerCell();
    if (configured.isPresent()) {
      return configured.getAsLong();
    }
    OptionalLong measured = worktreeSize.bytes();
    return measured.isPresent() ? measured.getAsLong() * SwarmWorkerOptions.DEFAULT_DISK_PER_CELL_FACTOR : 0;
  }

  /** Measures one leased worktree of a live cell, once; a no-op when measured or when no cell holds one yet. */
  private void measureWorktreeOnce() {
    CellSteps current = steps;
    WorktreePool worktrees = pool;
    if (current == null || worktrees == null || worktreeSize.bytes().isPresent()) {
      return;
    }
    try {
      for (CellId cellId : current.liveCells()) {
        Optional<WorktreeLease> lease = worktrees.find(cellId);
        if (lease.isPresent()) {
          long started = System.nanoTime();
          if (worktreeSize.measureOnce(lease.get().path())) {
            long bytes = worktreeSize.bytes().orElse(0);
            log.info("swarm worker {}: one worktree takes {} MiB on disk (measured {} in {} ms); {} MiB budgeted per"
                    + " new cell", options.hostId(), String.format(Locale.ROOT, "%.1f", bytes / 1048576.0),
                lease.get().path(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                String.format(Locale.ROOT, "%.1f", diskPerCell() / 1048576.0));
            Objects.requireNonNull(admission).recheck();
            return;
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("swarm worker {}: cannot measure a worktree's size; disk per cell stays unknown", options.hostId(), e);
    }
  }

  /** The gauges of the worker itself: capacity, headroom, backpressure, backlog, memory and health. */
  private void registerWorkerGauges(MicrometerSwarmMetrics micrometer) {
    CellAdmission cellAdmission = Objects.requireNonNull(admission);
    SystemMemory systemMemory = Objects.requireNonNull(memory);
    micrometer.gauge(CELLS_CAPACITY, "The most cells this worker runs at once", Tags.empty(),
        () -> options.cellCapacity().maxCells());
    micrometer.gauge(CELLS_HEADROOM, "How many more cells fit on this worker now", Tags.empty(),
        () -> cellAdmission.headroom().cells());
    micrometer.gauge(BACKPRESSURE, "1 while no new cell fits and bootstraps wait in the shared queue", Tags.empty(),
        () -> cellAdmission.holdingBack() ? 1 : 0);
    micrometer.gauge(BACKLOG, "Bootstraps waiting in the shared queue, as of the last health check", Tags.empty(),
        () -> {
          SwarmHealth health = lastHealth;
          Long backlog = health == null ? null : health.readings().backlog();
          return backlog == null ? Double.NaN : backlog;
        });
    micrometer.gauge(MEMORY_USAGE, "Used fraction of the machine's (or container's) memory", Tags.empty(),
        () -> systemMemory.read().usage());
    micrometer.gauge(WORKTREE_BYTES, "Size of one worktree on disk, measured once; NaN until measured",
        Tags.empty(), () -> {
          OptionalLong bytes = worktreeSize.bytes();
          return bytes.isPresent() ? bytes.getAsLong() : Double.NaN;
        });
    DiskSpace diskSpace = Objects.requireNonNull(disk);
    micrometer.gauge(DISK_FREE, "Usable bytes of the tightest file system of the worktree root and state directory",
        Tags.empty(), () -> diskSpace.read().stream().mapToLong(SwarmHealth.Disk::usableBytes).min()
            .orElse(Long.MAX_VALUE));
    micrometer.gauge(HEALTH_WARNINGS, "Health checks past their threshold, as of the last health check",
        Tags.empty(), () -> {
          SwarmHealth health = lastHealth;
          return health == null ? 0 : health.warnings().size();
        });
  }

  /**
   * The task queue of this host: every step after bootstrap of this worker's cells runs there.
   *
   * @return the host queue's name
   */
  public String hostQueue() {
    return options.connection().taskQueue() + "@" + options.hostId();
  }

  /**
   * A client bound to this worker's Temporal target and task queue.
   *
   * @return a new client
   * @throws IllegalStateException if the worker is not running
   */
  public SwarmClient client() {
    requireState("get the client", State.RUNNING);
    return Objects.requireNonNull(client);
  }

  /**
   * The {@code host:port} of the Temporal server this worker uses (the embedded one, or the target).
   *
   * @return the server's {@code host:port}
   */
  public String temporalTarget() {
    requireState("get the Temporal target", State.RUNNING);
    EmbeddedTemporalServer server = embedded;
    return server != null ? server.target() : options.connection().target().orElseThrow();
  }

  /**
   * The bearer token of the embedded Temporal server this worker uses: the one it started (a new token at every
   * start) or the one it joined with {@link ConnectionOptions.Builder#embeddedServerToken}; empty on a Temporal cluster, whose
   * credentials are your own. The server refuses every call without {@code authorization: Bearer <token>}, so that
   * the cells, which share its loopback address, can neither read nor touch its workflows.
   *
   * <p>In this JVM, {@link #client()} is already authenticated. Another process needs {@link #temporalTarget()} and
   * this token: another worker through {@link ConnectionOptions.Builder#embeddedServerToken}, a plain Temporal client through {@code
   * WorkflowServiceStubsOptions.newBuilder().setTarget(target).addApiKey(() -> token).setEnableHttps(false)}.
   * Whoever holds it controls every workflow of the server: never log it, and never hand it to a cell.
   *
   * @return the token, or empty on a Temporal cluster
   * @throws IllegalStateException if the worker is not running
   */
  public Optional<String> embeddedServerToken() {
    requireState("get the embedded server's token", State.RUNNING);
    EmbeddedTemporalServer server = embedded;
    return server != null ? Optional.of(server.token()) : options.connection().embeddedServerToken();
  }

  /**
   * The worker's port manager; for inspection and metrics.
   *
   * @return the port manager
   */
  public PortManager ports() {
    requireState("get the ports", State.RUNNING);
    return Objects.requireNonNull(ports);
  }

  /**
   * The worker's worktree pool; for inspection and metrics.
   *
   * @return the worktree pool
   */
  public WorktreePool worktrees() {
    requireState("get the worktrees", State.RUNNING);
    return Objects.requireNonNull(pool);
  }

  /**
   * How many cells are live on this worker now.
   *
   * @return the number of live cells
   */
  public int liveCells() {
    CellSteps current = steps;
    return current == null ? 0 : current.liveCells().size();
  }

  /**
   * How many cells this worker runs at once, and what decided it.
   *
   * @return the capacity
   */
  public SwarmCapacity capacity() {
    return options.cellCapacity();
  }

  /**
   * Checks the worker against its {@link HealthThresholds} now: the error rate of the cells that ended within the
   * window, the available ports, the bootstraps waiting in the shared queue (asked of the Temporal server), and the
   * machine's memory and the free space of the file systems of the worktree root and the state directory ({@link
   * HealthCheck#DISK}). A warning is in the report while its condition holds and gone once it no longer does. The
   * worker also checks every 15 s by itself, logs each warning when it appears (WARN) and when it clears (INFO), and
   * logs when backpressure starts and ends.
   *
   * @return the report
   * @throws IllegalStateException if the worker is not running
   */
  public SwarmHealth health() {
    requireState("check the health", State.RUNNING);
    SwarmHealth health = checkHealth();
    recordHealth(health);
    return health;
  }

  private SwarmHealth checkHealth() {
    OutcomeWindow.Counts counts = Objects.requireNonNull(outcomes).counts();
    Long backlog;
    try {
      OptionalLong waiting = Objects.requireNonNull(backlogProbe).backlog();
      backlog = waiting.isPresent() ? waiting.getAsLong() : null;
    } catch (RuntimeException e) {
      log.debug("swarm worker {}: cannot read the backlog", options.hostId(), e);
      backlog = null;
    }
    CellAdmission cellAdmission = Objects.requireNonNull(admission);
    CellAdmission.Headroom headroom = cellAdmission.headroom();
    SwarmHealth.Readings readings = new SwarmHealth.Readings(options.hostId(), Instant.now(), counts.outcomes(),
        counts.failures(), Objects.requireNonNull(ports).availableCount(), backlog,
        Objects.requireNonNull(memory).read().usage(), liveCells(), options.cellCapacity().maxCells(),
        cellAdmission.holdingBack(), headroom.limitedBy(), sandboxFellBack, readDisks(),
        worktreeSize.bytes().isPresent() ? worktreeSize.bytes().getAsLong() : null);
    return SwarmHealth.evaluate(readings, options.capacity().healthThresholds());
  }

  private List<SwarmHealth.Disk> readDisks() {
    try {
      return Objects.requireNonNull(disk).read();
    } catch (RuntimeException e) {
      log.debug("swarm worker {}: cannot read the free disk", options.hostId(), e);
      return List.of();
    }
  }

  /** Keeps the latest report for the gauges and logs the warnings that appeared or cleared since the last one. */
  private void recordHealth(SwarmHealth health) {
    synchronized (healthLock) {
      SwarmHealth previous = lastHealth;
      lastHealth = health;
      boolean pressed = health.readings().backpressure();
      if (previous != null && pressed != previous.readings().backpressure()) {
        if (pressed) {
          log.info("swarm worker {}: backpressure on, no room for another cell (limited by {}, {} of {} cells live);"
              + " new cells wait in the shared queue", options.hostId(), health.readings().limitedBy(),
              health.readings().liveCells(), health.readings().maxCells());
        } else {
          log.info("swarm worker {}: backpressure off", options.hostId());
        }
      }
      for (HealthCheck check : HealthCheck.values()) {
        Optional<HealthWarning> now = health.warning(check);
        boolean before = previous != null && previous.warning(check).isPresent();
        if (now.isPresent() && !before) {
          log.warn("swarm worker {}: health warning {}: {}", options.hostId(), check, now.get().message());
        } else if (now.isEmpty() && before) {
          log.info("swarm worker {}: health warning {} cleared", options.hostId(), check);
        }
      }
    }
  }

  private void monitorHealth() {
    if (state != State.RUNNING) {
      return;
    }
    try {
      measureWorktreeOnce();
      recordHealth(checkHealth());
    } catch (RuntimeException e) {
      log.warn("swarm worker {}: health check failed", options.hostId(), e);
    }
  }

  /** Stops the worker with the configured stop timeout. Idempotent. */
  @Override
  public void close() {
    shutdown(options.timeouts().stop());
  }

  /**
   * Stops taking new cells, lets running cells finish for up to {@code timeout}, then cancels them (their teardown
   * runs), releases every port and worktree, and stops the embedded server. Idempotent.
   *
   * @param timeout how long running cells may finish before they are cancelled
   * @throws NullPointerException if {@code timeout} is null
   */
  public void shutdown(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    lifecycle.lock();
    try {
      if (state == State.STOPPED || state == State.STOPPING) {
        return;
      }
      if (state == State.NEW) {
        state = State.STOPPED;
        return;
      }
      state = State.STOPPING;
      long start = System.nanoTime();
      drain(timeout);
      releaseAll();
      state = State.STOPPED;
      Thread hook = shutdownHook;
      if (hook != null && Thread.currentThread() != hook) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
          // The JVM is exiting; the hook is this call's twin and will find the worker stopped.
        }
      }
      log.info("swarm worker {} stopped in {} ms", options.hostId(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } finally {
      lifecycle.unlock();
    }
  }

  /** Stops polling for new work, waits for live cells, then cancels and tears down what is left. */
  private void drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    WorkerFactory shared = sharedFactory;
    WorkerFactory host = hostFactory;
    if (shared != null) {
      // Stop taking workflow tasks and bootstraps, and let the outstanding long polls end, before any step of a
      // live cell is cut short: the workflow task that follows must go to another worker, not to a poll of ours
      // that is about to be cancelled (a task handed to a dying poll waits for a timeout).
      shared.shutdown();
      shared.awaitTermination(5, TimeUnit.SECONDS);
    }
    CellSteps current = steps;
    while (current != null && !current.liveCells().isEmpty() && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (current != null && !current.liveCells().isEmpty()) {
      log.warn("swarm worker {}: {} cell(s) still live after {} ms; cancelling them", options.hostId(),
          current.liveCells().size(), timeout.toMillis());
    }
    if (host != null) {
      host.shutdownNow();
    }
    if (shared != null) {
      shared.shutdownNow();
    }
    awaitTermination(host);
    awaitTermination(shared);
    if (current != null) {
      AtomicInteger leaked = new AtomicInteger();
      current.liveCells().stream().sorted((a, b) -> a.value().compareTo(b.value())).forEach(cell -> {
        TeardownResult result = current.teardown(cell);
        leaked.addAndGet(result.errors().size());
      });
      if (leaked.get() > 0) {
        log.error("swarm worker {}: teardown at stop could not clean up {} thing(s); see the errors above",
            options.hostId(), leaked.get());
      }
    }
  }

  private static void awaitTermination(@Nullable WorkerFactory factory) {
    if (factory != null) {
      factory.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private void releaseAll() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        log.warn("swarm worker {}: releasing {} failed", options.hostId(), resources.get(i), e);
      }
    }
    resources.clear();
  }

  /**
   * What a {@link SwarmClient} checks before each call: it uses this worker's connection, which {@link #close()} shuts,
   * so a call from a closing or closed worker's client fails at once instead of retrying against a dead channel.
   */
  private void requireOpenForClient(String action) {
    State current = state;
    if (current == State.STOPPING || current == State.STOPPED) {
      throw new IllegalStateException(String.format("attempted to %s while in %s state: the worker %s that made this "
          + "client was closed; get a client from a running worker", action, current, options.hostId()));
    }
  }

  private void requireState(String action, State expected) {
    State current = state;
    if (current != expected) {
      throw new IllegalStateException(String.format("attempted to %s while in %s state", action, current));
    }
  }

  private static void createDirectories(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the worker's state directory " + directory, e);
    }
  }

  /**
   * Temporal's default (null), or zero - the SDK then sends no sticky attributes, so every workflow task goes to the
   * shared queue - when this worker joined a Java test server it did not start.
   *
   * <p>Why: a workflow's next task goes to the sticky queue of the worker that ran its previous one. A Temporal
   * cluster moves it to the shared queue when no one takes it within the sticky schedule-to-start timeout (5 s), so a
   * worker that dies or stops costs its workflows 5 s. The Java test server never does: every workflow whose last
   * task ran on a worker that left would wait forever. The worker that embeds the server keeps stickiness: it cannot
   * leave without the server, and without stickiness every workflow task replays the whole history (measured on the
   * later tasks of a TCR cell: 7-9 ms each instead of 5-6).
   */
  private @Nullable Duration stickyScheduleToStart() {
    return joinedTestServer ? Duration.ZERO : null;
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public String toString() {
    return "SwarmWorker[" + options.hostId() + ", " + state + ", queue " + options.connection().taskQueue() + "]";
  }

}
