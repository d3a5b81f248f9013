package io.openswarm.temporal;

import io.micrometer.core.instrument.MeterRegistry;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellLimits;
import io.openswarm.core.sandbox.SandboxMode;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.infra.opencode.OpenCodeAgent;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.worktree.RepositoryHooks;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.internal.OptionChecks;
import io.openswarm.temporal.internal.SwarmAssembly;
import io.openswarm.temporal.internal.WorkerHooks;
import io.openswarm.temporal.metrics.MicrometerSwarmMetrics;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
 *     .start()) {
 *   CellOutcome outcome = worker.client().runTcr(TaskSpec.of("add-readme", "Add a README", "main"));
 * }
 * }</pre>
 *
 * <h2>How it works</h2>
 *
 * With no {@linkplain ConnectionOptions.Builder#target(String) target} the worker starts an
 * embedded Temporal server on 127.0.0.1 (in memory: for development, demos, tests and
 * single-machine runs); with one it joins a Temporal cluster. It polls two task queues: the shared
 * one (default {@code reactor-task-queue}), where workflows and cell bootstraps run, and a queue of
 * its own host, {@code <taskQueue>@<hostId>}, where every later step of the cells it bootstrapped
 * runs. Many workers on many hosts share the shared queue; Temporal spreads the cells.
 *
 * <p>{@link #start()} recovers what a previous worker with the same state directory left behind
 * (its agent and test processes, its worktrees, its ports, its cells' state directories), warms the
 * worktree pool and starts polling. {@link #close()} stops taking new cells, lets running ones
 * finish up to the stop timeout, cancels the rest (their teardown runs), releases everything and
 * stops the embedded server. A JVM shutdown hook does the same on SIGTERM.
 *
 * <h2>Capacity, backpressure and health</h2>
 *
 * A worker runs at most {@link #capacity()} cells at once (by default the least of what its memory
 * budget, ports, worktrees and activity slots allow; see {@link SwarmCapacity}). Its pollers take a
 * bootstrap from the shared queue only while one more cell fits (cells, ports, worktrees, memory
 * below the health ceiling, free disk above the floor with room for {@linkplain
 * CapacityOptions.Builder#diskPerCell(long) one more cell}); otherwise new cells wait in Temporal,
 * for this worker or another, and are taken as soon as room returns. Only activity polling of the
 * shared queue is held back: workflow tasks and the host queue's steps keep flowing, so running
 * cells always reach their teardown. {@link #health()} compares the error rate, available ports,
 * backlog and memory with the performance guide's thresholds. With a {@linkplain
 * Builder#meterRegistry meter registry}, all of it, the step timers and outcome counters, and
 * Temporal's SDK metrics are published there (see {@link MicrometerSwarmMetrics}).
 *
 * <p>Thread-safe. The lifecycle is NEW → RUNNING → STOPPED; calls in the wrong state throw {@link
 * IllegalStateException} ({@code attempted to start while in RUNNING state}).
 */
public final class SwarmWorker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SwarmWorker.class);

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

  /**
   * Gauge: the usable bytes of the fuller of the worktree root's and the state directory's file
   * systems.
   */
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

  /** What the worker runs; set by a successful start, for good. */
  private volatile @Nullable SwarmAssembly swarm;

  private volatile @Nullable SwarmClient client;
  private @Nullable Thread shutdownHook;

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
   * Configures a {@link SwarmWorker}: the repository, the agent and the test command are required;
   * everything else has a default from the {@linkplain CapacityOptions#profile() profile} or the
   * performance guide. Settings of one concern come as one options object ({@link #connection},
   * {@link #timeouts}, {@link #capacity}, {@link #tests}, {@link #worktrees}, {@link #setup},
   * {@link #ports}), each checked by its own builder. Every setter may be called once (except
   * {@link #workflow}); a second call, or two setters of one thing ({@link #agent(AgentFactory)}
   * and {@link #openCode}, {@link #testCommand(String...)} and {@link #tests}), is an {@link
   * IllegalStateException}. {@link #build()} checks what needs several concerns. Not thread-safe.
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
     * The worker's state directory: port lock files, the lease journal, per-cell homes and logs,
     * and the history of cells that are gone ({@code history/}, see {@link #history}). A worker
     * started on the state directory of a crashed one cleans up what it left. {@code
     * ~/.openswarm/<taskQueue>} by default.
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
        throw new IllegalStateException(
            "the agent was already set by "
                + agentSetter
                + "; set it once, with either"
                + " agent(...) or openCode(...), not both");
      }
      agentSetter = setter;
      draft.agentFactory = factory;
    }

    /**
     * The agent of every cell, created with the worker's (sandboxed) process supervisor. Required,
     * once: this, or {@link #agent(AgentRuntime)}, or {@link #openCode}.
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
     * Runs the real OpenCode in every cell: an {@link OpenCodeAgent} on the worker's sandboxed
     * process supervisor. Same as {@code agent(supervisor -> OpenCodeAgent.create(supervisor,
     * options))}; the binary is looked up when the worker starts, and a missing one fails {@link
     * SwarmWorker#start()}.
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
     * The repository's test command, as an argument list (no shell), with the other test settings
     * at their defaults: a shortcut for {@code
     * tests(TestOptions.newBuilder().command(command).build())}.
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
     * How the repository's tests run: command, limit, base check, network and environment.
     * Required, once: this or {@link #testCommand(String...)}.
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
        throw new IllegalStateException(
            "the tests were already set by "
                + testsSetter
                + " to "
                + draft.tests
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
     * The worktree pool: where worktrees live, how many are kept warm and at most, sparse
     * checkouts, whether ignored files survive. Its repository must be the worker's. By default
     * worktrees live in {@code <stateDirectory>/worktrees}, one is kept warm, and up to {@code
     * max(4, 2 × maxConcurrentActivities)} are made and all kept warm. The worker keeps ignored
     * files too when a set-up command produced them, and cleans warm worktrees on reuse when cells
     * run unsandboxed.
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
     * What each worktree gets before a cell works in it: a set-up command (such as {@code npm ci})
     * and its inputs, files copied from the checkout, submodules; nothing by default. The set-up
     * runs inside the bootstrap, so its limit must leave 30 s of {@link CellTimeouts#bootstrap()};
     * left at its default, it is the bootstrap's limit less 30 s. With a set-up command, worktrees
     * keep their ignored files between cells; see docs/configuration.md.
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
        throw new IllegalArgumentException(
            String.format(
                "ports %s include privileged ports (below %d); use a range starting at %d or above",
                range, PortRange.FIRST_UNPRIVILEGED_PORT, PortRange.FIRST_UNPRIVILEGED_PORT));
      }
      once("ports", draft.ports);
      draft.ports = range;
      return this;
    }

    /**
     * How cell processes are isolated; {@link SandboxMode#AUTO} (bubblewrap when it works) by
     * default.
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
     * What each of a cell's process trees may use (processes, memory, CPU, {@code /tmp}) and how
     * large a commit may be; {@link CellLimits#getDefaultInstance()} by default. Processes, memory
     * and CPU need cgroups the worker may create; the worker says at start which limits are in
     * force.
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
     * The repository's hooks to run as a check on every change before it is committed, inside the
     * cell's sandbox: {@code pre-commit} and/or {@code commit-msg}, taken from the user's checkout
     * (a relative {@code core.hooksPath} in the repository's configuration, as husky sets it) or
     * from the repository's git directory, never from the cell's worktree. A failing hook fails the
     * cell at COMMIT ({@code CommitRejected}). None by default: the library's own git never runs
     * hooks.
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
          throw new IllegalArgumentException(
              "repositoryHooks may name pre-commit and commit-msg but was given \"" + hook + "\"");
        }
      }
      once("repositoryHooks", draft.repositoryHooks);
      draft.repositoryHooks = List.copyOf(new LinkedHashSet<>(names));
      return this;
    }

    /**
     * What is kept of each cell after it is gone, in {@code <stateDirectory>/history} and in the
     * repository's refs: its logs, the report folders named with {@link
     * HistoryOptions.Builder#keepReports} after red tests, and a reverted change as {@code
     * refs/swarm/rejected/<cellId>}; {@link HistoryOptions#getDefaultInstance()} (200 runs, 14
     * days, 2 GiB) by default. {@link io.openswarm.core.CellOutcome#historyPath()} and {@link
     * io.openswarm.core.CellOutcome#rejectedRef()} name what was kept; {@link SwarmClient#logs} and
     * {@link SwarmClient#diff} read it.
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
     * Publishes the worker's metrics ({@link MicrometerSwarmMetrics}: step timers, outcome
     * counters, gauges of ports, worktrees, cells, processes, sandbox, capacity, backpressure,
     * backlog and memory, all tagged {@code host}) and Temporal's own SDK metrics to {@code
     * registry}. None by default. The worker removes its meters when it stops.
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
     * Registers a workflow of your own, written over {@link CellActivities}, on the shared queue
     * next to the TCR and DAG workflows. The factory gets the worker's {@link CellActivityOptions},
     * so the workflow routes and times out its cell's steps like the built-in ones. May be called
     * once per workflow type.
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
     * Interceptors that decorate what the worker builds its cells from (worktrees, changes, agent,
     * tests, integration, port probe), for tracing, auditing, a local policy or fault injection;
     * none by default. See {@link CellInterceptor}.
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
     * Checks the options across concerns and builds the worker, not yet started.
     *
     * @return the worker, not started
     * @throws IllegalStateException if the repository, the agent or the tests are missing
     * @throws IllegalArgumentException if options contradict each other; the message names them,
     *     the values and what is allowed
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
   * Starts the worker: the embedded server (if no target was given), recovery of a previous
   * worker's leftovers, the worktree pool, and polling.
   *
   * @return this worker
   * @throws IllegalStateException if the worker is not {@link State#NEW}, or a required facility
   *     (such as an explicitly requested bubblewrap sandbox) is unavailable
   * @throws UncheckedIOException if the state directory cannot be created or the embedded server
   *     cannot bind
   */
  public SwarmWorker start() {
    lifecycle.lock();
    try {
      requireState("start", State.NEW);
      state = State.STARTING;
      SwarmAssembly assembled = null;
      try {
        assembled =
            SwarmAssembly.assemble(
                options,
                hooks,
                () -> state == State.RUNNING,
                () -> state == State.STOPPING || state == State.STOPPED,
                (worker, activityOptions) ->
                    options
                        .customWorkflows()
                        .forEach(custom -> custom.register(worker, activityOptions)));
        client =
            new SwarmClient(
                assembled.workflowClient(),
                options.connection().taskQueue(),
                this::requireOpenForClient,
                assembled.history());
        assembled.startPolling();
      } catch (RuntimeException | Error e) {
        if (assembled != null) {
          assembled.close();
        }
        state = State.STOPPED;
        throw e;
      }
      swarm = assembled;
      Thread hook = new Thread(this::close, "swarm-worker-shutdown-" + options.hostId());
      Runtime.getRuntime().addShutdownHook(hook);
      shutdownHook = hook;
      state = State.RUNNING;
      return this;
    } finally {
      lifecycle.unlock();
    }
  }

  /**
   * The task queue of this host: every step after bootstrap of this worker's cells runs there.
   *
   * @return the host queue's name
   */
  public String hostQueue() {
    return options.hostQueue();
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
   * The {@code host:port} of the Temporal server this worker uses (the embedded one, or the
   * target).
   *
   * @return the server's {@code host:port}
   * @throws IllegalStateException if the worker is not running
   */
  public String temporalTarget() {
    return running("get the Temporal target").target();
  }

  /**
   * The bearer token of the embedded Temporal server this worker uses: the one it started (a new
   * token at every start) or the one it joined with {@link
   * ConnectionOptions.Builder#embeddedServerToken}; empty on a Temporal cluster, whose credentials
   * are your own. The server refuses every call without {@code authorization: Bearer <token>}, so
   * that the cells, which share its loopback address, can neither read nor touch its workflows.
   *
   * <p>In this JVM, {@link #client()} is already authenticated. Another process needs {@link
   * #temporalTarget()} and this token: another worker through {@link
   * ConnectionOptions.Builder#embeddedServerToken}, a plain Temporal client through {@code
   * WorkflowServiceStubsOptions.newBuilder().setTarget(target).addApiKey(() -> token)
   * .setEnableHttps(false)}. Whoever holds it controls every workflow of the server: never log it,
   * and never hand it to a cell.
   *
   * @return the token, or empty on a Temporal cluster
   * @throws IllegalStateException if the worker is not running
   */
  public Optional<String> embeddedServerToken() {
    return running("get the embedded server's token").embeddedServerToken();
  }

  /**
   * The worker's port manager; for inspection and metrics.
   *
   * @return the port manager
   * @throws IllegalStateException if the worker is not running
   */
  public PortManager ports() {
    return running("get the ports").ports();
  }

  /**
   * The worker's worktree pool; for inspection and metrics.
   *
   * @return the worktree pool
   * @throws IllegalStateException if the worker is not running
   */
  public WorktreePool worktrees() {
    return running("get the worktrees").worktrees();
  }

  /**
   * How many cells are live on this worker now.
   *
   * @return the number of live cells
   */
  public int liveCells() {
    SwarmAssembly current = swarm;
    return current == null ? 0 : current.liveCells();
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
   * Checks the worker against its {@link HealthThresholds} now: the error rate of the cells that
   * ended within the window, the available ports, the bootstraps waiting in the shared queue (asked
   * of the Temporal server), and the machine's memory and the free space of the file systems of the
   * worktree root and the state directory ({@link HealthCheck#DISK}). A warning is in the report
   * while its condition holds and gone once it no longer does. The worker also checks every 15 s by
   * itself, logs each warning when it appears (WARN) and when it clears (INFO), and logs when
   * backpressure starts and ends.
   *
   * @return the report
   * @throws IllegalStateException if the worker is not running
   */
  public SwarmHealth health() {
    return running("check the health").checkHealth();
  }

  /** Stops the worker with the configured stop timeout. Idempotent. */
  @Override
  public void close() {
    shutdown(options.timeouts().stop());
  }

  /**
   * Stops taking new cells, lets running cells finish for up to {@code timeout}, then cancels them
   * (their teardown runs), releases every port and worktree, and stops the embedded server.
   * Idempotent.
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
      SwarmAssembly current = Objects.requireNonNull(swarm);
      try {
        current.drain(timeout);
      } finally {
        current.close();
        state = State.STOPPED;
      }
      Thread hook = shutdownHook;
      if (hook != null && Thread.currentThread() != hook) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
          // The JVM is exiting; the hook is this call's twin and will find the worker stopped.
        }
      }
      log.info(
          "swarm worker {} stopped in {} ms",
          options.hostId(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } finally {
      lifecycle.unlock();
    }
  }

  /**
   * What a {@link SwarmClient} checks before each call: it uses this worker's connection, which
   * {@link #close()} shuts, so a call from a closing or closed worker's client fails at once
   * instead of retrying against a dead channel.
   */
  private void requireOpenForClient(String action) {
    State current = state;
    if (current == State.STOPPING || current == State.STOPPED) {
      throw new IllegalStateException(
          String.format(
              "attempted to %s while in %s state: the worker %s that made this "
                  + "client was closed; get a client from a running worker",
              action, current, options.hostId()));
    }
  }

  private SwarmAssembly running(String action) {
    requireState(action, State.RUNNING);
    return Objects.requireNonNull(swarm);
  }

  private void requireState(String action, State expected) {
    State current = state;
    if (current != expected) {
      throw new IllegalStateException(
          String.format("attempted to %s while in %s state", action, current));
    }
  }

  @Override
  public String toString() {
    return "SwarmWorker["
        + options.hostId()
        + ", "
        + state
        + ", queue "
        + options.connection().taskQueue()
        + "]";
  }
}
