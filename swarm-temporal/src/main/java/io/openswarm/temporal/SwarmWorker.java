package io.openswarm.temporal;

import io.openswarm.core.port.PortManager;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.temporal.internal.SwarmAssembly;
import io.openswarm.temporal.internal.WorkerHooks;
import io.openswarm.temporal.metrics.MicrometerSwarmMetrics;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
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
 * budget, ports, worktrees and activity slots allow; see {@link Capacity}). Its pollers take a
 * bootstrap from the shared queue only while one more cell fits (cells, ports, worktrees, memory
 * below the health ceiling, free disk above the floor with room for {@linkplain
 * CapacityOptions.Builder#diskPerCell(long) one more cell}); otherwise new cells wait in Temporal,
 * for this worker or another, and are taken as soon as room returns. Only activity polling of the
 * shared queue is held back: workflow tasks and the host queue's steps keep flowing, so running
 * cells always reach their teardown. {@link #health()} compares the error rate, available ports,
 * backlog and memory with the performance guide's thresholds. With a {@linkplain
 * SwarmWorkerBuilder#meterRegistry meter registry}, all of it, the step timers and outcome
 * counters, and Temporal's SDK metrics are published there (see {@link MicrometerSwarmMetrics}).
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

  SwarmWorker(SwarmWorkerOptions options, WorkerHooks hooks) {
    this.options = options;
    this.hooks = hooks;
  }

  /**
   * Returns a builder; the repository, the test command and the agent are required.
   *
   * @return a new builder
   */
  public static SwarmWorkerBuilder newBuilder() {
    return new SwarmWorkerBuilder();
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
  public Capacity capacity() {
    return options.cellCapacity();
  }

  /**
   * Checks the worker against its {@link SwarmHealth.Thresholds} now: the error rate of the cells
   * that ended within the window, the available ports, the bootstraps waiting in the shared queue
   * (asked of the Temporal server), and the machine's memory and the free space of the file systems
   * of the worktree root and the state directory ({@link SwarmHealth.Check#DISK}). A warning is in
   * the report while its condition holds and gone once it no longer does. The worker also checks
   * every 15 s by itself, logs each warning when it appears (WARN) and when it clears (INFO), and
   * logs when backpressure starts and ends.
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

  /**
   * How many cells a worker runs at once, and what decided it: for capacity planning. A worker
   * takes a new cell from the shared queue only while it runs fewer than {@link #maxCells()} and a
   * port, a worktree and memory are free for it (see {@link
   * CapacityOptions.Builder#maxConcurrentCells(int)}); the rest wait in Temporal.
   *
   * <p>By default {@code maxCells} is the least of: the cells that fit in the memory budget ({@code
   * memoryBudget / memoryPerCell}), the ports of the range, the worktrees the pool may hold, and
   * the concurrent activities of the host queue (a live cell never waits there for a slot).
   *
   * <p>Disk is not in this fixed limit, since the disk is shared with everything else on the
   * machine: it is in the headroom measured before each new cell, which also needs the free disk
   * above the {@linkplain SwarmHealth.Thresholds#diskFloorBytes() floor} to hold one more cell's
   * {@linkplain CapacityOptions.Builder#diskPerCell(long) disk}.
   *
   * <p>Immutable and thread-safe.
   *
   * @param maxCells the most cells at once
   * @param limitedBy what decided {@code maxCells}: {@code configured}, {@code memory}, {@code
   *     ports}, {@code worktrees} or {@code activities}
   * @param cellsByMemory the cells that fit in the memory budget
   * @param memoryPerCell the memory budgeted for one cell, in bytes
   * @param memoryBudget the memory cells may use in all, in bytes
   * @param ports the ports of the range
   * @param worktrees the most worktrees the pool holds
   * @param activities the most concurrent activities per task queue
   */
  public record Capacity(
      int maxCells,
      String limitedBy,
      int cellsByMemory,
      long memoryPerCell,
      long memoryBudget,
      int ports,
      int worktrees,
      int activities) {

    /**
     * The per-cell budget for OpenCode: the upper end of its measured 450-590 MB after a prompt,
     * plus a worktree.
     */
    public static final long DEFAULT_MEMORY_PER_CELL = 600L << 20;

    /**
     * The share of the machine's memory cells may use by default; the rest is for the worker, git
     * and the tests.
     */
    public static final double DEFAULT_MEMORY_SHARE = 0.8;

    /**
     * Checks the components.
     *
     * @param maxCells the most cells at once
     * @param limitedBy what decided {@code maxCells}: {@code configured}, {@code memory}, {@code
     *     ports}, {@code worktrees} or {@code activities}
     * @param cellsByMemory the cells that fit in the memory budget
     * @param memoryPerCell the memory budgeted for one cell, in bytes
     * @param memoryBudget the memory cells may use in all, in bytes
     * @param ports the ports of the range
     * @param worktrees the most worktrees the pool holds
     * @param activities the most concurrent activities per task queue
     * @throws NullPointerException if {@code limitedBy} is null
     * @throws IllegalArgumentException if {@code maxCells} is below 1
     */
    public Capacity {
      Objects.requireNonNull(limitedBy, "limitedBy cannot be null");
      if (maxCells < 1) {
        throw new IllegalArgumentException("maxCells must be at least 1 but was " + maxCells);
      }
    }

    /**
     * The capacity of a worker with these limits.
     *
     * @param configured the configured cell limit, or 0 for the default
     */
    static Capacity of(
        int configured,
        long memoryPerCell,
        long memoryBudget,
        int ports,
        int worktrees,
        int activities) {
      int byMemory = (int) Math.min(Integer.MAX_VALUE, memoryBudget / memoryPerCell);
      if (configured > 0) {
        return new Capacity(
            configured,
            "configured",
            byMemory,
            memoryPerCell,
            memoryBudget,
            ports,
            worktrees,
            activities);
      }
      int max = byMemory;
      String limitedBy = "memory";
      if (ports < max) {
        max = ports;
        limitedBy = "ports";
      }
      if (worktrees < max) {
        max = worktrees;
        limitedBy = "worktrees";
      }
      if (activities < max) {
        max = activities;
        limitedBy = "activities";
      }
      return new Capacity(
          Math.max(1, max),
          limitedBy,
          byMemory,
          memoryPerCell,
          memoryBudget,
          ports,
          worktrees,
          activities);
    }

    @Override
    public String toString() {
      return maxCells
          + " cells ("
          + limitedBy
          + "; memory "
          + (memoryBudget >> 20)
          + " MiB / "
          + (memoryPerCell >> 20)
          + " MiB per cell = "
          + cellsByMemory
          + ", ports "
          + ports
          + ", worktrees "
          + worktrees
          + ", activities "
          + activities
          + ")";
    }
  }
}
