package io.openswarm.temporal.internal;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.MeterRegistry;
import io.openswarm.core.CellStep;
import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.lifecycle.CellSteps;
import io.openswarm.core.metrics.SwarmMetrics;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.port.PortProbe;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.worktree.WorktreeSetup;
import io.openswarm.infra.git.GitResult;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.history.CellHistoryStore;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.OrphanReaper;
import io.openswarm.infra.process.OrphanKill;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.infra.sandbox.SandboxProbe;
import io.openswarm.infra.setup.CommandWorktreeSetup;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.infra.worktree.GitBranchIntegration;
import io.openswarm.infra.worktree.GitWorktreeChanges;
import io.openswarm.infra.worktree.RepositoryHooks;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.DagWorkflow;
import io.openswarm.temporal.SwarmHealth;
import io.openswarm.temporal.SwarmWorkerOptions;
import io.openswarm.temporal.TcrWorkflow;
import io.openswarm.temporal.metrics.MicrometerSwarmMetrics;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running swarm, assembled from a worker's validated options: the Temporal server or
 * connection, the sandboxed process supervisor (after reaping what a dead worker on the same state
 * directory left), the port manager, the worktree pool, admission and health, the cell steps, and
 * the two Temporal workers (the shared queue's and the host's). Everything it acquires is pushed on
 * one {@link ResourceStack} as it is acquired, so a start that fails half-way releases what it had,
 * and {@link #close()} releases everything in reverse.
 *
 * <p>Its parts never change once assembled. Thread-safe for the reads the worker makes; {@link
 * #startPolling()}, {@link #drain(Duration)} and {@link #close()} run under the worker's lifecycle
 * lock.
 */
public final class SwarmAssembly implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SwarmAssembly.class);

  /** How often a running step heartbeats, and so how soon a cancellation reaches it. */
  static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

  /** How often admission re-examines waiting pollers when nothing else prompts it. */
  static final Duration ADMISSION_TICK = Duration.ofMillis(200);

  /** How often the worker checks its health by itself (and logs warnings that appear or clear). */
  static final Duration HEALTH_INTERVAL = Duration.ofSeconds(15);

  private static final int DEFAULT_NEXUS_SLOTS = 100;

  /**
   * The tag every meter of a worker carries, Temporal's SDK meters included: the worker's host id.
   */
  private static final String HOST_TAG = "host";

  /** The name prefix of Temporal's SDK meters in a Micrometer registry. */
  private static final String TEMPORAL_METER_PREFIX = "temporal_";

  private final SwarmWorkerOptions options;
  private final long startNanos = System.nanoTime();
  private final ResourceStack resources;
  private final BooleanSupplier running;
  private final @Nullable EmbeddedTemporalServer embedded;
  private final TemporalConnection connection;
  private final boolean joinedTestServer;
  private final CellSandbox sandbox;
  private final ProcessSupervisor supervisor;
  private final Path cellsDirectory;
  private final PortManager ports;
  private final WorktreePool pool;
  private final ScheduledExecutorService monitor;
  private final DiskBudget diskBudget;
  private final OutcomeWindow outcomes;
  private final CellAdmission admission;
  private final WorkerHealth health;
  private final SwarmMetrics metrics;
  private final AgentRuntime agent;
  private final GitBranchIntegration integrator = GitBranchIntegration.create();
  private final CellHistoryStore history;
  private final CellSteps steps;
  private final ClosedWorkflowSweeper sweeper;
  private final WorkerFactory sharedFactory;
  private final WorkerFactory hostFactory;

  private SwarmAssembly(
      SwarmWorkerOptions options,
      WorkerHooks hooks,
      ResourceStack resources,
      BooleanSupplier running,
      BooleanSupplier stopping,
      BiConsumer<Worker, CellActivityOptions> customWorkflows) {
    this.options = options;
    this.resources = resources;
    this.running = running;
    createDirectories(options.stateDirectory());
    this.embedded =
        options.connection().target().isPresent()
            ? null
            : resources.push(EmbeddedTemporalServer.start(options.connection().embeddedPort()));
    this.connection = resources.push(connect());
    // Only a worker that joined a test server another JVM or worker runs can leave while that
    // server goes on; the
    // one that embeds it takes the server down with it, so its workflow tasks may stick to it.
    this.joinedTestServer = embedded == null && connection.isJavaTestServer();
    if (joinedTestServer) {
      log.info(
          "swarm worker {}: Temporal at {} is a Java test server this worker joined: sticky workflow execution"
              + " off, since that server never moves a workflow task off the sticky queue of a worker that left",
          options.hostId(),
          target());
    }
    this.sandbox = SandboxDetector.system().select(options.sandbox());
    OrphanReaper reaper =
        new OrphanReaper(LeaseJournal.open(options.stateDirectory().resolve("journal")));
    this.supervisor = resources.push(supervisor(reaper));
    this.cellsDirectory = cellsDirectory(reaper);
    this.ports =
        PortManager.newBuilder()
            .range(options.ports().min(), options.ports().max())
            .probe(hooks.decorateProbe(PortProbe.bind()))
            .leaseDirectory(options.stateDirectory().resolve("ports"))
            .build();
    this.pool = resources.push(pool());
    pool.start();
    // Two threads: health checks make RPCs that may be slow; admission's tick must not wait behind
    // them.
    this.monitor = executor("swarm-health-" + options.hostId());
    ScheduledExecutorService admissionTicks = executor("swarm-admission-" + options.hostId());
    SystemMemory memory = SystemMemory.system();
    DiskSpace disk = DiskSpace.of(List.of(options.worktrees().root(), options.stateDirectory()));
    this.diskBudget = new DiskBudget(options.capacity().diskPerCell(), options.hostId());
    this.outcomes =
        new OutcomeWindow(
            options.capacity().healthThresholds().errorRateWindow(), System::nanoTime);
    this.admission = resources.push(admission(memory, disk, admissionTicks));
    WorkflowClient client = connection.client();
    BacklogProbe backlog =
        new BacklogProbe(
            client.getWorkflowServiceStubs(),
            options.connection().namespace(),
            options.connection().taskQueue(),
            embedded != null || connection.isJavaTestServer());
    this.health =
        new WorkerHealth(
            new WorkerHealth.Sources(
                outcomes, backlog, admission, ports, memory, disk, diskBudget, this::liveCells),
            options.hostId(),
            options.cellCapacity().maxCells(),
            options.sandbox() == CellSandbox.Mode.AUTO && !sandbox.isolating(),
            options.capacity().healthThresholds());
    this.metrics = metrics();
    this.agent = options.agentFactory().create(supervisor);
    checkSandboxShowsWhatCellsNeed();
    this.history = openHistory();
    this.steps = steps(hooks);
    ScheduledExecutorService heartbeats =
        Executors.newScheduledThreadPool(1, daemonThreads("swarm-heartbeat"));
    resources.push(heartbeats::shutdownNow);
    // A workflow that is terminated or times out never runs its teardown activity; the sweeper does
    // it instead.
    this.sweeper =
        resources.push(
            new ClosedWorkflowSweeper(
                steps::find,
                steps::teardown,
                ClosedWorkflowSweeper.askingTemporal(
                    client.getWorkflowServiceStubs(), options.connection().namespace()),
                options.timeouts().closedWorkflowSweepInterval(),
                System::nanoTime,
                options.hostId()));
    CellActivitiesImpl activities =
        new CellActivitiesImpl(
            steps, options.hostQueue(), heartbeats, HEARTBEAT_INTERVAL, stopping, sweeper);
    this.sharedFactory = sharedWorker(client, activities, customWorkflows);
    this.hostFactory = WorkerFactory.newInstance(client);
    hostFactory
        .newWorker(options.hostQueue(), hostWorkerOptions())
        .registerActivitiesImplementations(activities);
  }

  /**
   * Assembles a swarm; nothing polls yet. What was acquired before a failure is released before the
   * failure is thrown.
   *
   * @param options the worker's options
   * @param hooks the test seams
   * @param running whether the worker is running (the health monitor checks only then)
   * @param stopping whether the worker is stopping or stopped (running steps then give up quickly)
   * @param customWorkflows registers the user's workflows on the shared queue's worker
   * @return the swarm
   * @throws IllegalStateException if a facility the options ask for is unavailable
   * @throws UncheckedIOException if the state directory cannot be created or the embedded server
   *     cannot bind
   */
  public static SwarmAssembly assemble(
      SwarmWorkerOptions options,
      WorkerHooks hooks,
      BooleanSupplier running,
      BooleanSupplier stopping,
      BiConsumer<Worker, CellActivityOptions> customWorkflows) {
    ResourceStack resources = new ResourceStack(options.hostId());
    try {
      return new SwarmAssembly(options, hooks, resources, running, stopping, customWorkflows);
    } catch (RuntimeException | Error e) {
      resources.close();
      throw e;
    }
  }

  /** Starts polling both queues, the health monitor and the sweeper, and says so in the log. */
  public void startPolling() {
    hostFactory.start();
    sharedFactory.start();
    monitor.scheduleWithFixedDelay(
        this::monitorHealth,
        HEALTH_INTERVAL.toMillis(),
        HEALTH_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
    sweeper.start();
    log.info(
        "swarm worker {} started in {} ms: Temporal {}{}, queues {} and {}, ports {}, repository {}, agent {},"
            + " sandbox {}, capacity {}",
        options.hostId(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
        target(),
        embedded != null ? " (embedded)" : "",
        options.connection().taskQueue(),
        options.hostQueue(),
        options.ports(),
        options.repository(),
        agent.name(),
        sandbox.description(),
        options.cellCapacity());
  }

  private TemporalConnection connect() {
    MeterRegistry registry = options.meterRegistry().orElse(null);
    Scope temporalMetrics = null;
    if (registry != null) {
      // Temporal's SDK reports through tally; its Micrometer reporter puts those metrics in the
      // same registry.
      // Tagged with the host id like the worker's own meters, so that closing removes this worker's
      // SDK meters
      // (after the scope's last report) and leaves other workers' in a shared registry alone.
      String hostId = options.hostId();
      resources.push(
          () ->
              registry.getMeters().stream()
                  .filter(
                      meter ->
                          meter.getId().getName().startsWith(TEMPORAL_METER_PREFIX)
                              && hostId.equals(meter.getId().getTag(HOST_TAG)))
                  .toList()
                  .forEach(registry::remove));
      temporalMetrics =
          new RootScopeBuilder()
              .tags(Map.of(HOST_TAG, hostId))
              .reporter(new MicrometerClientStatsReporter(registry))
              .reportEvery(com.uber.m3.util.Duration.ofSeconds(1));
      resources.push(temporalMetrics::close);
    }
    EmbeddedTemporalServer server = embedded;
    return server != null
        ? TemporalConnection.open(server, options.connection(), temporalMetrics)
        : TemporalConnection.open(target(), options.connection(), temporalMetrics);
  }

  /**
   * The process supervisor of every cell process, after the processes a crashed worker on this
   * state directory left running were killed. No cell reads the worker's state (other cells, the
   * journal), other worktrees, the user's checkout or the credentials given to the worker; its own
   * folders come back inside, and the repository's git directory read-only.
   */
  private ProcessSupervisor supervisor(OrphanReaper reaper) {
    List<Path> hidden =
        new ArrayList<>(
            List.of(options.stateDirectory(), options.worktrees().root(), options.repository()));
    options.connection().clientCertificate().ifPresent(hidden::add);
    options.connection().clientKey().ifPresent(hidden::add);
    options.connection().trustedCertificates().ifPresent(hidden::add);
    ProcessSupervisor processes =
        ProcessSupervisor.newBuilder()
            .sandbox(sandbox)
            .listener(reaper.processListener())
            .hiddenPaths(hidden)
            .limits(options.cellLimits())
            .build();
    try {
      Map<OrphanKill, Integer> reaped = reaper.reap(processes, ProcessSupervisor.DEFAULT_KILL_WAIT);
      if (!reaped.isEmpty()) {
        log.info(
            "swarm worker {}: reaped processes of a dead worker: {}", options.hostId(), reaped);
      }
    } catch (RuntimeException | Error e) {
      processes.close();
      throw e;
    }
    return processes;
  }

  /**
   * The folder of this JVM's cells' state directories (agent homes, caches, logs), recorded in the
   * journal, so that a worker that starts after a crash deletes those of the dead one. A dead one's
   * cells may have left trees no path can reach (deeper than PATH_MAX): what cannot be deleted is
   * moved aside, never allowed to stop this start.
   */
  private Path cellsDirectory(OrphanReaper reaper) {
    Path stateDirectory = options.stateDirectory();
    Path cellsRoot = stateDirectory.resolve("cells");
    OrphanReaper.DirectoryReaping directories =
        reaper.reapDirectories(cellsRoot, stateDirectory.resolve("quarantine"));
    if (directories.needsAttention()) {
      log.warn(
          "swarm worker {}: state directories of a dead worker could not be deleted: moved aside {}, left {} "
              + "(retried at the next start)",
          options.hostId(),
          directories.quarantined(),
          directories.kept());
    }
    String session = LeaseJournal.sessionId().substring(0, 12);
    String cellsKey = "cells-" + session;
    Path cells = cellsRoot.resolve(session);
    reaper.recordDirectory(cellsKey, cells);
    resources.push(
        () -> {
          // Left with its record when this fails: the next start on this state directory reaps it.
          TreeDeleter.deleteRecursively(cells);
          reaper.releaseDirectory(cellsKey);
        });
    return cells;
  }

  private WorktreePool pool() {
    return WorktreePool.create(
        WorktreePoolOptions.newBuilder(options.worktrees())
            // Unsandboxed, a process a cell left behind may still write into its returned worktree.
            .cleanOnReuse(options.worktrees().cleanOnReuse() || !sandbox.isolating())
            // What a set-up command installed is ignored files; kept, a warm worktree needs no
            // set-up again. Kept too
            // when the user asked for ignored files to survive: a revert that keeps them is of no
            // use to the next cell
            // if the release then removes them.
            .preserveIgnored(options.preservesIgnoredFiles())
            .build());
  }

  /**
   * Admission leaves bootstraps in the shared queue while no cell fits (see {@link CellAdmission}).
   */
  private CellAdmission admission(
      SystemMemory memory, DiskSpace disk, ScheduledExecutorService ticks) {
    return new CellAdmission(
        options.capacity().maxConcurrentActivities(),
        new CellCapacity(
            options.cellCapacity().maxCells(),
            this::liveCells,
            ports,
            pool,
            memory,
            options.capacity().memoryPerCell(),
            options.capacity().healthThresholds().maxMemoryUsage(),
            disk,
            options.capacity().healthThresholds(),
            diskBudget::perCell),
        ticks,
        ADMISSION_TICK,
        options.hostId());
  }

  /**
   * The cells' metrics: the user's, Micrometer's, the error-rate window's, and admission's
   * wake-ups.
   */
  private SwarmMetrics metrics() {
    MicrometerSwarmMetrics micrometer = null;
    Optional<MeterRegistry> registry = options.meterRegistry();
    if (registry.isPresent()) {
      micrometer =
          resources.push(
              MicrometerSwarmMetrics.newBuilder(registry.get())
                  .tag(HOST_TAG, options.hostId())
                  .build()
                  .monitorPorts(ports)
                  .monitorWorktrees(pool)
                  .monitorProcesses(supervisor));
      health.registerGauges(micrometer);
    }
    SwarmMetrics roomChanged =
        new SwarmMetrics() {
          @Override
          public void liveCellsChanged(int liveCells) {
            admission.recheck();
          }

          @Override
          public void stepFinished(CellStep step, Duration duration, boolean succeeded) {
            // The first worktree a cell got (set-up included) is measured once, off the cell's
            // thread.
            if (step == CellStep.WORKTREE && succeeded && diskBudget.worktreeBytes().isEmpty()) {
              try {
                monitor.execute(SwarmAssembly.this::measureWorktreeOnce);
              } catch (RejectedExecutionException e) {
                // The worker is stopping: nothing left to admit.
              }
            }
          }
        };
    return CompositeMetrics.of(
        options.metrics(),
        micrometer == null ? SwarmMetrics.noop() : micrometer,
        outcomes,
        roomChanged);
  }

  /**
   * In the state directory, which no cell sees; retention also runs now, for what earlier runs
   * left.
   */
  private CellHistoryStore openHistory() {
    CellHistoryStore store =
        CellHistoryStore.newBuilder()
            .folder(options.stateDirectory().resolve("history"))
            .repository(options.repository())
            .options(options.history())
            .author(options.author())
            .build();
    store.enforceRetention();
    return store;
  }

  private CellSteps steps(WorkerHooks hooks) {
    CommandTestRunner tests =
        CommandTestRunner.newBuilder(supervisor)
            .command(options.tests().command())
            .timeout(options.tests().timeout())
            .network(options.tests().network())
            .testEnvironment(options.tests().environment())
            .build();
    GitWorktreeChanges.Builder changes =
        GitWorktreeChanges.newBuilder()
            .maxCommitBytes(options.cellLimits().maxCommitBytes())
            // A revert that removed the set-up's outputs would leave the worktree's set-up stamp
            // lying.
            .preserveIgnored(options.preservesIgnoredFiles());
    if (!options.repositoryHooks().isEmpty()) {
      changes.beforeCommit(
          RepositoryHooks.newBuilder(supervisor)
              .repository(options.repository())
              .stateDirectory(options.stateDirectory().resolve("hooks"))
              .hooks(options.repositoryHooks())
              .timeout(options.tests().timeout())
              .build());
    }
    CellParts parts =
        hooks.decorate(new CellParts(pool, changes.build(), agent, tests, integrator));
    return CellSteps.newBuilder()
        .ports(ports)
        .worktrees(parts.worktrees())
        .changes(parts.changes())
        .agent(parts.agent())
        .tests(parts.tests())
        .integration(parts.integration())
        .setup(worktreeSetup())
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
  }

  /** The set-up of every worktree, or none when nothing is configured. */
  private WorktreeSetup worktreeSetup() {
    WorktreeSetupOptions setup = options.setup();
    if (!setup.isConfigured()) {
      return WorktreeSetup.none();
    }
    // The set-up installs what the tests run with, so it gets their world: variables, caches, home
    // files.
    CommandWorktreeSetup.Builder builder =
        CommandWorktreeSetup.newBuilder(supervisor)
            .options(setup)
            .testEnvironment(options.tests().environment());
    if (!setup.copyFromCheckout().isEmpty()) {
      GitResult top = GitRunner.create().run(options.repository(), "rev-parse", "--show-toplevel");
      if (!top.isSuccess()) {
        throw new IllegalStateException(
            "cannot find the top of the checkout "
                + options.repository()
                + " to copy "
                + setup.copyFromCheckout()
                + " from: "
                + top.stderrTail().strip());
      }
      builder.checkout(Path.of(top.stdout().strip()));
    }
    return builder.build();
  }

  /**
   * Fails the start when the sandbox hides what every cell needs (the repository's git directory,
   * the agent's or the test command's program, a script's interpreter): better than the first task
   * failing with a puzzling error.
   */
  private void checkSandboxShowsWhatCellsNeed() {
    List<String> programs = new ArrayList<>(agent.programs());
    programs.add(options.tests().command().get(0));
    if (!options.setup().command().isEmpty()) {
      programs.add(options.setup().command().get(0));
    }
    String path = System.getenv("PATH");
    List<String> missing =
        SandboxProbe.missing(
            supervisor,
            options.stateDirectory().resolve("probe"),
            options.repository(),
            programs,
            path == null ? "/usr/local/bin:/usr/bin:/bin" : path);
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "cells cannot work under "
              + supervisor.sandbox().description()
              + ": inside "
              + "the sandbox these are not there or not executable: "
              + missing
              + ". The sandbox hides home folders, /run,"
              + " /tmp and the worker's state, and re-binds only what docs/security.md lists (the repository's git "
              + "directory, the folders on PATH, the program's own folder); move the program onto PATH or out of a "
              + "hidden folder, or choose sandbox(CellSandbox.Mode.NONE) knowingly");
    }
  }

  /**
   * The shared queue's worker: workflows and bootstraps; its activity slots come from admission.
   */
  private WorkerFactory sharedWorker(
      WorkflowClient client,
      CellActivitiesImpl activities,
      BiConsumer<Worker, CellActivityOptions> customWorkflows) {
    int nexusSlots = WorkerOptions.getDefaultInstance().getMaxConcurrentNexusExecutionSize();
    // Its workflow tasks keep flowing whatever the capacity, so running cells always reach their
    // teardown.
    WorkerOptions sharedOptions =
        WorkerOptions.newBuilder()
            .setWorkerTuner(
                new CompositeTuner(
                    new FixedSizeSlotSupplier<>(options.capacity().maxConcurrentWorkflowTasks()),
                    admission,
                    new FixedSizeSlotSupplier<>(options.capacity().maxConcurrentLocalActivities()),
                    new FixedSizeSlotSupplier<>(nexusSlots > 0 ? nexusSlots : DEFAULT_NEXUS_SLOTS)))
            .setMaxHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
            .setDefaultHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
            .setStickyQueueScheduleToStartTimeout(stickyScheduleToStart())
            .build();
    WorkerFactory factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder()
                .setWorkerInterceptors(new OutcomeReporter(metrics))
                .build());
    Worker shared = factory.newWorker(options.connection().taskQueue(), sharedOptions);
    CellActivityOptions activityOptions = options.activityOptions();
    shared.registerWorkflowImplementationFactory(
        TcrWorkflow.class, () -> new TcrWorkflowImpl(activityOptions));
    shared.registerWorkflowImplementationFactory(
        DagWorkflow.class, () -> new DagWorkflowImpl(activityOptions));
    shared.registerWorkflowImplementationFactory(
        DagTaskWorkflow.class, () -> new DagTaskWorkflowImpl(activityOptions));
    customWorkflows.accept(shared, activityOptions);
    shared.registerActivitiesImplementations(activities);
    shared.registerActivitiesImplementations(
        new RepositoryActivitiesImpl(options.repository(), integrator));
    return factory;
  }

  /** The host queue's worker: every step after bootstrap of this worker's cells. */
  private WorkerOptions hostWorkerOptions() {
    return WorkerOptions.newBuilder()
        .setMaxConcurrentActivityExecutionSize(options.capacity().maxConcurrentActivities())
        .setMaxConcurrentWorkflowTaskExecutionSize(options.capacity().maxConcurrentWorkflowTasks())
        .setMaxConcurrentLocalActivityExecutionSize(
            options.capacity().maxConcurrentLocalActivities())
        // Cancellation reaches a running step only with a heartbeat response; the SDK's default
        // throttle (80 % of
        // the heartbeat timeout) would let an aborted agent keep working for most of a minute.
        .setMaxHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
        .setDefaultHeartbeatThrottleInterval(HEARTBEAT_INTERVAL)
        .setStickyQueueScheduleToStartTimeout(stickyScheduleToStart())
        .build();
  }

  /**
   * Temporal's default (null), or zero - the SDK then sends no sticky attributes, so every workflow
   * task goes to the shared queue - when this worker joined a Java test server it did not start.
   *
   * <p>Why: a workflow's next task goes to the sticky queue of the worker that ran its previous
   * one. A Temporal cluster moves it to the shared queue when no one takes it within the sticky
   * schedule-to-start timeout (5 s), so a worker that dies or stops costs its workflows 5 s. The
   * Java test server never does: every workflow whose last task ran on a worker that left would
   * wait forever. The worker that embeds the server keeps stickiness: it cannot leave without the
   * server, and without stickiness every workflow task replays the whole history (measured on the
   * later tasks of a TCR cell: 7-9 ms each instead of 5-6).
   */
  private @Nullable Duration stickyScheduleToStart() {
    return joinedTestServer ? Duration.ZERO : null;
  }

  private void monitorHealth() {
    if (!running.getAsBoolean()) {
      return;
    }
    try {
      measureWorktreeOnce();
      health.check();
    } catch (RuntimeException e) {
      log.warn("swarm worker {}: health check failed", options.hostId(), e);
    }
  }

  private void measureWorktreeOnce() {
    diskBudget.measureOnce(steps.liveCells(), pool, admission::recheck);
  }

  /**
   * The {@code host:port} of the Temporal server: the embedded one, or the target.
   *
   * @return the server's {@code host:port}
   */
  public String target() {
    EmbeddedTemporalServer server = embedded;
    return server != null ? server.target() : options.connection().target().orElseThrow();
  }

  /**
   * The embedded server's token: of the server this swarm started, or the one it joined with; empty
   * on a cluster.
   *
   * @return the token, or empty
   */
  public Optional<String> embeddedServerToken() {
    EmbeddedTemporalServer server = embedded;
    return server != null
        ? Optional.of(server.token())
        : options.connection().embeddedServerToken();
  }

  /**
   * The client of the Temporal connection.
   *
   * @return the workflow client
   */
  public WorkflowClient workflowClient() {
    return connection.client();
  }

  /**
   * What is kept of cells that are gone.
   *
   * @return the history store
   */
  public CellHistoryStore history() {
    return history;
  }

  /**
   * The port manager.
   *
   * @return the port manager
   */
  public PortManager ports() {
    return ports;
  }

  /**
   * The worktree pool.
   *
   * @return the pool
   */
  public WorktreePool worktrees() {
    return pool;
  }

  /**
   * How many cells are live now.
   *
   * @return the number of live cells
   */
  public int liveCells() {
    CellSteps current = steps;
    // Null only while the swarm is being assembled, before a cell can exist.
    return current == null ? 0 : current.liveCells().size();
  }

  /**
   * Checks the health now, records and logs it.
   *
   * @return the report
   */
  public SwarmHealth checkHealth() {
    return health.check();
  }

  /**
   * Stops polling for new work, waits up to {@code timeout} for live cells, then cancels the rest
   * and tears down what is left.
   *
   * @param timeout how long live cells may finish
   */
  public void drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    // Stop taking workflow tasks and bootstraps, and let the outstanding long polls end, before any
    // step of a live
    // cell is cut short: the workflow task that follows must go to another worker, not to a poll of
    // ours that is
    // about to be cancelled (a task handed to a dying poll waits for a timeout).
    sharedFactory.shutdown();
    sharedFactory.awaitTermination(5, TimeUnit.SECONDS);
    while (!steps.liveCells().isEmpty() && System.nanoTime() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!steps.liveCells().isEmpty()) {
      log.warn(
          "swarm worker {}: {} cell(s) still live after {} ms; cancelling them",
          options.hostId(),
          steps.liveCells().size(),
          timeout.toMillis());
    }
    hostFactory.shutdownNow();
    sharedFactory.shutdownNow();
    hostFactory.awaitTermination(10, TimeUnit.SECONDS);
    sharedFactory.awaitTermination(10, TimeUnit.SECONDS);
    AtomicInteger leaked = new AtomicInteger();
    steps.liveCells().stream()
        .sorted((a, b) -> a.value().compareTo(b.value()))
        .forEach(
            cell -> {
              CellSteps.Teardown result = steps.teardown(cell);
              leaked.addAndGet(result.errors().size());
            });
    if (leaked.get() > 0) {
      log.error(
          "swarm worker {}: teardown at stop could not clean up {} thing(s); see the errors above",
          options.hostId(),
          leaked.get());
    }
  }

  /** Releases everything the swarm holds, in reverse order of acquisition. */
  @Override
  public void close() {
    resources.close();
  }

  private ScheduledExecutorService executor(String thread) {
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(daemonThreads(thread));
    resources.push(executor::shutdownNow);
    return executor;
  }

  private static ThreadFactory daemonThreads(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  private static void createDirectories(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the worker's state directory " + directory, e);
    }
  }
}
