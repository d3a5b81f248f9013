package io.openswarm.temporal;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.lifecycle.TeardownResult;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
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
import io.openswarm.infra.sandbox.SandboxProbe;
import io.openswarm.infra.setup.CommandWorktreeSetup;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.infra.testrun.TestEnvironment;
import io.openswarm.infra.worktree.GitBranchIntegration;
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
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
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
 *     .testCommand(List.of("./gradlew", "test", "--offline"))
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
 * With no {@linkplain Builder#target(String) target} the worker starts an embedded Temporal server on 127.0.0.1
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
 * floor with room for {@linkplain Builder#diskPerCell(long) one more cell}); otherwise new cells wait
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

  /** The default shared task queue, as in the original system. */
  public static final String DEFAULT_TASK_QUEUE = "reactor-task-queue";

  /** Creates the agent runtime of a worker, given the worker's process supervisor (sandboxed). */
  @FunctionalInterface
  public interface AgentFactory {
    /**
     * Creates the runtime every cell of the worker uses.
     *
     * @param supervisor the worker's process supervisor, which applies the cells' sandbox
     * @return the runtime; one serves every cell of the worker, so it must be thread-safe
     */
    AgentRuntime create(ProcessSupervisor supervisor);
  }

  /** A user workflow type and its factory, registered on the shared queue. */
  record CustomWorkflow<T>(Class<T> type, Function<CellActivityOptions, ? extends T> factory) {
    void register(Worker worker, CellActivityOptions activityOptions) {
      worker.registerWorkflowImplementationFactory(type, () -> factory.apply(activityOptions));
    }
  }

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
   * Configures a {@link SwarmWorker}. Only {@link #repository(Path)}, {@link #testCommand(List)} and {@link
   * #agent(AgentFactory)} are required; everything else has a default from the {@linkplain #profile profile} or
   * the performance guide. {@link #build()} validates every option with a message that names the option, the value
   * and what is allowed. Not thread-safe.
   */
  public static final class Builder {
    @Nullable String target;
    int embeddedPort;
    boolean embeddedPortSet;
    String namespace = "default";
    @Nullable Path clientCertificate;
    @Nullable Path clientKey;
    @Nullable Path trustedCertificates;
    @Nullable String apiKey;
    @Nullable String embeddedServerToken;
    String taskQueue = DEFAULT_TASK_QUEUE;
    @Nullable String hostId;
    SwarmProfile profile = SwarmProfile.DEVELOPMENT;
    @Nullable Integer maxConcurrentActivities;
    @Nullable Integer maxConcurrentWorkflowTasks;
    @Nullable Integer maxConcurrentLocalActivities;
    @Nullable Duration startToCloseTimeout;
    @Nullable Duration heartbeatTimeout;
    @Nullable Duration teardownTimeout;
    @Nullable Duration stopTimeout;
    Duration bootstrapTimeout = Duration.ofMinutes(5);
    Duration hostScheduleToStartTimeout = Duration.ofSeconds(30);
    Duration closedWorkflowSweepInterval = ClosedWorkflowSweeper.DEFAULT_INTERVAL;
    CellLimits cellLimits = CellLimits.getDefaultInstance();
    List<String> repositoryHooks = List.of();
    NetworkAccess testNetwork = NetworkAccess.SHARED;
    TestEnvironment testEnvironment = TestEnvironment.defaults();
    boolean preserveIgnored;
    final WorktreeSetupOptions.Builder worktreeSetup = WorktreeSetupOptions.newBuilder();
    @Nullable Duration setupTimeout;
    HistoryOptions history = HistoryOptions.getDefaultInstance();
    int maxCellAttempts = 3;
    @Nullable PortRangeSetting ports;
    Duration portWait = Duration.ofSeconds(30);
    @Nullable Path repository;
    @Nullable Path worktreeRoot;
    int minIdleWorktrees = 1;
    @Nullable Integer maxIdleWorktrees;
    @Nullable Integer maxWorktrees;
    List<String> sparseCheckout = List.of();
    @Nullable Path stateDirectory;
    @Nullable AgentFactory agentFactory;
    @Nullable List<String> testCommand;
    Duration testTimeout = Duration.ofMinutes(10);
    boolean verifyBase;
    Duration readyTimeout = Duration.ofSeconds(30);
    @Nullable Duration executeTimeout;
    SandboxMode sandbox = SandboxMode.AUTO;
    CommitAuthor author = CommitAuthor.of("Open Swarm", "swarm@openswarm.invalid");
    SwarmMetrics metrics = SwarmMetrics.noop();
    final List<CustomWorkflow<?>> customWorkflows = new ArrayList<>();
    @Nullable MeterRegistry meterRegistry;
    @Nullable Integer maxConcurrentCells;
    long memoryPerCell = SwarmCapacity.DEFAULT_MEMORY_PER_CELL;
    @Nullable Long memoryBudget;
    @Nullable Long diskPerCell;
    HealthThresholds healthThresholds = HealthThresholds.getDefaultInstance();
    WorkerHooks hooks = WorkerHooks.NONE;

    /** An unvalidated port range; validated in {@link #build()}. */
    record PortRangeSetting(int min, int max) {}

    private Builder() {}

    /**
     * Joins the Temporal cluster at {@code host:port} (for example {@code temporal.internal:7233}) instead of
     * starting an embedded server.
     *
     * @param hostAndPort the cluster's frontend, as {@code host:port} with a port of 1 to 65535
     * @return this builder
     */
    public Builder target(String hostAndPort) {
      this.target = Objects.requireNonNull(hostAndPort, "target cannot be null");
      return this;
    }

    /**
     * The port of the embedded server on 127.0.0.1; 0 (the default) lets the system pick a free one.
     *
     * @param port the port; 0 to 65535
     * @return this builder
     */
    public Builder embeddedPort(int port) {
      this.embeddedPort = port;
      this.embeddedPortSet = true;
      return this;
    }

    /**
     * The Temporal namespace; {@code default} by default.
     *
     * @param name the namespace; not blank
     * @return this builder
     */
    public Builder namespace(String name) {
      this.namespace = Objects.requireNonNull(name, "namespace cannot be null");
      return this;
    }

    /**
     * Mutual TLS to the target: the client certificate chain and its private key (PEM, PKCS#8).
     *
     * @param certificate the client certificate chain; a readable PEM file
     * @param privateKey its private key; a readable PEM (PKCS#8) file
     * @return this builder
     */
    public Builder clientCertificate(Path certificate, Path privateKey) {
      this.clientCertificate = Objects.requireNonNull(certificate, "certificate cannot be null");
      this.clientKey = Objects.requireNonNull(privateKey, "privateKey cannot be null");
      return this;
    }

    /**
     * TLS to the target with these trusted CA certificates (PEM) instead of the system's.
     *
     * @param caCertificates the CA certificates; a readable PEM file
     * @return this builder
     */
    public Builder trustedCertificates(Path caCertificates) {
      this.trustedCertificates = Objects.requireNonNull(caCertificates, "caCertificates cannot be null");
      return this;
    }

    /**
     * An API key for the target (Temporal Cloud); implies TLS. Never logged.
     *
     * @param key the API key; not blank
     * @return this builder
     */
    public Builder apiKey(String key) {
      this.apiKey = Objects.requireNonNull(key, "apiKey cannot be null");
      return this;
    }

    /**
     * Joins the embedded server of another worker, at the {@link #target(String) target} that worker's {@link
     * SwarmWorker#temporalTarget()} names, with the token its {@link SwarmWorker#embeddedServerToken()} returns: that
     * server refuses every call without it. Sent as {@code authorization: Bearer <token>}, without TLS (the embedded
     * server listens on 127.0.0.1 only). Never logged; pass it to another JVM by a pipe, not on its command line or in
     * an environment its cells inherit.
     *
     * @param token the other worker's token, as its {@code embeddedServerToken()} returns it
     * @return this builder
     */
    public Builder embeddedServerToken(String token) {
      this.embeddedServerToken = Objects.requireNonNull(token, "embeddedServerToken cannot be null");
      return this;
    }

    /**
     * The shared task queue; {@code reactor-task-queue} by default.
     *
     * @param queue the queue's name; not blank, no {@code @}
     * @return this builder
     */
    public Builder taskQueue(String queue) {
      this.taskQueue = Objects.requireNonNull(queue, "taskQueue cannot be null");
      return this;
    }

    /**
     * This worker's host id (1-64 of {@code [A-Za-z0-9._-]}); by default the host name and a per-JVM suffix.
     *
     * @param id the host id
     * @return this builder
     */
    public Builder hostId(String id) {
      this.hostId = Objects.requireNonNull(id, "hostId cannot be null");
      return this;
    }

    /**
     * The preset of concurrency, timeouts and ports; {@link SwarmProfile#DEVELOPMENT} by default.
     *
     * @param preset the preset
     * @return this builder
     */
    public Builder profile(SwarmProfile preset) {
      this.profile = Objects.requireNonNull(preset, "profile cannot be null");
      return this;
    }

    /**
     * Maximum concurrent activity executions (cell steps) on each of the worker's queues.
     *
     * @param max the limit; at least 1, the profile's by default
     * @return this builder
     */
    public Builder maxConcurrentActivities(int max) {
      this.maxConcurrentActivities = max;
      return this;
    }

    /**
     * Maximum concurrent workflow-task executions.
     *
     * @param max the limit; at least 1, the profile's by default
     * @return this builder
     */
    public Builder maxConcurrentWorkflowTasks(int max) {
      this.maxConcurrentWorkflowTasks = max;
      return this;
    }

    /**
     * Maximum concurrent local-activity executions.
     *
     * @param max the limit; at least 1, the profile's by default
     * @return this builder
     */
    public Builder maxConcurrentLocalActivities(int max) {
      this.maxConcurrentLocalActivities = max;
      return this;
    }

    /**
     * The limit on one cell step (execute, tests) once started.
     *
     * @param timeout the limit; positive, the profile's by default
     * @return this builder
     */
    public Builder startToCloseTimeout(Duration timeout) {
      this.startToCloseTimeout = Objects.requireNonNull(timeout, "startToCloseTimeout cannot be null");
      return this;
    }

    /**
     * How long a long step may go without a heartbeat before it is presumed dead.
     *
     * @param timeout the limit; positive and shorter than the start-to-close timeout, the profile's by default
     * @return this builder
     */
    public Builder heartbeatTimeout(Duration timeout) {
      this.heartbeatTimeout = Objects.requireNonNull(timeout, "heartbeatTimeout cannot be null");
      return this;
    }

    /**
     * The limit on teardown; 2 min by default.
     *
     * @param timeout the limit; positive
     * @return this builder
     */
    public Builder teardownTimeout(Duration timeout) {
      this.teardownTimeout = Objects.requireNonNull(timeout, "teardownTimeout cannot be null");
      return this;
    }

    /**
     * How long {@link SwarmWorker#close()} lets running cells finish; 30 s by default.
     *
     * @param timeout how long running cells may finish before they are cancelled; positive
     * @return this builder
     */
    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = Objects.requireNonNull(timeout, "stopTimeout cannot be null");
      return this;
    }

    /**
     * The limit on bootstrap (port, worktree, agent start, readiness); 5 min by default.
     *
     * @param timeout the limit; positive
     * @return this builder
     */
    public Builder bootstrapTimeout(Duration timeout) {
      this.bootstrapTimeout = Objects.requireNonNull(timeout, "bootstrapTimeout cannot be null");
      return this;
    }

    /**
     * How long a step waits for the cell's host before the host is presumed gone; 30 s by default.
     *
     * @param timeout the wait; positive
     * @return this builder
     */
    public Builder hostScheduleToStartTimeout(Duration timeout) {
      this.hostScheduleToStartTimeout = Objects.requireNonNull(timeout, "hostScheduleToStartTimeout cannot be null");
      return this;
    }

    /**
     * How often the worker looks for cells whose workflow closed without tearing them down (terminated, timed out,
     * reset) and tears them down itself, asking Temporal about each cell up for at least this long; 30 s by default.
     *
     * @param interval the interval; positive
     * @return this builder
     */
    public Builder closedWorkflowSweepInterval(Duration interval) {
      this.closedWorkflowSweepInterval = Objects.requireNonNull(interval,
          "closedWorkflowSweepInterval cannot be null");
      return this;
    }

    /**
     * What each of a cell's process trees may use (processes, memory, CPU, {@code /tmp}) and how large a commit may
     * be; {@link CellLimits#getDefaultInstance()} by default. Processes, memory and CPU need cgroups the worker may
     * create; the worker says at start which limits are in force.
     *
     * @param limits the limits
     * @return this builder
     */
    public Builder cellLimits(CellLimits limits) {
      this.cellLimits = Objects.requireNonNull(limits, "cellLimits cannot be null");
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
     */
    public Builder repositoryHooks(String... hooks) {
      this.repositoryHooks = List.of(Objects.requireNonNull(hooks, "repositoryHooks cannot be null"));
      return this;
    }

    /**
     * Whether the test command (which runs the code the agent wrote) shares the host's network;
     * {@link NetworkAccess#SHARED} by default. With {@link NetworkAccess#NONE} a test run has only its own loopback:
     * no service on the host (the embedded Temporal server, other cells' agents, databases, a cloud metadata
     * address) and no abstract Unix socket is reachable from it. Choose it when your tests run offline (for example
     * {@code mvn -o test}, {@code npm test} with installed dependencies); it needs bubblewrap.
     *
     * @param network the network access
     * @return this builder
     * @throws NullPointerException if {@code network} is null
     */
    public Builder testNetwork(NetworkAccess network) {
      this.testNetwork = Objects.requireNonNull(network, "testNetwork cannot be null");
      return this;
    }

    /**
     * The world of every test run: environment variables (from an allowlist of the worker's, plus explicit values;
     * never written to workflow history), caches the tests may write and files of the worker's home they may read,
     * placed in each cell's own home folder. {@link TestEnvironment#defaults()} by default: {@code PATH}, locale,
     * {@code TZ}, {@code JAVA_HOME}, {@code USER}, {@code LOGNAME} and {@code CI=true}.
     *
     * @param environment the tests' world
     * @return this builder
     * @throws NullPointerException if {@code environment} is null
     */
    public Builder testEnvironment(TestEnvironment environment) {
      this.testEnvironment = Objects.requireNonNull(environment, "testEnvironment cannot be null");
      return this;
    }

    /**
     * Whether reverting a red cell keeps the files git ignores (build output, {@code node_modules}) in its worktree,
     * and returning the worktree to the pool keeps them too, for the next cell on it; false by default (the worktree
     * is restored to exactly the base). A {@linkplain #setupCommand set-up command} implies it.
     *
     * @param preserve true to keep ignored files
     * @return this builder
     */
    public Builder preserveIgnored(boolean preserve) {
      this.preserveIgnored = preserve;
      return this;
    }

    /**
     * The worktree's set-up command, as an argument list (no shell), for example {@code npm ci},
     * {@code pip install -e .} or {@code ./gradlew --offline dependencies}: it runs in the worktree, inside the cell's
     * sandbox (with the network shared unless {@link #setupNetwork} says otherwise, since installs download), before
     * the agent starts, on every worktree the pool creates and on a warm one when one of the {@link #setupInputs}
     * changed. With a set-up command, worktrees keep their ignored files between cells ({@code node_modules},
     * {@code .venv}, {@code target/}: what the set-up produced); see docs/configuration.md for what that trusts. A
     * failing set-up fails the cell at WORKTREE with the type {@code SetupFailed} and the end of its output. None by
     * default.
     *
     * @param command the program and its arguments; empty for none
     * @return this builder
     * @throws NullPointerException if {@code command} is or holds null
     * @throws IllegalArgumentException if the program name is blank
     */
    public Builder setupCommand(List<String> command) {
      Objects.requireNonNull(command, "setupCommand cannot be null");
      renamed("setupCommand", () -> worktreeSetup.command(command));
      return this;
    }

    /** Runs a setter of the set-up options, naming this builder's option in its message. */
    private static void renamed(String option, Runnable setter) {
      try {
        setter.run();
      } catch (IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        throw new IllegalArgumentException(message.startsWith(option) ? message
            : message.replaceFirst("^(command|inputs|timeout|network)", option), e);
      }
    }

    /**
     * The worktree's set-up command; see {@link #setupCommand(List)}.
     *
     * @param command the program and its arguments; none for no set-up
     * @return this builder
     */
    public Builder setupCommand(String... command) {
      return setupCommand(List.of(Objects.requireNonNull(command, "setupCommand cannot be null")));
    }

    /**
     * Tracked files (or folders), relative to the top of the repository, whose content at a cell's base commit the
     * set-up depends on, such as {@code package-lock.json}: a warm worktree runs the {@linkplain #setupCommand set-up}
     * again when one of them differs from when it was last set up. Without inputs a worktree is set up once, when the
     * pool creates it.
     *
     * @param paths the tracked paths, relative to the repository's top
     * @return this builder
     * @throws NullPointerException if {@code paths} is or holds null
     * @throws IllegalArgumentException if a path is absolute, has a {@code ..} part or reaches into {@code .git}
     */
    public Builder setupInputs(String... paths) {
      Objects.requireNonNull(paths, "setupInputs cannot be null");
      renamed("setupInputs", () -> worktreeSetup.inputs(paths));
      return this;
    }

    /**
     * The limit on one set-up run; by default the {@linkplain #bootstrapTimeout bootstrap's limit} less 30 s, since
     * the set-up is part of bringing a cell up. Must leave those 30 s.
     *
     * @param timeout the limit; positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder setupTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "setupTimeout cannot be null");
      renamed("setupTimeout", () -> worktreeSetup.timeout(timeout));
      this.setupTimeout = timeout;
      return this;
    }

    /**
     * Whether the {@linkplain #setupCommand set-up} shares the host's network under the sandbox;
     * {@link NetworkAccess#SHARED} by default, since installing dependencies downloads them. The set-up runs the
     * repository's own scripts (npm's {@code postinstall}), so choose {@link NetworkAccess#NONE} when it can work
     * offline.
     *
     * @param network the network access
     * @return this builder
     * @throws NullPointerException if {@code network} is null
     */
    public Builder setupNetwork(NetworkAccess network) {
      worktreeSetup.network(Objects.requireNonNull(network, "setupNetwork cannot be null"));
      return this;
    }

    /**
     * Untracked files of the repository's checkout, relative to its top (say {@code .env}), that each worktree gets a
     * copy of before the set-up command runs: regular files of at most 1 MiB, never links, and ignored in the
     * worktree (by {@code .gitignore}) so that no commit takes them along; the set-up fails otherwise. Copied for
     * every cell, without following links, readable by the worker's user only.
     *
     * @param paths the untracked paths, relative to the checkout's top
     * @return this builder
     * @throws NullPointerException if {@code paths} is or holds null
     * @throws IllegalArgumentException if a path is absolute, has a {@code ..} part or reaches into {@code .git}
     */
    public Builder copyFromCheckout(String... paths) {
      worktreeSetup.copyFromCheckout(paths);
      return this;
    }

    /**
     * Whether each worktree gets the repository's submodules ({@code git submodule update --init --recursive}),
     * before the set-up command; false by default. Run by the library's hermetic git outside the sandbox (a cell
     * sees git's directory read-only, so a set-up command could not do it); local submodule URLs are allowed only
     * when {@code .gitmodules} names one.
     *
     * @param submodules true to check out submodules
     * @return this builder
     */
    public Builder submodules(boolean submodules) {
      worktreeSetup.submodules(submodules);
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
     */
    public Builder history(HistoryOptions options) {
      this.history = Objects.requireNonNull(options, "history cannot be null");
      return this;
    }

    /**
     * On how many hosts a task may be tried when its cell's host disappears; 3 by default.
     *
     * @param attempts the number of hosts; 1 to 10
     * @return this builder
     */
    public Builder maxCellAttempts(int attempts) {
      this.maxCellAttempts = attempts;
      return this;
    }

    /**
     * The inclusive port range for agent servers; the profile's by default.
     *
     * @param min the lowest port
     * @param max the highest port; at least {@code min}
     * @return this builder
     */
    public Builder ports(int min, int max) {
      this.ports = new PortRangeSetting(min, max);
      return this;
    }

    /**
     * How long bootstrap waits for a free port before failing with {@code PortExhausted}; 30 s by default.
     *
     * @param wait the wait; not negative
     * @return this builder
     */
    public Builder portWait(Duration wait) {
      this.portWait = Objects.requireNonNull(wait, "portWait cannot be null");
      return this;
    }

    /**
     * The git repository cells work on. Required.
     *
     * @param path the repository's working tree, an existing directory holding {@code .git}
     * @return this builder
     */
    public Builder repository(Path path) {
      this.repository = Objects.requireNonNull(path, "repository cannot be null");
      return this;
    }

    /** Where cell worktrees live; {@code <stateDirectory>/worktrees} by default. Must be outside the repository's
     *
     * @param path the worktrees' directory
     * @return this builder
     * {@code .git}. */
    public Builder worktreeRoot(Path path) {
      this.worktreeRoot = Objects.requireNonNull(path, "worktreeRoot cannot be null");
      return this;
    }

    /**
     * Worktree pool sizes: warm ones kept ready, warm ones kept at most, and the most at once.
     *
     * @param minIdle warm worktrees kept ready
     * @param maxIdle warm worktrees kept at most
     * @param maxTotal worktrees at most at once
     * @return this builder
     */
    public Builder worktreePool(int minIdle, int maxIdle, int maxTotal) {
      this.minIdleWorktrees = minIdle;
      this.maxIdleWorktrees = maxIdle;
      this.maxWorktrees = maxTotal;
      return this;
    }

    /**
     * Makes every worktree a sparse checkout (git's cone mode) of {@code directories} and the repository's top-level
     * files, for large repositories where a cell only needs part of the tree. The user's own checkout stays a full
     * one, and a cell's commit is still a commit of the whole tree. Needs git 2.36 or newer. None by default; see
     * {@link io.openswarm.infra.worktree.WorktreePoolOptions.Builder#sparseCheckout(List)}.
     *
     * @param directories the directories, relative to the repository's top
     * @return this builder
     * @throws NullPointerException if {@code directories} is or contains null
     * @throws IllegalArgumentException if a directory is not a plain relative path
     */
    public Builder sparseCheckout(List<String> directories) {
      // Checked here, where the mistake is made; the pool's options normalize the list again.
      WorktreePoolOptions.newBuilder().sparseCheckout(directories);
      this.sparseCheckout = List.copyOf(directories);
      return this;
    }

    /**
     * The worker's state directory: port lock files, the lease journal, per-cell homes and logs, and the history of
     * cells that are gone ({@code history/}, see {@link #history}). A worker started on the state directory of a
     * crashed one cleans up what it left. {@code ~/.openswarm/<taskQueue>} by default.
     *
     * @param path the state directory, outside the repository
     * @return this builder
     */
    public Builder stateDirectory(Path path) {
      this.stateDirectory = Objects.requireNonNull(path, "stateDirectory cannot be null");
      return this;
    }

    /**
     * The agent of every cell, created with the worker's (sandboxed) process supervisor. Required.
     *
     * @param factory creates the runtime from the worker's process supervisor
     * @return this builder
     */
    public Builder agent(AgentFactory factory) {
      this.agentFactory = Objects.requireNonNull(factory, "agent cannot be null");
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
     */
    public Builder openCode(OpenCodeOptions options) {
      Objects.requireNonNull(options, "options cannot be null");
      this.agentFactory = supervisor -> OpenCodeAgent.create(supervisor, options);
      return this;
    }

    /**
     * The agent of every cell, when it needs no process supervisor (in-process or scripted agents).
     *
     * @param runtime the runtime; thread-safe
     * @return this builder
     */
    public Builder agent(AgentRuntime runtime) {
      Objects.requireNonNull(runtime, "agent cannot be null");
      this.agentFactory = supervisor -> runtime;
      return this;
    }

    /**
     * The repository's test command, as an argument list (no shell). Required.
     *
     * @param command the program and its arguments
     * @return this builder
     */
    public Builder testCommand(List<String> command) {
      this.testCommand = List.copyOf(Objects.requireNonNull(command, "testCommand cannot be null"));
      return this;
    }

    /**
     * The limit on a test run; 10 min by default.
     *
     * @param timeout the limit; positive, at most the start-to-close timeout
     * @return this builder
     */
    public Builder testTimeout(Duration timeout) {
      this.testTimeout = Objects.requireNonNull(timeout, "testTimeout cannot be null");
      return this;
    }

    /**
     * Whether every cell first runs the test command on its base commit, before its agent is prompted, and fails
     * with the type {@code BaseIsRed} (at the step {@code VERIFY_BASE}, with the base commit, the command and the end
     * of the output) when the tests fail there, instead of reverting the agent's change for a failure it did not
     * cause. A task ({@link io.openswarm.core.TaskSpec#withVerifyBase}) or a DAG ({@link DagRequest#withVerifyBase})
     * overrides it. The run is an ordinary test run (same command, limit, sandbox and environment); its verdict is
     * kept per base commit, command and limit, so cells on a base already checked run nothing, and cells that start
     * together on one base wait for one run. False by default: it costs one test run per new base.
     *
     * @param verify true to check the base of every cell whose task and DAG name no choice
     * @return this builder
     */
    public Builder verifyBase(boolean verify) {
      this.verifyBase = verify;
      return this;
    }

    /**
     * How long an agent may take to become ready; 30 s by default.
     *
     * @param timeout the limit; positive
     * @return this builder
     */
    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = Objects.requireNonNull(timeout, "readyTimeout cannot be null");
      return this;
    }

    /**
     * The default limit on an agent's turn; 30 s less than the step limit by default.
     *
     * @param timeout the limit; positive, at most the start-to-close timeout
     * @return this builder
     */
    public Builder executeTimeout(Duration timeout) {
      this.executeTimeout = Objects.requireNonNull(timeout, "executeTimeout cannot be null");
      return this;
    }

    /**
     * How cell processes are isolated; {@link SandboxMode#AUTO} (bubblewrap when it works) by default.
     *
     * @param mode the sandbox mode
     * @return this builder
     */
    public Builder sandbox(SandboxMode mode) {
      this.sandbox = Objects.requireNonNull(mode, "sandbox cannot be null");
      return this;
    }

    /**
     * Who the cells' commits are by.
     *
     * @param commitAuthor the author and committer
     * @return this builder
     */
    public Builder author(CommitAuthor commitAuthor) {
      this.author = Objects.requireNonNull(commitAuthor, "author cannot be null");
      return this;
    }

    /**
     * Registers a workflow of your own, written over {@link CellActivities}, on the shared queue next to the TCR and
     * DAG workflows. The factory gets the worker's {@link CellActivityOptions}, so the workflow routes and times out
     * its cell's steps like the built-in ones.
     *
     * @param <T> the workflow interface
     * @param type the workflow interface
     * @param factory creates one workflow instance per execution
     * @return this builder
     */
    public <T> Builder workflow(Class<T> type, Function<CellActivityOptions, ? extends T> factory) {
      customWorkflows.add(new CustomWorkflow<>(Objects.requireNonNull(type, "type cannot be null"),
          Objects.requireNonNull(factory, "factory cannot be null")));
      return this;
    }

    /**
     * Where metrics go; none by default. Also gets the events when a {@link #meterRegistry} is set.
     *
     * @param swarmMetrics the metrics
     * @return this builder
     */
    public Builder metrics(SwarmMetrics swarmMetrics) {
      this.metrics = Objects.requireNonNull(swarmMetrics, "metrics cannot be null");
      return this;
    }

    /**
     * Publishes the worker's metrics ({@link MicrometerSwarmMetrics}: step timers, outcome counters, gauges of ports,
     * worktrees, cells, processes, sandbox, capacity, backpressure, backlog and memory, all tagged {@code host}) and
     * Temporal's own SDK metrics to {@code registry}. None by default. The worker removes its meters when it stops.
     *
     * @param registry the registry
     * @return this builder
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry cannot be null");
      return this;
    }

    /**
     * The most cells at once on this worker; at most {@link #maxConcurrentActivities(int)}. By default the least of
     * the cells that fit the {@linkplain #memoryBudget memory budget}, the ports, the worktrees and the concurrent
     * activities (see {@link SwarmCapacity}). When no cell fits, new cells wait in the shared queue (backpressure).
     *
     * @param max the limit; at least 1, at most the concurrent activities
     * @return this builder
     */
    public Builder maxConcurrentCells(int max) {
      this.maxConcurrentCells = max;
      return this;
    }

    /**
     * The memory one cell is budgeted, agent server included, in bytes; {@value SwarmCapacity#DEFAULT_MEMORY_PER_CELL}
     * (600 MiB, measured for OpenCode) by default. Lower it for light agents, raise it for heavy test suites.
     *
     * @param bytes the budget, in bytes; at least 1 MiB
     * @return this builder
     */
    public Builder memoryPerCell(long bytes) {
      this.memoryPerCell = bytes;
      return this;
    }

    /**
     * The memory all cells may use together, in bytes; 80 % of the machine's (or container's) by default.
     *
     * @param bytes the budget, in bytes; at least the memory per cell
     * @return this builder
     */
    public Builder memoryBudget(long bytes) {
      this.memoryBudget = bytes;
      return this;
    }

    /**
     * The disk one new cell is budgeted, worktree and build output together, in bytes; at least 1 MiB. By default
     * twice the size of the pool's first worktree ({@link SwarmWorkerOptions#DEFAULT_DISK_PER_CELL_FACTOR}), measured
     * once when the pool has made it. A new cell is admitted only while it fits in the free disk above the
     * {@linkplain HealthThresholds#diskFloorBytes() disk floor}; raise this for builds that write much more than the
     * checkout (a Maven or npm cache inside the worktree, large test output).
     *
     * @param bytes the budget, in bytes; at least 1 MiB
     * @return this builder
     */
    public Builder diskPerCell(long bytes) {
      this.diskPerCell = bytes;
      return this;
    }

    /**
     * The thresholds of {@link SwarmWorker#health()}; the performance guide's by default.
     *
     * @param thresholds the thresholds
     * @return this builder
     */
    public Builder healthThresholds(HealthThresholds thresholds) {
      this.healthThresholds = Objects.requireNonNull(thresholds, "healthThresholds cannot be null");
      return this;
    }

    /**
     * Interceptors that decorate what the worker builds its cells from (worktrees, changes, agent, tests, integration,
     * port probe), for tracing, auditing, a local policy or fault injection; none by default. See
     * {@link CellInterceptor}.
     *
     * @param interceptors the interceptors, applied in order: the last is the outermost
     * @return this builder
     * @throws NullPointerException if {@code interceptors} is or holds null
     * @throws IllegalStateException if the interceptors were already set
     */
    public Builder interceptors(CellInterceptor... interceptors) {
      if (hooks != WorkerHooks.NONE) {
        throw new IllegalStateException("interceptors was already set to " + hooks);
      }
      this.hooks = new CellInterceptorChain(interceptors);
      return this;
    }

    /**
     * Validates the options and builds the worker, not yet started.
     *
     * @return the worker, not started
     * @throws IllegalStateException if a required option is missing
     * @throws IllegalArgumentException if an option is invalid; the message names it, the value and what is allowed
     */
    public SwarmWorker build() {
      return new SwarmWorker(new SwarmWorkerOptions(this), hooks);
    }

    /**
     * Builds the worker and starts it.
     *
     * @return the running worker
     * @throws IllegalStateException if a required option is missing or the worker cannot start
     * @throws IllegalArgumentException if an option is invalid
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
    programs.add(options.testCommand().get(0));
    if (!options.worktreeSetup().command().isEmpty()) {
      programs.add(options.worktreeSetup().command().get(0));
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
    WorktreeSetupOptions setup = options.worktreeSetup();
    if (!setup.isConfigured()) {
      return WorktreeSetup.none();
    }
    // The set-up installs what the tests run with, so it gets their world: variables, caches, home files.
    CommandWorktreeSetup.Builder builder = CommandWorktreeSetup.newBuilder(supervisor).options(setup)
        .testEnvironment(options.testEnvironment());
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
    String target = options.target();
    EmbeddedTemporalServer server = null;
    if (target == null) {
      server = EmbeddedTemporalServer.start(options.embeddedPort());
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
    connection = server != null ? TemporalConnection.open(server, options, temporalMetrics)
        : TemporalConnection.open(target, options, temporalMetrics);
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
    List<Path> hidden = new ArrayList<>(List.of(stateDirectory, options.worktreeRoot(), options.repository()));
    options.clientCertificate().ifPresent(hidden::add);
    options.clientKey().ifPresent(hidden::add);
    options.trustedCertificates().ifPresent(hidden::add);
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

    pool = WorktreePool.newBuilder()
        .repository(options.repository())
        .root(options.worktreeRoot())
        .minIdle(options.minIdleWorktrees())
        .maxIdle(options.maxIdleWorktrees())
        .maxTotal(options.maxWorktrees())
        .sparseCheckout(options.sparseCheckout())
        // Unsandboxed, a process a cell left behind may still write into its returned worktree.
        .cleanOnReuse(!sandbox.isolating())
        // What a set-up command installed is ignored files; kept, a warm worktree needs no set-up again. Kept too
        // when the user asked for ignored files to survive: a revert that keeps them is of no use to the next cell
        // if the release then removes them.
        .preserveIgnored(options.preserveIgnored() || options.worktreeSetup().keepsIgnoredFiles())
        .build();
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
    disk = DiskSpace.of(List.of(options.worktreeRoot(), stateDirectory));
    HealthThresholds thresholds = options.healthThresholds();
    outcomes = new OutcomeWindow(thresholds.errorRateWindow(), System::nanoTime);
    admission = new CellAdmission(options.maxConcurrentActivities(),
        new CellCapacity(options.maxConcurrentCells(), this::liveCells, ports, pool, memory,
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
        .command(options.testCommand())
        .timeout(options.testTimeout())
        .network(options.testNetwork())
        .testEnvironment(options.testEnvironment())
        .build();
    AgentRuntime agent = options.agentFactory().create(supervisor);
    checkSandboxShowsWhatCellsNeed(supervisor, agent, stateDirectory);
    GitBranchIntegration integrator = GitBranchIntegration.create();
    GitWorktreeChanges.Builder changes = GitWorktreeChanges.newBuilder()
        .maxCommitBytes(options.cellLimits().maxCommitBytes())
        // A revert that removed the set-up's outputs would leave the worktree's set-up stamp lying.
        .preserveIgnored(options.preserveIgnored() || options.worktreeSetup().keepsIgnoredFiles());
    if (!options.repositoryHooks().isEmpty()) {
      changes.beforeCommit(RepositoryHooks.newBuilder(supervisor)
          .repository(options.repository())
          .stateDirectory(stateDirectory.resolve("hooks"))
          .hooks(options.repositoryHooks())
          .timeout(options.testTimeout())
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
        .portWait(options.portWait())
        .readyTimeout(options.readyTimeout())
        .executeTimeout(options.executeTimeout())
        .metrics(metrics)
        .host(options.hostId())
        .verifyBase(options.verifyBase())
        .build();

    ScheduledExecutorService heartbeats = Executors.newScheduledThreadPool(1, daemonThreads("swarm-heartbeat"));
    resources.add(heartbeats::shutdownNow);
    // A workflow that is terminated or times out never runs its teardown activity; the sweeper does it instead.
    ClosedWorkflowSweeper sweeper = new ClosedWorkflowSweeper(steps::find, steps::teardown,
        ClosedWorkflowSweeper.askingTemporal(connection.client().getWorkflowServiceStubs(), options.namespace()),
        options.closedWorkflowSweepInterval(), System::nanoTime, options.hostId());
    resources.add(sweeper);
    CellActivitiesImpl activities = new CellActivitiesImpl(steps, hostQueue(), heartbeats, HEARTBEAT_INTERVAL,
        () -> state == State.STOPPING || state == State.STOPPED, sweeper);
    CellActivityOptions activityOptions = options.activityOptions();
    WorkerOptions workerOptions = WorkerOptions.newBuilder()
        .setMaxConcurrentActivityExecutionSize(options.maxConcurrentActivities())
        .setMaxConcurrentWorkflowTaskExecutionSize(options.maxConcurrentWorkflowTasks())
        .setMaxConcurrentLocalActivityExecutionSize(options.maxConcurrentLocalActivities())
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
            new FixedSizeSlotSupplier<>(options.maxConcurrentWorkflowTasks()),
            admission,
            new FixedSizeSlotSupplier<>(options.maxConcurrentLocalActivities()),
            new FixedSizeSlotSupplier<>(nexusSlots > 0 ? nexusSlots : DEFAULT_NEXUS_SLOTS)))
        .setMaxHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
        .setDefaultHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
        .setStickyQueueScheduleToStartTimeout(stickyScheduleToStart())
        .build();

    WorkflowClient workflowClient = connection.client();
    backlogProbe = new BacklogProbe(workflowClient.getWorkflowServiceStubs(), options.namespace(),
        options.taskQueue(), javaTestServer);
    sharedFactory = WorkerFactory.newInstance(workflowClient, WorkerFactoryOptions.newBuilder()
        .setWorkerInterceptors(new OutcomeReporter(metrics))
        .build());
    Worker shared = sharedFactory.newWorker(options.taskQueue(), sharedOptions);
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

    client = new SwarmClient(workflowClient, options.taskQueue(), this::requireOpenForClient, history);
    hostFactory.start();
    sharedFactory.start();
    shutdownHook = new Thread(this::close, "swarm-worker-shutdown-" + options.hostId());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    monitor.scheduleWithFixedDelay(this::monitorHealth, HEALTH_INTERVAL.toMillis(), HEALTH_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
    sweeper.start();
    log.info("swarm worker {} started in {} ms: Temporal {}{}, queues {} and {}, ports {}, repository {}, agent {},"
            + " sandbox {}, capacity {}", options.hostId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
        target, embedded != null ? " (embedded)" : "", options.taskQueue(), hostQueue(), options.ports(),
        options.repository(), agent.name(), sandbox.description(), options.capacity());
  }

  /**
   * The disk budgeted for one new cell: the configured figure, or twice the measured worktree; 0 while unknown (then
   * only the disk floor holds new cells back).
   */
  private long diskPerCell() {
    OptionalLong configured = options.diskPerCell();
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
        options::maxConcurrentCells);
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
    return options.taskQueue() + "@" + options.hostId();
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
    return server != null ? server.target() : Objects.requireNonNull(options.target());
  }

  /**
   * The bearer token of the embedded Temporal server this worker uses: the one it started (a new token at every
   * start) or the one it joined with {@link Builder#embeddedServerToken}; empty on a Temporal cluster, whose
   * credentials are your own. The server refuses every call without {@code authorization: Bearer <token>}, so that
   * the cells, which share its loopback address, can neither read nor touch its workflows.
   *
   * <p>In this JVM, {@link #client()} is already authenticated. Another process needs {@link #temporalTarget()} and
   * this token: another worker through {@link Builder#embeddedServerToken}, a plain Temporal client through {@code
   * WorkflowServiceStubsOptions.newBuilder().setTarget(target).addApiKey(() -> token).setEnableHttps(false)}.
   * Whoever holds it controls every workflow of the server: never log it, and never hand it to a cell.
   *
   * @return the token, or empty on a Temporal cluster
   * @throws IllegalStateException if the worker is not running
   */
  public Optional<String> embeddedServerToken() {
    requireState("get the embedded server's token", State.RUNNING);
    EmbeddedTemporalServer server = embedded;
    return server != null ? Optional.of(server.token()) : options.embeddedServerToken();
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
    return options.capacity();
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
        Objects.requireNonNull(memory).read().usage(), liveCells(), options.maxConcurrentCells(),
        cellAdmission.holdingBack(), headroom.limitedBy(), sandboxFellBack, readDisks(),
        worktreeSize.bytes().isPresent() ? worktreeSize.bytes().getAsLong() : null);
    return SwarmHealth.evaluate(readings, options.healthThresholds());
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
    shutdown(options.stopTimeout());
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
    return "SwarmWorker[" + options.hostId() + ", " + state + ", queue " + options.taskQueue() + "]";
  }

  /** A host id unique to this JVM: the host name and a random suffix. */
  static String defaultHostId() {
    String name;
    try {
      name = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      name = "host";
    }
    name = name.replaceAll("[^A-Za-z0-9._-]", "-");
    if (name.length() > 40) {
      name = name.substring(0, 40);
    }
    byte[] suffix = new byte[3];
    new SecureRandom().nextBytes(suffix);
    return name + "-" + HexFormat.of().formatHex(suffix);
  }

}
