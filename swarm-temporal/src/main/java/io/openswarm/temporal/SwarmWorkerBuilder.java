package io.openswarm.temporal;

import io.micrometer.core.instrument.MeterRegistry;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellLimits;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.infra.opencode.OpenCodeAgent;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.worktree.RepositoryHooks;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.internal.OptionChecks;
import io.openswarm.temporal.internal.WorkerHooks;
import io.openswarm.temporal.metrics.MicrometerSwarmMetrics;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link SwarmWorker}: the repository, the agent and the test command are required;
 * everything else has a default from the {@linkplain CapacityOptions#profile() profile} or the
 * performance guide. Settings of one concern come as one options object ({@link #connection},
 * {@link #timeouts}, {@link #capacity}, {@link #tests}, {@link #worktrees}, {@link #setup}, {@link
 * #ports}), each checked by its own builder. Every setter may be called once (except {@link
 * #workflow}); a second call, or two setters of one thing ({@link #agent(AgentFactory)} and {@link
 * #openCode}, {@link #testCommand(String...)} and {@link #tests}), is an {@link
 * IllegalStateException}. {@link #build()} checks what needs several concerns. Not thread-safe.
 */
public final class SwarmWorkerBuilder {
  private final SwarmWorkerOptions.Draft draft = new SwarmWorkerOptions.Draft();
  private final Set<String> assigned = new HashSet<>();
  private @Nullable String agentSetter;
  private @Nullable String testsSetter;
  private WorkerHooks hooks = WorkerHooks.NONE;

  SwarmWorkerBuilder() {}

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
  public SwarmWorkerBuilder repository(Path path) {
    Objects.requireNonNull(path, "repository cannot be null");
    once("repository", draft.repository);
    draft.repository = path;
    return this;
  }

  /**
   * The worker's state directory: port lock files, the lease journal, per-cell homes and logs, and
   * the history of cells that are gone ({@code history/}, see {@link #history}). A worker started
   * on the state directory of a crashed one cleans up what it left. {@code
   * ~/.openswarm/<taskQueue>} by default.
   *
   * @param path the state directory, outside the repository
   * @return this builder
   * @throws NullPointerException if {@code path} is null
   * @throws IllegalStateException if the state directory was already set
   */
  public SwarmWorkerBuilder stateDirectory(Path path) {
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
  public SwarmWorkerBuilder agent(AgentFactory factory) {
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
  public SwarmWorkerBuilder agent(AgentRuntime runtime) {
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
  public SwarmWorkerBuilder openCode(OpenCodeOptions options) {
    Objects.requireNonNull(options, "options cannot be null");
    agentOnce("openCode(...)", supervisor -> OpenCodeAgent.create(supervisor, options));
    return this;
  }

  /**
   * The repository's test command, as an argument list (no shell), with the other test settings at
   * their defaults: a shortcut for {@code
   * tests(TestOptions.newBuilder().command(command).build())}.
   *
   * @param command the program and its arguments
   * @return this builder
   * @throws NullPointerException if {@code command} is or holds null
   * @throws IllegalArgumentException if {@code command} is empty or its program is blank
   * @throws IllegalStateException if the tests were already set, by this or {@link #tests}
   */
  public SwarmWorkerBuilder testCommand(List<String> command) {
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
  public SwarmWorkerBuilder testCommand(String... command) {
    return testCommand(List.of(Objects.requireNonNull(command, "testCommand cannot be null")));
  }

  /**
   * How the repository's tests run: command, limit, base check, network and environment. Required,
   * once: this or {@link #testCommand(String...)}.
   *
   * @param options the test options
   * @return this builder
   * @throws NullPointerException if {@code options} is null
   * @throws IllegalStateException if the tests were already set
   */
  public SwarmWorkerBuilder tests(TestOptions options) {
    return tests("tests(...)", Objects.requireNonNull(options, "tests cannot be null"));
  }

  private SwarmWorkerBuilder tests(String setter, TestOptions options) {
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
  public SwarmWorkerBuilder connection(ConnectionOptions options) {
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
  public SwarmWorkerBuilder timeouts(CellTimeouts options) {
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
  public SwarmWorkerBuilder capacity(CapacityOptions options) {
    Objects.requireNonNull(options, "capacity cannot be null");
    once("capacity", draft.capacity);
    draft.capacity = options;
    return this;
  }

  /**
   * The worktree pool: where worktrees live, how many are kept warm and at most, sparse checkouts,
   * whether ignored files survive. Its repository must be the worker's. By default worktrees live
   * in {@code <stateDirectory>/worktrees}, one is kept warm, and up to {@code max(4, 2 ×
   * maxConcurrentActivities)} are made and all kept warm. The worker keeps ignored files too when a
   * set-up command produced them, and cleans warm worktrees on reuse when cells run unsandboxed.
   *
   * @param options the pool's options
   * @return this builder
   * @throws NullPointerException if {@code options} is null
   * @throws IllegalStateException if the worktrees were already set
   */
  public SwarmWorkerBuilder worktrees(WorktreePoolOptions options) {
    Objects.requireNonNull(options, "worktrees cannot be null");
    once("worktrees", draft.worktrees);
    draft.worktrees = options;
    return this;
  }

  /**
   * What each worktree gets before a cell works in it: a set-up command (such as {@code npm ci})
   * and its inputs, files copied from the checkout, submodules; nothing by default. The set-up runs
   * inside the bootstrap, so its limit must leave 30 s of {@link CellTimeouts#bootstrap()}; left at
   * its default, it is the bootstrap's limit less 30 s. With a set-up command, worktrees keep their
   * ignored files between cells; see docs/configuration.md.
   *
   * @param options the set-up options
   * @return this builder
   * @throws NullPointerException if {@code options} is null
   * @throws IllegalStateException if the set-up was already set
   */
  public SwarmWorkerBuilder setup(WorktreeSetupOptions options) {
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
  public SwarmWorkerBuilder ports(PortRange range) {
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
   * How cell processes are isolated; {@link CellSandbox.Mode#AUTO} (bubblewrap when it works) by
   * default.
   *
   * @param mode the sandbox mode
   * @return this builder
   * @throws NullPointerException if {@code mode} is null
   * @throws IllegalStateException if the sandbox was already set
   */
  public SwarmWorkerBuilder sandbox(CellSandbox.Mode mode) {
    Objects.requireNonNull(mode, "sandbox cannot be null");
    once("sandbox", draft.sandbox);
    draft.sandbox = mode;
    return this;
  }

  /**
   * What each of a cell's process trees may use (processes, memory, CPU, {@code /tmp}) and how
   * large a commit may be; {@link CellLimits#getDefaultInstance()} by default. Processes, memory
   * and CPU need cgroups the worker may create; the worker says at start which limits are in force.
   *
   * @param limits the limits
   * @return this builder
   * @throws NullPointerException if {@code limits} is null
   * @throws IllegalStateException if the limits were already set
   */
  public SwarmWorkerBuilder cellLimits(CellLimits limits) {
    Objects.requireNonNull(limits, "cellLimits cannot be null");
    once("cellLimits", draft.cellLimits);
    draft.cellLimits = limits;
    return this;
  }

  /**
   * The repository's hooks to run as a check on every change before it is committed, inside the
   * cell's sandbox: {@code pre-commit} and/or {@code commit-msg}, taken from the user's checkout (a
   * relative {@code core.hooksPath} in the repository's configuration, as husky sets it) or from
   * the repository's git directory, never from the cell's worktree. A failing hook fails the cell
   * at COMMIT ({@code CommitRejected}). None by default: the library's own git never runs hooks.
   *
   * @param hooks the hooks' names; none for no hook
   * @return this builder
   * @throws NullPointerException if {@code hooks} is or holds null
   * @throws IllegalArgumentException if a name is not {@code pre-commit} or {@code commit-msg}
   * @throws IllegalStateException if the hooks were already set
   */
  public SwarmWorkerBuilder repositoryHooks(String... hooks) {
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
   * refs/swarm/rejected/<cellId>}; {@link HistoryOptions#getDefaultInstance()} (200 runs, 14 days,
   * 2 GiB) by default. {@link io.openswarm.core.CellOutcome#historyPath()} and {@link
   * io.openswarm.core.CellOutcome#rejectedRef()} name what was kept; {@link SwarmClient#logs} and
   * {@link SwarmClient#diff} read it.
   *
   * @param options what is kept
   * @return this builder
   * @throws NullPointerException if {@code options} is null
   * @throws IllegalStateException if the history was already set
   */
  public SwarmWorkerBuilder history(HistoryOptions options) {
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
  public SwarmWorkerBuilder author(CommitAuthor commitAuthor) {
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
  public SwarmWorkerBuilder metrics(SwarmMetrics swarmMetrics) {
    Objects.requireNonNull(swarmMetrics, "metrics cannot be null");
    once("metrics", draft.metrics);
    draft.metrics = swarmMetrics;
    return this;
  }

  /**
   * Publishes the worker's metrics ({@link MicrometerSwarmMetrics}: step timers, outcome counters,
   * gauges of ports, worktrees, cells, processes, sandbox, capacity, backpressure, backlog and
   * memory, all tagged {@code host}) and Temporal's own SDK metrics to {@code registry}. None by
   * default. The worker removes its meters when it stops.
   *
   * @param registry the registry
   * @return this builder
   * @throws NullPointerException if {@code registry} is null
   * @throws IllegalStateException if the registry was already set
   */
  public SwarmWorkerBuilder meterRegistry(MeterRegistry registry) {
    Objects.requireNonNull(registry, "meterRegistry cannot be null");
    once("meterRegistry", draft.meterRegistry);
    draft.meterRegistry = registry;
    return this;
  }

  /**
   * Registers a workflow of your own, written over {@link CellActivities}, on the shared queue next
   * to the TCR and DAG workflows. The factory gets the worker's {@link CellActivityOptions}, so the
   * workflow routes and times out its cell's steps like the built-in ones. May be called once per
   * workflow type.
   *
   * @param <T> the workflow interface
   * @param type the workflow interface
   * @param factory creates one workflow instance per execution
   * @return this builder
   * @throws NullPointerException if an argument is null
   */
  public <T> SwarmWorkerBuilder workflow(
      Class<T> type, Function<CellActivityOptions, ? extends T> factory) {
    draft.customWorkflows.add(new CustomWorkflow<>(type, factory));
    return this;
  }

  /**
   * Interceptors that decorate what the worker builds its cells from (worktrees, changes, agent,
   * tests, integration, port probe), for tracing, auditing, a local policy or fault injection; none
   * by default. See {@link CellInterceptor}.
   *
   * @param interceptors the interceptors, applied in order: the last is the outermost
   * @return this builder
   * @throws NullPointerException if {@code interceptors} is or holds null
   * @throws IllegalStateException if the interceptors were already set
   */
  public SwarmWorkerBuilder interceptors(CellInterceptor... interceptors) {
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
   * @throws IllegalArgumentException if options contradict each other; the message names them, the
   *     values and what is allowed
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
