package io.openswarm.temporal;

import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.lifecycle.TeardownResult;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.sandbox.SandboxMode;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.OrphanReaper;
import io.openswarm.infra.process.OrphanKill;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.infra.worktree.BranchIntegrator;
import io.openswarm.infra.worktree.GitWorktreeChanges;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.temporal.internal.CellActivitiesImpl;
import io.openswarm.temporal.internal.CellParts;
import io.openswarm.temporal.internal.DagTaskWorkflowImpl;
import io.openswarm.temporal.internal.DagWorkflowImpl;
import io.openswarm.temporal.internal.EmbeddedTemporalServer;
import io.openswarm.temporal.internal.RepositoryActivitiesImpl;
import io.openswarm.temporal.internal.TcrWorkflowImpl;
import io.openswarm.temporal.internal.TemporalConnection;
import io.openswarm.temporal.internal.WorkerHooks;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
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
 * try (SwarmWorker worker = SwarmWorker.builder()
 *     .repository(Path.of("/srv/repo"))
 *     .testCommand(List.of("./gradlew", "test", "--offline"))
 *     .agent(supervisor -> OpenCodeAgent.builder(supervisor).model("anthropic/claude-sonnet-4").build())
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
 * <p>Thread-safe. The lifecycle is NEW → RUNNING → STOPPED; calls in the wrong state throw {@link
 * IllegalStateException} ({@code attempted to start while in RUNNING state}).
 */
public final class SwarmWorker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SwarmWorker.class);

  /** How often a running step heartbeats, and so how soon a cancellation reaches it. */
  static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

  /** The default shared task queue, as in the original system. */
  public static final String DEFAULT_TASK_QUEUE = "reactor-task-queue";

  /** Creates the agent runtime of a worker, given the worker's process supervisor (sandboxed). */
  @FunctionalInterface
  public interface AgentFactory {
    /** Creates the runtime every cell of the worker uses. */
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
  private @Nullable TemporalConnection connection;
  private @Nullable WorkerFactory sharedFactory;
  private @Nullable WorkerFactory hostFactory;
  private @Nullable CellSteps steps;
  private @Nullable PortManager ports;
  private @Nullable WorktreePool pool;
  private @Nullable SwarmClient client;
  private @Nullable Thread shutdownHook;

  private SwarmWorker(SwarmWorkerOptions options, WorkerHooks hooks) {
    this.options = options;
    this.hooks = hooks;
  }

  /** Returns a builder; the repository, the test command and the agent are required. */
  public static Builder builder() {
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
    int maxCellAttempts = 3;
    @Nullable PortRangeSetting ports;
    Duration portWait = Duration.ofSeconds(30);
    @Nullable Path repository;
    @Nullable Path worktreeRoot;
    int minIdleWorktrees = 1;
    @Nullable Integer maxIdleWorktrees;
    @Nullable Integer maxWorktrees;
    @Nullable Path stateDirectory;
    @Nullable AgentFactory agentFactory;
    @Nullable List<String> testCommand;
    Duration testTimeout = Duration.ofMinutes(10);
    Duration readyTimeout = Duration.ofSeconds(30);
    @Nullable Duration executeTimeout;
    SandboxMode sandbox = SandboxMode.AUTO;
    CommitAuthor author = CommitAuthor.of("Open Swarm", "swarm@openswarm.invalid");
    SwarmMetrics metrics = SwarmMetrics.noop();
    final List<CustomWorkflow<?>> customWorkflows = new ArrayList<>();
    WorkerHooks hooks = WorkerHooks.NONE;

    /** An unvalidated port range; validated in {@link #build()}. */
    record PortRangeSetting(int min, int max) {}

    private Builder() {}

    /**
     * Joins the Temporal cluster at {@code host:port} (for example {@code temporal.internal:7233}) instead of
     * starting an embedded server.
     */
    public Builder target(String hostAndPort) {
      this.target = Objects.requireNonNull(hostAndPort, "target cannot be null");
      return this;
    }

    /** The port of the embedded server on 127.0.0.1; 0 (the default) lets the system pick a free one. */
    public Builder embeddedPort(int port) {
      this.embeddedPort = port;
      this.embeddedPortSet = true;
      return this;
    }

    /** The Temporal namespace; {@code default} by default. */
    public Builder namespace(String name) {
      this.namespace = Objects.requireNonNull(name, "namespace cannot be null");
      return this;
    }

    /** Mutual TLS to the target: the client certificate chain and its private key (PEM, PKCS#8). */
    public Builder clientCertificate(Path certificate, Path privateKey) {
      this.clientCertificate = Objects.requireNonNull(certificate, "certificate cannot be null");
      this.clientKey = Objects.requireNonNull(privateKey, "privateKey cannot be null");
      return this;
    }

    /** TLS to the target with these trusted CA certificates (PEM) instead of the system's. */
    public Builder trustedCertificates(Path caCertificates) {
      this.trustedCertificates = Objects.requireNonNull(caCertificates, "caCertificates cannot be null");
      return this;
    }

    /** An API key for the target (Temporal Cloud); implies TLS. Never logged. */
    public Builder apiKey(String key) {
      this.apiKey = Objects.requireNonNull(key, "apiKey cannot be null");
      return this;
    }

    /** The shared task queue; {@code reactor-task-queue} by default. */
    public Builder taskQueue(String queue) {
      this.taskQueue = Objects.requireNonNull(queue, "taskQueue cannot be null");
      return this;
    }

    /** This worker's host id (1-64 of {@code [A-Za-z0-9._-]}); by default the host name and a per-JVM suffix. */
    public Builder hostId(String id) {
      this.hostId = Objects.requireNonNull(id, "hostId cannot be null");
      return this;
    }

    /** The preset of concurrency, timeouts and ports; {@link SwarmProfile#DEVELOPMENT} by default. */
    public Builder profile(SwarmProfile preset) {
      this.profile = Objects.requireNonNull(preset, "profile cannot be null");
      return this;
    }

    /** Maximum concurrent activity executions (cell steps) on each of the worker's queues. */
    public Builder maxConcurrentActivities(int max) {
      this.maxConcurrentActivities = max;
      return this;
    }

    /** Maximum concurrent workflow-task executions. */
    public Builder maxConcurrentWorkflowTasks(int max) {
      this.maxConcurrentWorkflowTasks = max;
      return this;
    }

    /** Maximum concurrent local-activity executions. */
    public Builder maxConcurrentLocalActivities(int max) {
      this.maxConcurrentLocalActivities = max;
      return this;
    }

    /** The limit on one cell step (execute, tests) once started. */
    public Builder startToCloseTimeout(Duration timeout) {
      this.startToCloseTimeout = Objects.requireNonNull(timeout, "startToCloseTimeout cannot be null");
      return this;
    }

    /** How long a long step may go without a heartbeat before it is presumed dead. */
    public Builder heartbeatTimeout(Duration timeout) {
      this.heartbeatTimeout = Objects.requireNonNull(timeout, "heartbeatTimeout cannot be null");
      return this;
    }

    /** The limit on teardown; 2 min by default. */
    public Builder teardownTimeout(Duration timeout) {
      this.teardownTimeout = Objects.requireNonNull(timeout, "teardownTimeout cannot be null");
      return this;
    }

    /** How long {@link SwarmWorker#close()} lets running cells finish; 30 s by default. */
    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = Objects.requireNonNull(timeout, "stopTimeout cannot be null");
      return this;
    }

    /** The limit on bootstrap (port, worktree, agent start, readiness); 5 min by default. */
    public Builder bootstrapTimeout(Duration timeout) {
      this.bootstrapTimeout = Objects.requireNonNull(timeout, "bootstrapTimeout cannot be null");
      return this;
    }

    /** How long a step waits for the cell's host before the host is presumed gone; 30 s by default. */
    public Builder hostScheduleToStartTimeout(Duration timeout) {
      this.hostScheduleToStartTimeout = Objects.requireNonNull(timeout, "hostScheduleToStartTimeout cannot be null");
      return this;
    }

    /** On how many hosts a task may be tried when its cell's host disappears; 3 by default. */
    public Builder maxCellAttempts(int attempts) {
      this.maxCellAttempts = attempts;
      return this;
    }

    /** The inclusive port range for agent servers; the profile's by default. */
    public Builder ports(int min, int max) {
      this.ports = new PortRangeSetting(min, max);
      return this;
    }

    /** How long bootstrap waits for a free port before failing with {@code PortExhausted}; 30 s by default. */
    public Builder portWait(Duration wait) {
      this.portWait = Objects.requireNonNull(wait, "portWait cannot be null");
      return this;
    }

    /** The git repository cells work on. Required. */
    public Builder repository(Path path) {
      this.repository = Objects.requireNonNull(path, "repository cannot be null");
      return this;
    }

    /** Where cell worktrees live; {@code <stateDirectory>/worktrees} by default. Must be outside the repository's
     * {@code .git}. */
    public Builder worktreeRoot(Path path) {
      this.worktreeRoot = Objects.requireNonNull(path, "worktreeRoot cannot be null");
      return this;
    }

    /** Worktree pool sizes: warm ones kept ready, warm ones kept at most, and the most at once. */
    public Builder worktreePool(int minIdle, int maxIdle, int maxTotal) {
      this.minIdleWorktrees = minIdle;
      this.maxIdleWorktrees = maxIdle;
      this.maxWorktrees = maxTotal;
      return this;
    }

    /**
     * The worker's state directory: port lock files, the lease journal, per-cell homes and logs. A worker started
     * on the state directory of a crashed one cleans up what it left. {@code ~/.openswarm/<taskQueue>} by default.
     */
    public Builder stateDirectory(Path path) {
      this.stateDirectory = Objects.requireNonNull(path, "stateDirectory cannot be null");
      return this;
    }

    /** The agent of every cell, created with the worker's (sandboxed) process supervisor. Required. */
    public Builder agent(AgentFactory factory) {
      this.agentFactory = Objects.requireNonNull(factory, "agent cannot be null");
      return this;
    }

    /** The agent of every cell, when it needs no process supervisor (in-process or scripted agents). */
    public Builder agent(AgentRuntime runtime) {
      Objects.requireNonNull(runtime, "agent cannot be null");
      this.agentFactory = supervisor -> runtime;
      return this;
    }

    /** The repository's test command, as an argument list (no shell). Required. */
    public Builder testCommand(List<String> command) {
      this.testCommand = List.copyOf(Objects.requireNonNull(command, "testCommand cannot be null"));
      return this;
    }

    /** The limit on a test run; 10 min by default. */
    public Builder testTimeout(Duration timeout) {
      this.testTimeout = Objects.requireNonNull(timeout, "testTimeout cannot be null");
      return this;
    }

    /** How long an agent may take to become ready; 30 s by default. */
    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = Objects.requireNonNull(timeout, "readyTimeout cannot be null");
      return this;
    }

    /** The default limit on an agent's turn; 30 s less than the step limit by default. */
    public Builder executeTimeout(Duration timeout) {
      this.executeTimeout = Objects.requireNonNull(timeout, "executeTimeout cannot be null");
      return this;
    }

    /** How cell processes are isolated; {@link SandboxMode#AUTO} (bubblewrap when it works) by default. */
    public Builder sandbox(SandboxMode mode) {
      this.sandbox = Objects.requireNonNull(mode, "sandbox cannot be null");
      return this;
    }

    /** Who the cells' commits are by. */
    public Builder author(CommitAuthor commitAuthor) {
      this.author = Objects.requireNonNull(commitAuthor, "author cannot be null");
      return this;
    }

    /**
     * Registers a workflow of your own, written over {@link CellActivities}, on the shared queue next to the TCR and
     * DAG workflows. The factory gets the worker's {@link CellActivityOptions}, so the workflow routes and times out
     * its cell's steps like the built-in ones.
     *
     * @param type the workflow interface
     * @param factory creates one workflow instance per execution
     */
    public <T> Builder workflow(Class<T> type, Function<CellActivityOptions, ? extends T> factory) {
      customWorkflows.add(new CustomWorkflow<>(Objects.requireNonNull(type, "type cannot be null"),
          Objects.requireNonNull(factory, "factory cannot be null")));
      return this;
    }

    /** Where metrics go; none by default. */
    public Builder metrics(SwarmMetrics swarmMetrics) {
      this.metrics = Objects.requireNonNull(swarmMetrics, "metrics cannot be null");
      return this;
    }

    /**
     * Not API: test seams for the testkit's fault injection and crash tests. The type lives in an internal package
     * and may change in any release.
     */
    public Builder internalHooks(WorkerHooks testHooks) {
      this.hooks = Objects.requireNonNull(testHooks, "hooks cannot be null");
      return this;
    }

    /**
     * Validates the options and builds the worker, not yet started.
     *
     * @throws IllegalStateException if a required option is missing
     * @throws IllegalArgumentException if an option is invalid; the message names it, the value and what is allowed
     */
    public SwarmWorker build() {
      return new SwarmWorker(new SwarmWorkerOptions(this), hooks);
    }

    /**
     * Builds the worker and starts it.
     *
     * @throws IllegalStateException if a required option is missing or the worker cannot start
     * @throws IllegalArgumentException if an option is invalid
     */
    public SwarmWorker start() {
      return build().start();
    }
  }

  /** The validated options this worker was built with. */
  public SwarmWorkerOptions options() {
    return options;
  }

  /** The current lifecycle state. */
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

  private void doStart() {
    long start = System.nanoTime();
    Path stateDirectory = options.stateDirectory();
    createDirectories(stateDirectory);
    String target = options.target();
    if (target == null) {
      embedded = EmbeddedTemporalServer.start(options.embeddedPort());
      resources.add(embedded);
      target = embedded.target();
    }
    connection = TemporalConnection.open(target, options);
    resources.add(connection);

    CellSandbox sandbox = SandboxDetector.system().select(options.sandbox());
    OrphanReaper reaper = new OrphanReaper(LeaseJournal.open(stateDirectory.resolve("journal")));
    ProcessSupervisor supervisor = ProcessSupervisor.builder()
        .sandbox(sandbox)
        .listener(reaper.processListener())
        .build();
    resources.add(supervisor);
    // Agents and test runs a crashed worker on this state directory left running die before anything new starts.
    Map<OrphanKill, Integer> reaped = reaper.reap(supervisor, ProcessSupervisor.DEFAULT_KILL_WAIT);
    if (!reaped.isEmpty()) {
      log.info("swarm worker {}: reaped processes of a dead worker: {}", options.hostId(), reaped);
    }
    // The cells' state directories (agent homes, caches, logs) live under one directory per worker JVM, recorded in
    // the journal, so that a worker that starts after a crash deletes those of the dead one.
    Path cellsRoot = stateDirectory.resolve("cells");
    reaper.reapDirectories(cellsRoot);
    String cellsKey = "cells-" + LeaseJournal.sessionId().substring(0, 12);
    Path cellsDirectory = cellsRoot.resolve(LeaseJournal.sessionId().substring(0, 12));
    reaper.recordDirectory(cellsKey, cellsDirectory);
    resources.add(() -> {
      deleteRecursively(cellsDirectory);
      reaper.releaseDirectory(cellsKey);
    });

    ports = PortManager.builder()
        .range(options.ports().min(), options.ports().max())
        .probe(hooks.decorateProbe(PortProbe.bind()))
        .leaseDirectory(stateDirectory.resolve("ports"))
        .build();

    pool = WorktreePool.builder()
        .repository(options.repository())
        .root(options.worktreeRoot())
        .minIdle(options.minIdleWorktrees())
        .maxIdle(options.maxIdleWorktrees())
        .maxTotal(options.maxWorktrees())
        .build();
    resources.add(pool);
    pool.start();

    CommandTestRunner tests = CommandTestRunner.builder(supervisor)
        .command(options.testCommand())
        .timeout(options.testTimeout())
        .build();
    AgentRuntime agent = options.agentFactory().create(supervisor);
    BranchIntegrator integrator = BranchIntegrator.create();
    CellParts parts = hooks.decorate(new CellParts(pool, GitWorktreeChanges.create(), agent, tests, integrator));
    steps = CellSteps.builder()
        .ports(ports)
        .worktrees(parts.worktrees())
        .changes(parts.changes())
        .agent(parts.agent())
        .tests(parts.tests())
        .integration(parts.integration())
        .cellsDirectory(cellsDirectory)
        .author(options.author())
        .portWait(options.portWait())
        .readyTimeout(options.readyTimeout())
        .executeTimeout(options.executeTimeout())
        .metrics(options.metrics())
        .host(options.hostId())
        .build();

    ScheduledExecutorService heartbeats = Executors.newScheduledThreadPool(1, daemonThreads("swarm-heartbeat"));
    resources.add(heartbeats::shutdownNow);
    CellActivitiesImpl activities = new CellActivitiesImpl(steps, hostQueue(), heartbeats, HEARTBEAT_INTERVAL,
        () -> state == State.STOPPING || state == State.STOPPED);
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

    WorkflowClient workflowClient = connection.client();
    sharedFactory = WorkerFactory.newInstance(workflowClient);
    Worker shared = sharedFactory.newWorker(options.taskQueue(), workerOptions);
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

    client = new SwarmClient(workflowClient, options.taskQueue());
    hostFactory.start();
    sharedFactory.start();
    shutdownHook = new Thread(this::close, "swarm-worker-shutdown-" + options.hostId());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    log.info("swarm worker {} started in {} ms: Temporal {}{}, queues {} and {}, ports {}, repository {}, agent {},"
            + " sandbox {}", options.hostId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), target,
        embedded != null ? " (embedded)" : "", options.taskQueue(), hostQueue(), options.ports(),
        options.repository(), agent.name(), sandbox.description());
  }

  /** The task queue of this host: every step after bootstrap of this worker's cells runs there. */
  public String hostQueue() {
    return options.taskQueue() + "@" + options.hostId();
  }

  /**
   * A client bound to this worker's Temporal target and task queue.
   *
   * @throws IllegalStateException if the worker is not running
   */
  public SwarmClient client() {
    requireState("get the client", State.RUNNING);
    return Objects.requireNonNull(client);
  }

  /** The {@code host:port} of the Temporal server this worker uses (the embedded one, or the target). */
  public String temporalTarget() {
    requireState("get the Temporal target", State.RUNNING);
    EmbeddedTemporalServer server = embedded;
    return server != null ? server.target() : Objects.requireNonNull(options.target());
  }

  /** The worker's port manager; for inspection and metrics. */
  public PortManager ports() {
    requireState("get the ports", State.RUNNING);
    return Objects.requireNonNull(ports);
  }

  /** The worker's worktree pool; for inspection and metrics. */
  public WorktreePool worktrees() {
    requireState("get the worktrees", State.RUNNING);
    return Objects.requireNonNull(pool);
  }

  /** How many cells are live on this worker now. */
  public int liveCells() {
    CellSteps current = steps;
    return current == null ? 0 : current.liveCells().size();
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
   * Temporal's default (null), or zero when the test hooks turn sticky workflow execution off: the SDK then sends no
   * sticky attributes, so every workflow task goes to the shared queue. Applies to every worker that runs workflows.
   */
  private @Nullable Duration stickyScheduleToStart() {
    return hooks.stickyWorkflowExecution() ? null : Duration.ZERO;
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
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
