package io.openswarm.temporal.internal;

import io.micrometer.core.instrument.Tags;
import io.openswarm.core.port.PortManager;
import io.openswarm.temporal.SwarmHealth;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.metrics.MicrometerSwarmMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's health: reads the error rate, ports, backlog, memory, disk and admission, compares
 * them with the {@link SwarmHealth.Thresholds}, keeps the latest report for the gauges, and logs
 * each warning when it appears (WARN) and when it clears (INFO), and backpressure when it starts
 * and ends.
 *
 * <p>Thread-safe: checks may run on the monitor thread and on callers of {@code
 * SwarmWorker.health()} at once; the reports are recorded one at a time.
 */
public final class WorkerHealth {

  private static final Logger log = LoggerFactory.getLogger(WorkerHealth.class);

  /** What a health check reads. */
  public record Sources(
      OutcomeWindow outcomes,
      BacklogProbe backlog,
      CellAdmission admission,
      PortManager ports,
      SystemMemory memory,
      DiskSpace disk,
      DiskBudget diskBudget,
      IntSupplier liveCells) {}

  private final Sources sources;
  private final String hostId;
  private final int maxCells;
  private final boolean sandboxFellBack;
  private final SwarmHealth.Thresholds thresholds;
  private final Object recordLock = new Object();
  private volatile @Nullable SwarmHealth last;

  /**
   * A health monitor.
   *
   * @param sources what checks read
   * @param hostId the worker's host id
   * @param maxCells the most cells the worker runs at once
   * @param sandboxFellBack whether sandbox mode AUTO fell back to no sandbox
   * @param thresholds the thresholds
   */
  public WorkerHealth(
      Sources sources,
      String hostId,
      int maxCells,
      boolean sandboxFellBack,
      SwarmHealth.Thresholds thresholds) {
    this.sources = sources;
    this.hostId = hostId;
    this.maxCells = maxCells;
    this.sandboxFellBack = sandboxFellBack;
    this.thresholds = thresholds;
  }

  /**
   * Checks now, records the report and logs what changed since the last one.
   *
   * @return the report
   */
  public SwarmHealth check() {
    SwarmHealth health = evaluate();
    record(health);
    return health;
  }

  private SwarmHealth evaluate() {
    OutcomeWindow.Counts counts = sources.outcomes().counts();
    Long backlog;
    try {
      OptionalLong waiting = sources.backlog().backlog();
      backlog = waiting.isPresent() ? waiting.getAsLong() : null;
    } catch (RuntimeException e) {
      log.debug("swarm worker {}: cannot read the backlog", hostId, e);
      backlog = null;
    }
    CellAdmission admission = sources.admission();
    CellAdmission.Headroom headroom = admission.headroom();
    OptionalLong worktreeBytes = sources.diskBudget().worktreeBytes();
    SwarmHealth.Readings readings =
        new SwarmHealth.Readings(
            hostId,
            Instant.now(),
            counts.outcomes(),
            counts.failures(),
            sources.ports().availableCount(),
            backlog,
            sources.memory().read().usage(),
            sources.liveCells().getAsInt(),
            maxCells,
            admission.holdingBack(),
            headroom.limitedBy(),
            sandboxFellBack,
            readDisks(),
            worktreeBytes.isPresent() ? worktreeBytes.getAsLong() : null);
    return SwarmHealth.evaluate(readings, thresholds);
  }

  private List<SwarmHealth.Disk> readDisks() {
    try {
      return sources.disk().read();
    } catch (RuntimeException e) {
      log.debug("swarm worker {}: cannot read the free disk", hostId, e);
      return List.of();
    }
  }

  /**
   * Keeps the latest report for the gauges and logs the warnings that appeared or cleared since the
   * last one.
   */
  private void record(SwarmHealth health) {
    synchronized (recordLock) {
      SwarmHealth previous = last;
      last = health;
      boolean pressed = health.readings().backpressure();
      if (previous != null && pressed != previous.readings().backpressure()) {
        if (pressed) {
          log.info(
              "swarm worker {}: backpressure on, no room for another cell (limited by {}, {} of {} cells live);"
                  + " new cells wait in the shared queue",
              hostId,
              health.readings().limitedBy(),
              health.readings().liveCells(),
              health.readings().maxCells());
        } else {
          log.info("swarm worker {}: backpressure off", hostId);
        }
      }
      for (SwarmHealth.Check check : SwarmHealth.Check.values()) {
        Optional<SwarmHealth.Warning> now = health.warning(check);
        boolean before = previous != null && previous.warning(check).isPresent();
        if (now.isPresent() && !before) {
          log.warn("swarm worker {}: health warning {}: {}", hostId, check, now.get().message());
        } else if (now.isEmpty() && before) {
          log.info("swarm worker {}: health warning {} cleared", hostId, check);
        }
      }
    }
  }

  /**
   * Registers the gauges of the worker itself: capacity, headroom, backpressure, backlog, memory,
   * worktree size, free disk and health warnings.
   *
   * @param micrometer the worker's meters
   */
  public void registerGauges(MicrometerSwarmMetrics micrometer) {
    CellAdmission admission = sources.admission();
    micrometer.gauge(
        SwarmWorker.CELLS_CAPACITY,
        "The most cells this worker runs at once",
        Tags.empty(),
        () -> maxCells);
    micrometer.gauge(
        SwarmWorker.CELLS_HEADROOM,
        "How many more cells fit on this worker now",
        Tags.empty(),
        () -> admission.headroom().cells());
    micrometer.gauge(
        SwarmWorker.BACKPRESSURE,
        "1 while no new cell fits and bootstraps wait in the shared queue",
        Tags.empty(),
        () -> admission.holdingBack() ? 1 : 0);
    micrometer.gauge(
        SwarmWorker.BACKLOG,
        "Bootstraps waiting in the shared queue, as of the last health check",
        Tags.empty(),
        () -> {
          SwarmHealth health = last;
          Long backlog = health == null ? null : health.readings().backlog();
          return backlog == null ? Double.NaN : backlog;
        });
    micrometer.gauge(
        SwarmWorker.MEMORY_USAGE,
        "Used fraction of the machine's (or container's) memory",
        Tags.empty(),
        () -> sources.memory().read().usage());
    micrometer.gauge(
        SwarmWorker.WORKTREE_BYTES,
        "Size of one worktree on disk, measured once; NaN until measured",
        Tags.empty(),
        () -> {
          OptionalLong bytes = sources.diskBudget().worktreeBytes();
          return bytes.isPresent() ? bytes.getAsLong() : Double.NaN;
        });
    micrometer.gauge(
        SwarmWorker.DISK_FREE,
        "Usable bytes of the tightest file system of the worktree root and state directory",
        Tags.empty(),
        () ->
            sources.disk().read().stream()
                .mapToLong(SwarmHealth.Disk::usableBytes)
                .min()
                .orElse(Long.MAX_VALUE));
    micrometer.gauge(
        SwarmWorker.HEALTH_WARNINGS,
        "Health checks past their threshold, as of the last health check",
        Tags.empty(),
        () -> {
          SwarmHealth health = last;
          return health == null ? 0 : health.warnings().size();
        });
  }
}
