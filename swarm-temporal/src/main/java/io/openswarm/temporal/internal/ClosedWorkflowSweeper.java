package io.openswarm.temporal.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.openswarm.core.CellId;
import io.openswarm.core.lifecycle.CellSteps;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Tears down the cells whose workflow closed without tearing them down. A workflow that is
 * terminated, times out, or is reset never runs its teardown activity: its code no longer executes.
 * Without this, such a cell's agent, worktree, port and place in the host's capacity would stay
 * held until the worker stops.
 *
 * <h2>How it works</h2>
 *
 * Bootstrap {@linkplain #register registers} each cell with the workflow run that owns it (the run
 * whose activity brought it up). Every interval, a round asks the Temporal service about the run of
 * each registered cell that has been up for at least one interval (younger cells were just handed
 * to a run that the bootstrap found still waiting). A run that is no longer {@code RUNNING} -
 * completed, failed, cancelled, terminated, continued as new, timed out, or unknown to the service
 * (deleted after its retention) - will never tear its cell down, so the round does what its
 * teardown activity would: stop the agent, return the worktree, release the port; the cell's place
 * in the capacity comes back with it. A paused run, or a status this code does not know, leaves the
 * cell alone. A service that cannot be asked is logged and asked again next round; a round never
 * fails.
 *
 * <p>Races with the cell's own teardown activity (say, a workflow that timed out while its teardown
 * ran) are settled by {@link io.openswarm.core.lifecycle.CellSteps#teardown}, which takes a cell
 * down exactly once. A cell id taken by a new run between the status check and the teardown is left
 * alone: the registration names the very bootstrap it owns, compared by identity, and a round tears
 * down only that bootstrap, and only after removing that registration.
 *
 * <p>Thread-safe. One daemon thread runs the rounds; {@link #close()} stops it.
 */
public final class ClosedWorkflowSweeper implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClosedWorkflowSweeper.class);

  /**
   * The default interval between rounds, which is also how long a cell is up before its run is
   * first checked.
   */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

  private static final long RPC_TIMEOUT_SECONDS = 10;
  private static final long CLOSE_WAIT_SECONDS = 10;

  /** A workflow run: what owns a cell. */
  public record WorkflowRun(String workflowId, String runId) {
    /**
     * @throws NullPointerException if an argument is null
     */
    public WorkflowRun {
      Objects.requireNonNull(workflowId, "workflowId cannot be null");
      Objects.requireNonNull(runId, "runId cannot be null");
    }

    @Override
    public String toString() {
      return workflowId + " (run " + runId + ")";
    }
  }

  /** Asks for a run's status. */
  @FunctionalInterface
  public interface RunStatus {
    /**
     * The status of {@code run} now.
     *
     * @return the status, or empty when the service does not know the run
     * @throws RuntimeException when the service cannot be asked (the round tries again next time)
     */
    Optional<WorkflowExecutionStatus> of(WorkflowRun run);
  }

  /**
   * A registered cell: the bootstrap a run owns, and since when (nanoTime). Compared by identity.
   */
  private static final class Ownership {
    final WorkflowRun run;
    final CellSteps.Bootstrap cell;
    final long since;

    Ownership(WorkflowRun run, CellSteps.Bootstrap cell, long since) {
      this.run = run;
      this.cell = cell;
      this.since = since;
    }
  }

  private final Function<CellId, Optional<CellSteps.Bootstrap>> cells;
  private final Function<CellId, CellSteps.Teardown> teardown;
  private final RunStatus status;
  private final Duration interval;
  private final LongSupplier nanoClock;
  private final String hostId;
  private final ConcurrentHashMap<CellId, Ownership> owners = new ConcurrentHashMap<>();
  private final Object lifecycle = new Object();
  private @Nullable ScheduledExecutorService rounds;
  private volatile boolean closed;

  /**
   * @param cells the bootstrap of a cell live on this host ({@code CellSteps::find})
   * @param teardown the cell's teardown, the one its teardown activity runs ({@code
   *     CellSteps::teardown})
   * @param status asks the Temporal service for a run's status, e.g. {@link #askingTemporal}
   * @param interval how often a round runs, and how long a cell is up before its run is first
   *     checked
   * @param nanoClock {@link System#nanoTime()} outside tests
   * @param hostId for log lines
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code interval} is not positive
   */
  public ClosedWorkflowSweeper(
      Function<CellId, Optional<CellSteps.Bootstrap>> cells,
      Function<CellId, CellSteps.Teardown> teardown,
      RunStatus status,
      Duration interval,
      LongSupplier nanoClock,
      String hostId) {
    this.cells = Objects.requireNonNull(cells, "cells cannot be null");
    this.teardown = Objects.requireNonNull(teardown, "teardown cannot be null");
    this.status = Objects.requireNonNull(status, "status cannot be null");
    this.interval = Objects.requireNonNull(interval, "interval cannot be null");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive but was " + interval);
    }
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock cannot be null");
    this.hostId = Objects.requireNonNull(hostId, "hostId cannot be null");
  }

  /**
   * Asks {@code stubs} with {@code DescribeWorkflowExecution}; a run the service reports {@code
   * NOT_FOUND} is unknown to it.
   */
  public static RunStatus askingTemporal(WorkflowServiceStubs stubs, String namespace) {
    Objects.requireNonNull(stubs, "stubs cannot be null");
    Objects.requireNonNull(namespace, "namespace cannot be null");
    return run -> {
      try {
        return Optional.of(
            stubs
                .blockingStub()
                .withDeadlineAfter(RPC_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .describeWorkflowExecution(
                    DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(namespace)
                        .setExecution(
                            WorkflowExecution.newBuilder()
                                .setWorkflowId(run.workflowId())
                                .setRunId(run.runId())
                                .build())
                        .build())
                .getWorkflowExecutionInfo()
                .getStatus());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
          return Optional.empty();
        }
        throw e;
      }
    };
  }

  /**
   * Whether a cell whose run has this status will never be torn down by that run: true for every
   * closed status and for a run the service does not know (closed and deleted after its retention);
   * false for a running or paused run and for a status this code does not know, which are left
   * alone.
   */
  static boolean closed(Optional<WorkflowExecutionStatus> runStatus) {
    if (runStatus.isEmpty()) {
      return true;
    }
    return switch (runStatus.get()) {
      case WORKFLOW_EXECUTION_STATUS_COMPLETED,
          WORKFLOW_EXECUTION_STATUS_FAILED,
          WORKFLOW_EXECUTION_STATUS_CANCELED,
          WORKFLOW_EXECUTION_STATUS_TERMINATED,
          WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
          WORKFLOW_EXECUTION_STATUS_TIMED_OUT ->
          true;
      default -> false;
    };
  }

  /**
   * Records that {@code run} owns {@code cell}, which its bootstrap just brought up; replaces an
   * earlier record of the same cell id.
   *
   * @throws NullPointerException if an argument is null
   */
  public void register(CellSteps.Bootstrap cell, WorkflowRun run) {
    Objects.requireNonNull(cell, "cell cannot be null");
    Objects.requireNonNull(run, "run cannot be null");
    owners.put(cell.cellId(), new Ownership(run, cell, nanoClock.getAsLong()));
  }

  /** The run that owns {@code cellId}, if the cell is registered and still the one registered. */
  public Optional<WorkflowRun> owner(CellId cellId) {
    Ownership ownership = owners.get(Objects.requireNonNull(cellId, "cellId cannot be null"));
    return ownership != null && current(cellId, ownership)
        ? Optional.of(ownership.run)
        : Optional.empty();
  }

  /**
   * Tears {@code cellId} down now if another run than {@code asking} owns it and that run has
   * closed. For a bootstrap that finds its cell id already live: a task resubmitted right after its
   * workflow was terminated must not inherit the cell (and the edits) the terminated run left, nor
   * wait for the next round.
   *
   * @return whether the cell was torn down
   */
  public boolean releaseIfAbandoned(CellId cellId, WorkflowRun asking) {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(asking, "asking cannot be null");
    Ownership ownership = owners.get(cellId);
    if (ownership == null || ownership.run.equals(asking) || !current(cellId, ownership)) {
      return false;
    }
    Optional<WorkflowExecutionStatus> runStatus;
    try {
      runStatus = status.of(ownership.run);
    } catch (RuntimeException e) {
      log.warn(
          "swarm worker {}: cell {} is live for workflow {}, but its status cannot be read ({}); {} gets the cell"
              + " as it is",
          hostId,
          cellId,
          ownership.run,
          describe(e),
          asking);
      return false;
    }
    return closed(runStatus) && tearDown(cellId, ownership, runStatus);
  }

  /**
   * Starts the rounds, one per interval, on a daemon thread of their own (their RPCs and teardowns
   * may be slow).
   */
  public void start() {
    synchronized (lifecycle) {
      if (closed || rounds != null) {
        throw new IllegalStateException(
            "attempted to start while in " + (closed ? "CLOSED" : "STARTED") + " state");
      }
      ScheduledExecutorService executor =
          Executors.newSingleThreadScheduledExecutor(
              runnable -> {
                Thread thread = new Thread(runnable, "swarm-sweeper-" + hostId);
                thread.setDaemon(true);
                return thread;
              });
      long period = interval.toMillis();
      executor.scheduleWithFixedDelay(this::sweepQuietly, period, period, TimeUnit.MILLISECONDS);
      rounds = executor;
    }
  }

  /**
   * One round: tears down every registered cell, up for at least one interval, whose run has
   * closed; forgets the registrations of cells torn down by other means. Never throws for a service
   * that cannot be asked.
   *
   * @return how many cells this round tore down
   */
  public int sweep() {
    long now = nanoClock.getAsLong();
    int sweptCells = 0;
    int unasked = 0;
    @Nullable RuntimeException lastError = null;
    for (Map.Entry<CellId, Ownership> entry : owners.entrySet()) {
      if (closed) {
        break;
      }
      CellId cellId = entry.getKey();
      Ownership ownership = entry.getValue();
      if (!current(cellId, ownership)) {
        owners.remove(cellId, ownership);
        continue;
      }
      if (now - ownership.since < interval.toNanos()) {
        continue;
      }
      Optional<WorkflowExecutionStatus> runStatus;
      try {
        runStatus = status.of(ownership.run);
      } catch (RuntimeException e) {
        unasked++;
        lastError = e;
        continue;
      }
      if (closed(runStatus) && tearDown(cellId, ownership, runStatus)) {
        sweptCells++;
      }
    }
    if (lastError != null) {
      log.warn(
          "swarm worker {}: cannot ask Temporal whether the workflows of {} cell(s) are still running ({});"
              + " asking again in {} ms",
          hostId,
          unasked,
          describe(lastError),
          interval.toMillis());
    }
    return sweptCells;
  }

  /** How many cells are registered now (including ones torn down since the last round). */
  int registered() {
    return owners.size();
  }

  /** Stops the rounds, waiting briefly for one in progress. Idempotent. */
  @Override
  public void close() {
    ScheduledExecutorService executor;
    synchronized (lifecycle) {
      closed = true;
      executor = rounds;
    }
    if (executor == null) {
      return;
    }
    executor.shutdown();
    try {
      if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ClosedWorkflowSweeper["
        + hostId
        + ", every "
        + interval.toMillis()
        + " ms, "
        + owners.size()
        + " registered]";
  }

  /** Whether the cell with this id is still the very bootstrap that was registered. */
  private boolean current(CellId cellId, Ownership ownership) {
    Optional<CellSteps.Bootstrap> live = cells.apply(cellId);
    return live.isPresent() && live.get() == ownership.cell;
  }

  /**
   * Tears the registered cell down unless it is gone or was registered anew; true if this call took
   * it down.
   */
  private boolean tearDown(
      CellId cellId, Ownership ownership, Optional<WorkflowExecutionStatus> runStatus) {
    if (!owners.remove(cellId, ownership) || !current(cellId, ownership)) {
      return false;
    }
    String previous = MDC.get("workflowId");
    MDC.put("workflowId", ownership.run.workflowId());
    try {
      CellSteps.Teardown result = teardown.apply(cellId);
      if (!result.wasLive()) {
        return false;
      }
      log.warn(
          "swarm worker {}: cell {} torn down because its workflow {} is {} and will never tear it down{}",
          hostId,
          cellId,
          ownership.run,
          runStatus.map(ClosedWorkflowSweeper::name).orElse("unknown to the Temporal service"),
          result.errors().isEmpty() ? "" : "; could not clean up: " + result.errors());
      return true;
    } finally {
      if (previous == null) {
        MDC.remove("workflowId");
      } else {
        MDC.put("workflowId", previous);
      }
    }
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      // A round must never end the rounds: a scheduled task that throws is not run again.
      log.warn(
          "swarm worker {}: a sweep of cells whose workflow closed failed; trying again next round",
          hostId,
          e);
    }
  }

  private static String name(WorkflowExecutionStatus runStatus) {
    return runStatus
        .name()
        .replace("WORKFLOW_EXECUTION_STATUS_", "")
        .toLowerCase(Locale.ROOT)
        .replace('_', ' ');
  }

  private static String describe(RuntimeException e) {
    if (e instanceof StatusRuntimeException grpc) {
      String description = grpc.getStatus().getDescription();
      return grpc.getStatus().getCode() + (description == null ? "" : ": " + description);
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
