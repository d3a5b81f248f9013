package io.openswarm.temporal;

import io.micrometer.core.instrument.MeterRegistry;
import io.openswarm.core.CellId;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.sandbox.CellLimits;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.testrun.TestEnvironment;
import io.openswarm.infra.worktree.RepositoryHooks;
import io.openswarm.core.sandbox.SandboxMode;
import io.openswarm.core.worktree.CommitAuthor;
import io.openswarm.temporal.internal.SystemMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The validated, immutable options of a {@link SwarmWorker}, built by {@link SwarmWorker.Builder}.
 *
 * <p>Defaults come from the {@linkplain SwarmProfile profile} (concurrency, step timeouts, heartbeat, ports) and the
 * performance guide (teardown 2 min, stop 30 s). Each value is checked once, here, with a message naming the option,
 * the value given and what is allowed. Secrets (the API key) are never shown by {@link #toString()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class SwarmWorkerOptions {

  private final @Nullable String target;
  private final int embeddedPort;
  private final String namespace;
  private final @Nullable Path clientCertificate;
  private final @Nullable Path clientKey;
  private final @Nullable Path trustedCertificates;
  private final @Nullable String apiKey;
  private final @Nullable String embeddedServerToken;
  private final String taskQueue;
  private final String hostId;
  private final SwarmProfile profile;
  private final int maxConcurrentActivities;
  private final int maxConcurrentWorkflowTasks;
  private final int maxConcurrentLocalActivities;
  private final Duration stopTimeout;
  private final Duration closedWorkflowSweepInterval;
  private final CellLimits cellLimits;
  private final List<String> repositoryHooks;
  private final NetworkAccess testNetwork;
  private final TestEnvironment testEnvironment;
  private final boolean preserveIgnored;
  private final WorktreeSetupOptions worktreeSetup;
  private final HistoryOptions history;
  private final CellActivityOptions activityOptions;
  private final PortRange ports;
  private final Duration portWait;
  private final Path repository;
  private final Path worktreeRoot;
  private final int minIdleWorktrees;
  private final int maxIdleWorktrees;
  private final int maxWorktrees;
  private final List<String> sparseCheckout;
  private final Path stateDirectory;
  private final SwarmWorker.AgentFactory agentFactory;
  private final List<String> testCommand;
  private final Duration testTimeout;
  private final boolean verifyBase;
  private final Duration readyTimeout;
  private final Duration executeTimeout;
  private final SandboxMode sandbox;
  private final CommitAuthor author;
  private final SwarmMetrics metrics;
  private final List<SwarmWorker.CustomWorkflow<?>> customWorkflows;
  private final @Nullable MeterRegistry meterRegistry;
  private final HealthThresholds healthThresholds;
  private final SwarmCapacity capacity;
  private final @Nullable Long diskPerCell;

  SwarmWorkerOptions(SwarmWorker.Builder b) {
    // Temporal target and security.
    this.target = b.target == null ? null : validTarget(b.target);
    if (b.target != null && b.embeddedPortSet) {
      throw new IllegalArgumentException("embeddedPort applies only to the embedded server, but target was set to "
          + b.target);
    }
    if (b.embeddedPort < 0 || b.embeddedPort > 65_535) {
      throw new IllegalArgumentException("embeddedPort must be between 0 and 65535 but was " + b.embeddedPort);
    }
    this.embeddedPort = b.embeddedPort;
    this.namespace = nonBlank("namespace", b.namespace);
    boolean security = b.clientCertificate != null || b.trustedCertificates != null || b.apiKey != null;
    if (security && b.target == null) {
      throw new IllegalArgumentException(
          "TLS and API-key options apply to a Temporal cluster; set target(\"host:port\") as well (the embedded "
              + "server listens on 127.0.0.1 without TLS)");
    }
    this.clientCertificate = b.clientCertificate == null ? null : readableFile("clientCertificate",
        b.clientCertificate);
    this.clientKey = b.clientKey == null ? null : readableFile("clientKey", b.clientKey);
    this.trustedCertificates = b.trustedCertificates == null ? null : readableFile("trustedCertificates",
        b.trustedCertificates);
    if (b.apiKey != null && b.apiKey.isBlank()) {
      throw new IllegalArgumentException("apiKey must not be blank");
    }
    this.apiKey = b.apiKey;
    this.embeddedServerToken = b.embeddedServerToken == null ? null : validToken(b);

    // Queues and host.
    this.taskQueue = nonBlank("taskQueue", b.taskQueue);
    if (taskQueue.contains("@")) {
      throw new IllegalArgumentException(
          "taskQueue must not contain '@' (it separates the host queue's name) but was " + taskQueue);
    }
    String host = b.hostId == null ? SwarmWorker.defaultHostId() : b.hostId;
    try {
      CellId.of(host);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().replaceFirst("^cellId", "hostId"), e);
    }
    this.hostId = host;

    // Concurrency and timeouts, from the profile unless overridden.
    this.profile = b.profile;
    this.maxConcurrentActivities = atLeastOne("maxConcurrentActivities",
        orDefault(b.maxConcurrentActivities, profile.activityConcurrency()));
    this.maxConcurrentWorkflowTasks = atLeastOne("maxConcurrentWorkflowTasks",
        orDefault(b.maxConcurrentWorkflowTasks, profile.workflowTaskConcurrency()));
    this.maxConcurrentLocalActivities = atLeastOne("maxConcurrentLocalActivities",
        orDefault(b.maxConcurrentLocalActivities, profile.localActivityConcurrency()));
    Duration startToClose = positive("startToCloseTimeout",
        b.startToCloseTimeout == null ? profile.startToCloseTimeout() : b.startToCloseTimeout);
    Duration heartbeat = positive("heartbeatTimeout",
        b.heartbeatTimeout == null ? profile.heartbeatTimeout() : b.heartbeatTimeout);
    if (heartbeat.compareTo(startToClose) >= 0) {
      throw new IllegalArgumentException(String.format(
          "heartbeatTimeout (%s) must be shorter than startToCloseTimeout (%s)", heartbeat, startToClose));
    }
    Duration teardown = positive("teardownTimeout",
        b.teardownTimeout == null ? profile.teardownTimeout() : b.teardownTimeout);
    this.stopTimeout = positive("stopTimeout", b.stopTimeout == null ? profile.stopTimeout() : b.stopTimeout);
    this.closedWorkflowSweepInterval = positive("closedWorkflowSweepInterval", b.closedWorkflowSweepInterval);
    this.cellLimits = b.cellLimits;
    for (String hook : b.repositoryHooks) {
      if (!RepositoryHooks.SUPPORTED.contains(hook)) {
        throw new IllegalArgumentException("repositoryHooks may name pre-commit and commit-msg but was given \""
            + hook + "\"");
      }
    }
    this.repositoryHooks = List.copyOf(new java.util.LinkedHashSet<>(b.repositoryHooks));
    this.testNetwork = b.testNetwork;
    this.testEnvironment = b.testEnvironment;
    this.preserveIgnored = b.preserveIgnored;
    this.verifyBase = b.verifyBase;
    this.history = b.history;
    if (b.maxCellAttempts < 1 || b.maxCellAttempts > 10) {
      throw new IllegalArgumentException("maxCellAttempts must be between 1 and 10 but was " + b.maxCellAttempts);
    }
    this.activityOptions = new CellActivityOptions(startToClose, heartbeat, teardown,
        positive("bootstrapTimeout", b.bootstrapTimeout),
        positive("hostScheduleToStartTimeout", b.hostScheduleToStartTimeout), b.maxCellAttempts);
    this.worktreeSetup = worktreeSetup(b, b.bootstrapTimeout);

    // Ports.
    PortRange range = b.ports == null ? profile.ports() : new PortRange(b.ports.min(), b.ports.max());
    if (range.min() < PortRange.FIRST_UNPRIVILEGED_PORT) {
      throw new IllegalArgumentException(String.format(
          "ports %s include privileged ports (below %d); use a range starting at %d or above", range,
          PortRange.FIRST_UNPRIVILEGED_PORT, PortRange.FIRST_UNPRIVILEGED_PORT));
    }
    this.ports = range;
    this.portWait = nonNegative("portWait", b.portWait);

    // Repository, worktrees and state.
    if (b.repository == null) {
      throw new IllegalStateException("repository(path) must be set before build()");
    }
    Path repo = b.repository.toAbsolutePath().normalize();
    if (!Files.isDirectory(repo)) {
      throw new IllegalArgumentException("repository must be an existing directory but was " + repo);
    }
    if (!Files.exists(repo.resolve(".git"))) {
      boolean bare = Files.isRegularFile(repo.resolve("HEAD")) && Files.isDirectory(repo.resolve("objects"));
      throw new IllegalArgumentException(bare
          ? "repository must be a git working tree (cells check out from it and integrate into it) but " + repo
              + " is a bare repository; clone it and give the clone"
          : "repository must be a git working tree (a directory holding .git) but " + repo + " has no .git");
    }
    this.repository = repo;
    this.stateDirectory = (b.stateDirectory == null
        ? Path.of(System.getProperty("user.home"), ".openswarm", taskQueue)
        : b.stateDirectory).toAbsolutePath().normalize();
    if (stateDirectory.startsWith(repository)) {
      throw new IllegalArgumentException(String.format(
          "stateDirectory must be outside the repository (cell homes and logs would show up in it) but %s is "
              + "inside %s", stateDirectory, repository));
    }
    this.worktreeRoot = (b.worktreeRoot == null ? stateDirectory.resolve("worktrees") : b.worktreeRoot)
        .toAbsolutePath().normalize();
    int maxTotal = b.maxWorktrees == null ? Math.max(4, 2 * maxConcurrentActivities) : b.maxWorktrees;
    // By default every returned worktree stays warm: trimming idle ones below maxTotal makes a busy worker remove
    // worktrees and re-add them cold moments later (measured: a third of leases went cold at 8 cells in flight).
    int maxIdle = b.maxIdleWorktrees == null ? maxTotal : b.maxIdleWorktrees;
    if (b.minIdleWorktrees < 0 || maxIdle < b.minIdleWorktrees || maxTotal < 1 || maxIdle > maxTotal) {
      throw new IllegalArgumentException(String.format(
          "worktree pool sizes must satisfy 0 <= minIdle <= maxIdle <= maxTotal and maxTotal >= 1 but were "
              + "minIdle=%d, maxIdle=%d, maxTotal=%d", b.minIdleWorktrees, maxIdle, maxTotal));
    }
    this.minIdleWorktrees = b.minIdleWorktrees;
    this.maxIdleWorktrees = maxIdle;
    this.maxWorktrees = maxTotal;
    this.sparseCheckout = List.copyOf(b.sparseCheckout);

    // Agent and tests.
    if (b.agentFactory == null) {
      throw new IllegalStateException("agent(...) must be set before build()");
    }
    this.agentFactory = b.agentFactory;
    if (b.testCommand == null) {
      throw new IllegalStateException("testCommand(command) must be set before build()");
    }
    if (b.testCommand.isEmpty() || b.testCommand.get(0).isBlank()) {
      throw new IllegalArgumentException("testCommand must name a program as its first argument but was "
          + b.testCommand);
    }
    this.testCommand = b.testCommand;
    this.testTimeout = positive("testTimeout", b.testTimeout);
    this.readyTimeout = positive("readyTimeout", b.readyTimeout);
    Duration turn = b.executeTimeout == null
        ? (startToClose.compareTo(Duration.ofMinutes(1)) > 0 ? startToClose.minusSeconds(30) : startToClose)
        : positive("executeTimeout", b.executeTimeout);
    if (turn.compareTo(startToClose) > 0) {
      throw new IllegalArgumentException(String.format(
          "executeTimeout (%s) must not exceed startToCloseTimeout (%s): the activity would be killed first",
          turn, startToClose));
    }
    this.executeTimeout = turn;
    if (testTimeout.compareTo(startToClose) > 0) {
      throw new IllegalArgumentException(String.format(
          "testTimeout (%s) must not exceed startToCloseTimeout (%s): the activity would be killed first",
          testTimeout, startToClose));
    }
    this.sandbox = b.sandbox;
    this.author = b.author;
    this.metrics = b.metrics;
    this.customWorkflows = List.copyOf(b.customWorkflows);
    this.meterRegistry = b.meterRegistry;
    this.healthThresholds = b.healthThresholds;

    // Capacity: how many cells at once, from memory, ports, worktrees and activity slots unless configured.
    if (b.memoryPerCell < MIN_MEMORY_PER_CELL) {
      throw new IllegalArgumentException(String.format(
          "memoryPerCell must be at least %d bytes (1 MiB) but was %d", MIN_MEMORY_PER_CELL, b.memoryPerCell));
    }
    long budget;
    if (b.memoryBudget != null) {
      budget = b.memoryBudget;
    } else {
      long total = SystemMemory.system().totalBytes();
      budget = total <= 0 ? Long.MAX_VALUE : (long) (total * SwarmCapacity.DEFAULT_MEMORY_SHARE);
    }
    if (budget < b.memoryPerCell) {
      throw new IllegalArgumentException(String.format(
          "memoryBudget (%d bytes) must be at least memoryPerCell (%d bytes): not even one cell would fit", budget,
          b.memoryPerCell));
    }
    if (b.maxConcurrentCells != null) {
      if (b.maxConcurrentCells < 1) {
        throw new IllegalArgumentException("maxConcurrentCells must be at least 1 but was " + b.maxConcurrentCells);
      }
      if (b.maxConcurrentCells > maxConcurrentActivities) {
        throw new IllegalArgumentException(String.format(
            "maxConcurrentCells (%d) must not exceed maxConcurrentActivities (%d): a live cell's next step would wait"
                + " for a slot on its host queue until the host is presumed lost", b.maxConcurrentCells,
            maxConcurrentActivities));
      }
    }
    this.capacity = SwarmCapacity.of(b.maxConcurrentCells == null ? 0 : b.maxConcurrentCells, b.memoryPerCell,
        budget, ports.size(), maxWorktrees, maxConcurrentActivities);
    if (b.diskPerCell != null && b.diskPerCell < MIN_DISK_PER_CELL) {
      throw new IllegalArgumentException(String.format(
          "diskPerCell must be at least %d bytes (1 MiB) but was %d", MIN_DISK_PER_CELL, b.diskPerCell));
    }
    this.diskPerCell = b.diskPerCell;
  }

  /** The smallest per-cell disk budget accepted. */
  static final long MIN_DISK_PER_CELL = 1L << 20;

  /**
   * How many times the measured size of one worktree a new cell is budgeted on disk when {@link #diskPerCell()} is
   * not set: the checkout itself, and as much again for what its build and tests write (target/, node_modules/,
   * caches in the cell's folder).
   */
  public static final int DEFAULT_DISK_PER_CELL_FACTOR = 2;

  /** The smallest per-cell memory budget accepted. */
  static final long MIN_MEMORY_PER_CELL = 1L << 20;

  /**
   * The Temporal cluster's {@code host:port}, or null for the embedded server.
   *
   * @return the {@code host:port}, or null
   */
  public @Nullable String target() {
    return target;
  }

  /**
   * The embedded server's port (0: chosen by the system).
   *
   * @return the port, 0 to 65535
   */
  public int embeddedPort() {
    return embeddedPort;
  }

  /**
   * The Temporal namespace.
   *
   * @return the namespace
   */
  public String namespace() {
    return namespace;
  }

  /**
   * The mTLS client certificate, if any.
   *
   * @return the certificate chain's file, or empty
   */
  public Optional<Path> clientCertificate() {
    return Optional.ofNullable(clientCertificate);
  }

  /**
   * The mTLS client private key, if any.
   *
   * @return the private key's file, or empty
   */
  public Optional<Path> clientKey() {
    return Optional.ofNullable(clientKey);
  }

  /**
   * Trusted CA certificates for TLS, if any.
   *
   * @return the CA certificates' file, or empty for the system's
   */
  public Optional<Path> trustedCertificates() {
    return Optional.ofNullable(trustedCertificates);
  }

  /**
   * The API key, if any. Never log it.
   *
   * @return the API key, or empty
   */
  public Optional<String> apiKey() {
    return Optional.ofNullable(apiKey);
  }

  /**
   * The token of another worker's embedded server this worker joins (see {@link
   * SwarmWorker.Builder#embeddedServerToken}), if any. Never log it.
   *
   * @return the token, or empty
   */
  public Optional<String> embeddedServerToken() {
    return Optional.ofNullable(embeddedServerToken);
  }

  /**
   * Whether the connection to the target uses TLS.
   *
   * @return true when TLS is used
   */
  public boolean tls() {
    return clientCertificate != null || trustedCertificates != null || apiKey != null;
  }

  /**
   * The shared task queue.
   *
   * @return the queue's name
   */
  public String taskQueue() {
    return taskQueue;
  }

  /**
   * This worker's host id.
   *
   * @return the host id
   */
  public String hostId() {
    return hostId;
  }

  /**
   * The profile the defaults came from.
   *
   * @return the profile
   */
  public SwarmProfile profile() {
    return profile;
  }

  /**
   * Maximum concurrent activities per queue.
   *
   * @return the limit, at least 1
   */
  public int maxConcurrentActivities() {
    return maxConcurrentActivities;
  }

  /**
   * Maximum concurrent workflow tasks.
   *
   * @return the limit, at least 1
   */
  public int maxConcurrentWorkflowTasks() {
    return maxConcurrentWorkflowTasks;
  }

  /**
   * Maximum concurrent local activities.
   *
   * @return the limit, at least 1
   */
  public int maxConcurrentLocalActivities() {
    return maxConcurrentLocalActivities;
  }

  /**
   * How long stopping lets running cells finish.
   *
   * @return the grace period; positive
   */
  public Duration stopTimeout() {
    return stopTimeout;
  }

  /**
   * Whether the test command shares the host's network.
   *
   * @return the network access
   */
  public NetworkAccess testNetwork() {
    return testNetwork;
  }

  /**
   * What each worktree gets before a cell works in it: the set-up command, its inputs, files copied from the
   * checkout, submodules; nothing by default.
   *
   * @return the set-up options
   */
  public WorktreeSetupOptions worktreeSetup() {
    return worktreeSetup;
  }

  /**
   * The world of every test run: variables, caches and home files.
   *
   * @return the tests' world
   */
  public TestEnvironment testEnvironment() {
    return testEnvironment;
  }

  /**
   * Whether reverting a cell keeps the files git ignores.
   *
   * @return true when ignored files are kept
   */
  public boolean preserveIgnored() {
    return preserveIgnored;
  }

  /**
   * What is kept of each cell after it is gone: logs, reports of red tests, reverted changes as refs.
   *
   * @return the history options
   */
  public HistoryOptions history() {
    return history;
  }

  /**
   * The repository's hooks run as a check before each commit, inside the cell's sandbox; empty for none.
   *
   * @return the hooks' names, unmodifiable; empty for none
   */
  public List<String> repositoryHooks() {
    return repositoryHooks;
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
   * How often the worker tears down cells whose workflow closed without tearing them down.
   *
   * @return the interval; positive
   */
  public Duration closedWorkflowSweepInterval() {
    return closedWorkflowSweepInterval;
  }

  /**
   * Timeouts and retry rules of the cells' activities.
   *
   * @return the activity options
   */
  public CellActivityOptions activityOptions() {
    return activityOptions;
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
   * How long bootstrap waits for a port.
   *
   * @return the wait; not negative
   */
  public Duration portWait() {
    return portWait;
  }

  /**
   * The repository cells work on.
   *
   * @return the repository's working tree
   */
  public Path repository() {
    return repository;
  }

  /**
   * Where worktrees live.
   *
   * @return the worktrees' directory
   */
  public Path worktreeRoot() {
    return worktreeRoot;
  }

  /**
   * Warm worktrees kept ready.
   *
   * @return the number
   */
  public int minIdleWorktrees() {
    return minIdleWorktrees;
  }

  /**
   * Warm worktrees kept at most.
   *
   * @return the number
   */
  public int maxIdleWorktrees() {
    return maxIdleWorktrees;
  }

  /**
   * Worktrees at most at once.
   *
   * @return the number
   */
  public int maxWorktrees() {
    return maxWorktrees;
  }

  /**
   * The directories worktrees materialize (a sparse checkout); empty for full checkouts.
   *
   * @return the directories, unmodifiable; empty for full checkouts
   */
  public List<String> sparseCheckout() {
    return sparseCheckout;
  }

  /**
   * The worker's state directory.
   *
   * @return the state directory
   */
  public Path stateDirectory() {
    return stateDirectory;
  }

  /**
   * Creates the cells' agent.
   *
   * @return the factory
   */
  public SwarmWorker.AgentFactory agentFactory() {
    return agentFactory;
  }

  /**
   * The default test command.
   *
   * @return the program and its arguments, unmodifiable
   */
  public List<String> testCommand() {
    return testCommand;
  }

  /**
   * The default limit on a test run.
   *
   * @return the limit; positive
   */
  public Duration testTimeout() {
    return testTimeout;
  }

  /**
   * Whether cells check their base before the agent works, unless their task or DAG says otherwise.
   *
   * @return the worker's default for the base check
   */
  public boolean verifyBase() {
    return verifyBase;
  }

  /**
   * How long an agent may take to become ready.
   *
   * @return the limit; positive
   */
  public Duration readyTimeout() {
    return readyTimeout;
  }

  /**
   * The default limit on an agent's turn.
   *
   * @return the limit; positive
   */
  public Duration executeTimeout() {
    return executeTimeout;
  }

  /**
   * How cell processes are isolated.
   *
   * @return the sandbox mode
   */
  public SandboxMode sandbox() {
    return sandbox;
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

  /** Workflows of the user's own registered next to the built-in ones. */
  List<SwarmWorker.CustomWorkflow<?>> customWorkflows() {
    return customWorkflows;
  }

  /**
   * The Micrometer registry the worker's and Temporal's metrics go to, if one was given.
   *
   * @return the registry, or empty
   */
  public Optional<MeterRegistry> meterRegistry() {
    return Optional.ofNullable(meterRegistry);
  }

  /**
   * The thresholds of {@link SwarmWorker#health()}; the memory one is also the admission ceiling.
   *
   * @return the thresholds
   */
  public HealthThresholds healthThresholds() {
    return healthThresholds;
  }

  /**
   * How many cells the worker runs at once, and why.
   *
   * @return the capacity and what limits it
   */
  public SwarmCapacity capacity() {
    return capacity;
  }

  /**
   * The disk one new cell is budgeted, in bytes, if set; by default {@value #DEFAULT_DISK_PER_CELL_FACTOR} times the
   * size of the pool's first worktree, measured once when it exists.
   *
   * @return the budget in bytes, or empty for the default
   */
  public OptionalLong diskPerCell() {
    return diskPerCell == null ? OptionalLong.empty() : OptionalLong.of(diskPerCell);
  }

  /**
   * The most cells the worker runs at once.
   *
   * @return the limit, at least 1
   */
  public int maxConcurrentCells() {
    return capacity.maxCells();
  }

  @Override
  public String toString() {
    return "SwarmWorkerOptions{target=" + (target == null ? "embedded" : target) + ", namespace=" + namespace
        + ", tls=" + tls() + ", apiKey=" + (apiKey == null ? "none" : "***")
        + ", embeddedServerToken=" + (embeddedServerToken == null ? "none" : "***") + ", taskQueue=" + taskQueue
        + ", hostId=" + hostId + ", profile=" + profile + ", maxConcurrentActivities=" + maxConcurrentActivities
        + ", maxConcurrentCells=" + capacity.maxCells() + ", activityOptions=" + activityOptions + ", ports=" + ports
        + ", repository=" + repository + ", stateDirectory=" + stateDirectory + ", testCommand=" + testCommand
        + ", verifyBase=" + verifyBase + ", worktreeSetup=" + worktreeSetup
        + (sparseCheckout.isEmpty() ? "" : ", sparseCheckout=" + sparseCheckout)
        + ", sandbox=" + sandbox + "}";
  }

  /** How much of the bootstrap's limit the set-up leaves to the rest of the bootstrap. */
  private static final long SETUP_MARGIN_SECONDS = 30;

  /**
   * The set-up runs inside the bootstrap activity, so it must end before that activity's limit: past it Temporal
   * would try the bootstrap again while the first set-up still runs. By default it gets the bootstrap's limit less
   * {@value #SETUP_MARGIN_SECONDS} s for the rest of the bootstrap.
   */
  private static WorktreeSetupOptions worktreeSetup(SwarmWorker.Builder b, Duration bootstrapTimeout) {
    Duration room = bootstrapTimeout.minusSeconds(SETUP_MARGIN_SECONDS);
    WorktreeSetupOptions.Builder setup;
    try {
      setup = WorktreeSetupOptions.newBuilder(b.worktreeSetup.build());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(String.valueOf(e.getMessage()).replaceFirst("^inputs", "setupInputs")
          .replace("set command(...) too", "set setupCommand(...) too"), e);
    }
    if (b.setupTimeout != null) {
      if (b.setupTimeout.compareTo(room) > 0) {
        throw new IllegalArgumentException("setupTimeout must leave " + SETUP_MARGIN_SECONDS + " s of the "
            + "bootstrapTimeout (" + bootstrapTimeout + ") to the rest of the bootstrap, so at most " + room
            + ", but was " + b.setupTimeout + "; raise bootstrapTimeout(...) for a longer set-up");
      }
      setup.timeout(b.setupTimeout);
    } else if (room.compareTo(Duration.ofSeconds(SETUP_MARGIN_SECONDS)) >= 0) {
      setup.timeout(room);
    } else {
      setup.timeout(bootstrapTimeout.dividedBy(2));
    }
    return setup.build();
  }

  /** The token must be joinable: with a target, without TLS or an API key, and fit for a gRPC header. */
  private static String validToken(SwarmWorker.Builder b) {
    String token = java.util.Objects.requireNonNull(b.embeddedServerToken);
    if (b.target == null) {
      throw new IllegalArgumentException("embeddedServerToken joins another worker's embedded server; set target("
          + "\"host:port\") to that worker's temporalTarget() as well (a worker that embeds its server makes its own"
          + " token)");
    }
    if (b.clientCertificate != null || b.trustedCertificates != null || b.apiKey != null) {
      throw new IllegalArgumentException("embeddedServerToken cannot be combined with clientCertificate,"
          + " trustedCertificates or apiKey: an embedded server speaks neither TLS nor API keys");
    }
    // The value is a secret: the messages say what is wrong with it, never what it is.
    if (token.isEmpty()) {
      throw new IllegalArgumentException("embeddedServerToken must not be empty");
    }
    if (!token.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_'))) {
      throw new IllegalArgumentException("embeddedServerToken must be what another worker's embeddedServerToken()"
          + " returned (base64url: A-Z, a-z, 0-9, '-' and '_'), but it holds another character (the value is not"
          + " shown: it is a secret)");
    }
    return token;
  }

  private static String validTarget(String target) {
    int colon = target.lastIndexOf(':');
    String port = colon < 0 ? "" : target.substring(colon + 1);
    boolean valid = colon > 0 && !port.isEmpty() && port.chars().allMatch(Character::isDigit) && port.length() <= 5
        && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65_535
        && target.substring(0, colon).chars().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
    if (!valid) {
      throw new IllegalArgumentException(
          "target must be host:port with a port between 1 and 65535 (for example temporal.internal:7233) but was \""
              + target + "\"");
    }
    return target;
  }

  private static Path readableFile(String name, Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(name + " must be a readable file but was " + file.toAbsolutePath());
    }
    return file.toAbsolutePath();
  }

  private static String nonBlank(String name, String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  private static int orDefault(@Nullable Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  private static int atLeastOne(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1 but was " + value);
    }
    return value;
  }

  private static Duration positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive but was " + value);
    }
    return value;
  }

  private static Duration nonNegative(String name, Duration value) {
    if (value.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative but was " + value);
    }
    return value;
  }
}
