package io.openswarm.temporal;

import io.micrometer.core.instrument.MeterRegistry;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.sandbox.CellLimits;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.internal.SystemMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The validated, immutable options of a {@link SwarmWorker}, built by {@link SwarmWorkerBuilder}:
 * the repository, the state directory, the agent and sandbox, and one options object per concern
 * (connection, timeouts, capacity, tests, worktrees, set-up, ports), each with every default filled
 * in.
 *
 * <p>Defaults come from the {@linkplain CapacityOptions#profile() profile} (concurrency, step
 * limit, heartbeat, ports) and the performance guide. Each concern's options checked their own
 * values; what needs several concerns (the test limit against the step limit, the set-up's limit
 * against the bootstrap's, the capacity against the ports and worktrees) is checked here, with a
 * message naming the options, the values and what is allowed. Secrets are never shown by {@link
 * #toString()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class SwarmWorkerOptions {

  /**
   * How many times the measured size of one worktree a new cell is budgeted on disk when {@link
   * CapacityOptions#diskPerCell()} is not set: the checkout itself, and as much again for what its
   * build and tests write (target/, node_modules/, caches in the cell's folder).
   */
  public static final int DEFAULT_DISK_PER_CELL_FACTOR = 2;

  /** How much of the bootstrap's limit the set-up leaves to the rest of the bootstrap. */
  static final long SETUP_MARGIN_SECONDS = 30;

  private final Path repository;
  private final Path stateDirectory;
  private final AgentFactory agentFactory;
  private final CellSandbox.Mode sandbox;
  private final CellLimits cellLimits;
  private final List<String> repositoryHooks;
  private final HistoryOptions history;
  private final CommitAuthor author;
  private final SwarmMetrics metrics;
  private final @Nullable MeterRegistry meterRegistry;
  private final List<CustomWorkflow<?>> customWorkflows;
  private final ConnectionOptions connection;
  private final CellTimeouts timeouts;
  private final CapacityOptions capacity;
  private final TestOptions tests;
  private final WorktreePoolOptions worktrees;
  private final WorktreeSetupOptions setup;
  private final PortRange ports;
  private final SwarmWorker.Capacity cellCapacity;
  private final CellActivityOptions activityOptions;

  /**
   * What {@link SwarmWorkerBuilder} collected, unchecked across concerns; {@link #resolve} checks
   * and completes.
   */
  static final class Draft {
    @Nullable Path repository;
    @Nullable Path stateDirectory;
    @Nullable AgentFactory agentFactory;
    CellSandbox.Mode sandbox = CellSandbox.Mode.AUTO;
    CellLimits cellLimits = CellLimits.getDefaultInstance();
    List<String> repositoryHooks = List.of();
    HistoryOptions history = HistoryOptions.getDefaultInstance();
    CommitAuthor author = CommitAuthor.of("Open Swarm", "swarm@openswarm.invalid");
    SwarmMetrics metrics = SwarmMetrics.noop();
    @Nullable MeterRegistry meterRegistry;
    final List<CustomWorkflow<?>> customWorkflows = new ArrayList<>();
    ConnectionOptions connection = ConnectionOptions.getDefaultInstance();
    CellTimeouts timeouts = CellTimeouts.getDefaultInstance();
    CapacityOptions capacity = CapacityOptions.getDefaultInstance();
    @Nullable TestOptions tests;
    @Nullable WorktreePoolOptions worktrees;
    WorktreeSetupOptions setup = WorktreeSetupOptions.getDefaultInstance();
    @Nullable PortRange ports;
  }

  private SwarmWorkerOptions(
      Draft d, Path repository, Path stateDirectory, AgentFactory agentFactory, TestOptions tests) {
    this.repository = repository;
    this.stateDirectory = stateDirectory;
    this.agentFactory = agentFactory;
    this.sandbox = d.sandbox;
    this.cellLimits = d.cellLimits;
    this.repositoryHooks = d.repositoryHooks;
    this.history = d.history;
    this.author = d.author;
    this.metrics = d.metrics;
    this.meterRegistry = d.meterRegistry;
    this.customWorkflows = List.copyOf(d.customWorkflows);
    this.capacity = d.capacity;
    this.connection =
        d.connection.hostId().isPresent()
            ? d.connection
            : ConnectionOptions.newBuilder(d.connection)
                .hostId(ConnectionOptions.defaultHostId())
                .build();
    this.timeouts = d.timeouts.resolve(capacity.profile());
    Duration startToClose = timeouts.startToClose().orElseThrow();
    if (tests.timeout().compareTo(startToClose) > 0) {
      throw new IllegalArgumentException(
          String.format(
              "testTimeout (%s) must not exceed startToClose (%s): the "
                  + "activity would be killed first",
              tests.timeout(), startToClose));
    }
    this.tests = tests;
    this.ports = d.ports == null ? capacity.profile().ports() : d.ports;
    this.worktrees =
        worktrees(d.worktrees, repository, stateDirectory, capacity.maxConcurrentActivities());
    this.setup = setup(d.setup, timeouts.bootstrap());
    this.cellCapacity = cellCapacity(capacity, ports, worktrees);
    this.activityOptions =
        new CellActivityOptions(
            startToClose,
            timeouts.heartbeat().orElseThrow(),
            timeouts.teardown(),
            timeouts.bootstrap(),
            timeouts.hostScheduleToStart(),
            timeouts.maxCellAttempts());
  }

  /**
   * Checks a draft across concerns and completes it with the defaults.
   *
   * @throws IllegalStateException if the repository, the agent or the test command is missing
   * @throws IllegalArgumentException if an option is invalid or options contradict each other
   */
  static SwarmWorkerOptions resolve(Draft d) {
    if (d.repository == null) {
      throw new IllegalStateException("repository(path) must be set before build()");
    }
    if (d.agentFactory == null) {
      throw new IllegalStateException("agent(...) or openCode(...) must be set before build()");
    }
    if (d.tests == null) {
      throw new IllegalStateException(
          "testCommand(...) or tests(TestOptions) must be set before build()");
    }
    Path repo = checkedRepository(d.repository);
    Path state =
        (d.stateDirectory == null
                ? Path.of(System.getProperty("user.home"), ".openswarm", d.connection.taskQueue())
                : d.stateDirectory)
            .toAbsolutePath()
            .normalize();
    if (state.startsWith(repo)) {
      throw new IllegalArgumentException(
          String.format(
              "stateDirectory must be outside the repository (cell homes "
                  + "and logs would show up in it) but %s is inside %s",
              state, repo));
    }
    return new SwarmWorkerOptions(d, repo, state, d.agentFactory, d.tests);
  }

  private static Path checkedRepository(Path given) {
    Path repo = given.toAbsolutePath().normalize();
    if (!Files.isDirectory(repo)) {
      throw new IllegalArgumentException(
          "repository must be an existing directory but was " + repo);
    }
    if (!Files.exists(repo.resolve(".git"))) {
      boolean bare =
          Files.isRegularFile(repo.resolve("HEAD")) && Files.isDirectory(repo.resolve("objects"));
      throw new IllegalArgumentException(
          bare
              ? "repository must be a git working tree (cells check out from it and integrate into it) but "
                  + repo
                  + " is a bare repository; clone it and give the clone"
              : "repository must be a git working tree (a directory holding .git) but "
                  + repo
                  + " has no .git");
    }
    return repo;
  }

  /**
   * The pool's options: the ones given, which must be of the worker's repository, or the worker's
   * default. By default every returned worktree stays warm: trimming idle ones below the most makes
   * a busy worker remove worktrees and re-add them cold moments later (measured: a third of leases
   * went cold at 8 cells in flight).
   */
  private static WorktreePoolOptions worktrees(
      @Nullable WorktreePoolOptions given, Path repository, Path stateDirectory, int activities) {
    if (given != null) {
      if (!given.repository().equals(repository)) {
        throw new IllegalArgumentException(
            "worktrees must be of the worker's repository "
                + repository
                + " but their repository was "
                + given.repository());
      }
      return given;
    }
    int maxTotal = Math.max(4, 2 * activities);
    return WorktreePoolOptions.newBuilder()
        .repository(repository)
        .root(stateDirectory.resolve("worktrees"))
        .minIdle(1)
        .maxIdle(maxTotal)
        .maxTotal(maxTotal)
        .build();
  }

  /**
   * The set-up runs inside the bootstrap activity, so it must end before that activity's limit:
   * past it Temporal would try the bootstrap again while the first set-up still runs. A limit left
   * at its default ({@link WorktreeSetupOptions#DEFAULT_TIMEOUT}, chosen or not) becomes the
   * bootstrap's limit less {@value #SETUP_MARGIN_SECONDS} s; another that leaves less than that
   * margin is refused.
   */
  private static WorktreeSetupOptions setup(WorktreeSetupOptions given, Duration bootstrap) {
    Duration room = bootstrap.minusSeconds(SETUP_MARGIN_SECONDS);
    if (given.timeout().equals(WorktreeSetupOptions.DEFAULT_TIMEOUT)) {
      return WorktreeSetupOptions.newBuilder(given)
          .timeout(
              room.compareTo(Duration.ofSeconds(SETUP_MARGIN_SECONDS)) >= 0
                  ? room
                  : bootstrap.dividedBy(2))
          .build();
    }
    if (given.timeout().compareTo(room) > 0) {
      throw new IllegalArgumentException(
          "setup's timeout must leave "
              + SETUP_MARGIN_SECONDS
              + " s of the "
              + "bootstrap timeout ("
              + bootstrap
              + ") to the rest of the bootstrap, so at most "
              + room
              + ", but was "
              + given.timeout()
              + "; raise CellTimeouts.bootstrap(...) for a longer set-up");
    }
    return given;
  }

  /** How many cells at once: from memory, ports, worktrees and activity slots unless configured. */
  private static SwarmWorker.Capacity cellCapacity(
      CapacityOptions capacity, PortRange ports, WorktreePoolOptions worktrees) {
    long budget;
    if (capacity.memoryBudget().isPresent()) {
      budget = capacity.memoryBudget().getAsLong();
    } else {
      long total = SystemMemory.system().totalBytes();
      budget =
          total <= 0 ? Long.MAX_VALUE : (long) (total * SwarmWorker.Capacity.DEFAULT_MEMORY_SHARE);
      if (budget < capacity.memoryPerCell()) {
        throw new IllegalArgumentException(
            String.format(
                "memoryPerCell (%d bytes) must fit in the default memory "
                    + "budget (%d bytes, %.0f %% of this machine's): not even one cell would fit",
                capacity.memoryPerCell(), budget, SwarmWorker.Capacity.DEFAULT_MEMORY_SHARE * 100));
      }
    }
    return SwarmWorker.Capacity.of(
        capacity.maxConcurrentCells().orElse(0),
        capacity.memoryPerCell(),
        budget,
        ports.size(),
        worktrees.maxTotal(),
        capacity.maxConcurrentActivities());
  }

  /**
   * The repository cells work on.
   *
   * @return the repository's working tree, absolute
   */
  public Path repository() {
    return repository;
  }

  /**
   * The worker's state directory: port lock files, the lease journal, per-cell homes and logs,
   * history.
   *
   * @return the state directory, absolute
   */
  public Path stateDirectory() {
    return stateDirectory;
  }

  /**
   * Creates the cells' agent.
   *
   * @return the factory
   */
  public AgentFactory agentFactory() {
    return agentFactory;
  }

  /**
   * How cell processes are isolated.
   *
   * @return the sandbox mode
   */
  public CellSandbox.Mode sandbox() {
    return sandbox;
  }

  /**
   * What each of a cell's process trees may use, and how large a commit may be.
   *
   * @return the limits
   */
  public CellLimits cellLimits() {
    return cellLimits;
  }

  /**
   * The repository's hooks run as a check before each commit, inside the cell's sandbox.
   *
   * @return the hooks' names, unmodifiable; empty for none
   */
  public List<String> repositoryHooks() {
    return repositoryHooks;
  }

  /**
   * What is kept of each cell after it is gone: logs, reports of red tests, reverted changes as
   * refs.
   *
   * @return the history options
   */
  public HistoryOptions history() {
    return history;
  }

  /**
   * Who commits are by.
   *
   * @return the author and committer
   */
  public CommitAuthor author() {
    return author;
  }

  /**
   * Where metrics go.
   *
   * @return the metrics; a no-op when none were given
   */
  public SwarmMetrics metrics() {
    return metrics;
  }

  /**
   * The Micrometer registry the worker's and Temporal's metrics go to, if one was given.
   *
   * @return the registry, or empty
   */
  public Optional<MeterRegistry> meterRegistry() {
    return Optional.ofNullable(meterRegistry);
  }

  /** Workflows of the user's own, registered next to the built-in ones. */
  List<CustomWorkflow<?>> customWorkflows() {
    return customWorkflows;
  }

  /**
   * How the worker reaches Temporal, with its host id filled in.
   *
   * @return the connection options
   */
  public ConnectionOptions connection() {
    return connection;
  }

  /**
   * This worker's host id: the one set, or the host name and a per-JVM suffix.
   *
   * @return the host id
   */
  public String hostId() {
    return connection.hostId().orElseThrow();
  }

  /**
   * The task queue of this host, {@code <taskQueue>@<hostId>}: every step after bootstrap of this
   * worker's cells runs there.
   *
   * @return the host queue's name
   */
  public String hostQueue() {
    return connection.taskQueue() + "@" + hostId();
  }

  /**
   * The cells' time limits, with the profile's step limit and heartbeat and the agent's turn filled
   * in.
   *
   * @return the timeouts; every optional value present
   */
  public CellTimeouts timeouts() {
    return timeouts;
  }

  /**
   * The profile, concurrency and per-cell budgets.
   *
   * @return the capacity options
   */
  public CapacityOptions capacity() {
    return capacity;
  }

  /**
   * How many cells the worker runs at once, and what decided it.
   *
   * @return the capacity and what limits it
   */
  public SwarmWorker.Capacity cellCapacity() {
    return cellCapacity;
  }

  /**
   * How the repository's tests run.
   *
   * @return the test options
   */
  public TestOptions tests() {
    return tests;
  }

  /**
   * The worktree pool's options.
   *
   * @return the pool's options
   */
  public WorktreePoolOptions worktrees() {
    return worktrees;
  }

  /**
   * What each worktree gets before a cell works in it, with its time limit fitted into the
   * bootstrap's.
   *
   * @return the set-up options
   */
  public WorktreeSetupOptions setup() {
    return setup;
  }

  /**
   * The agent servers' port range.
   *
   * @return the inclusive range
   */
  public PortRange ports() {
    return ports;
  }

  /**
   * Timeouts and retry rules of the cells' activities, as workflows use them.
   *
   * @return the activity options
   */
  public CellActivityOptions activityOptions() {
    return activityOptions;
  }

  /**
   * Whether worktrees keep the files git ignores, on revert and on release: when asked, or when a
   * set-up command produced them.
   *
   * @return true when ignored files are kept
   */
  public boolean preservesIgnoredFiles() {
    return worktrees.preserveIgnored() || setup.keepsIgnoredFiles();
  }

  @Override
  public String toString() {
    return "SwarmWorkerOptions{repository="
        + repository
        + ", stateDirectory="
        + stateDirectory
        + ", sandbox="
        + sandbox
        + ", connection="
        + connection
        + ", timeouts="
        + timeouts
        + ", capacity="
        + cellCapacity
        + ", tests="
        + tests
        + ", ports="
        + ports
        + ", worktrees="
        + worktrees
        + ", setup="
        + setup
        + "}";
  }
}
