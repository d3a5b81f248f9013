package io.openswarm.temporal.internal;

import io.temporal.worker.tuning.ActivitySlotInfo;
import io.temporal.worker.tuning.SlotMarkUsedContext;
import io.temporal.worker.tuning.SlotPermit;
import io.temporal.worker.tuning.SlotReleaseContext;
import io.temporal.worker.tuning.SlotReserveContext;
import io.temporal.worker.tuning.SlotSupplier;
import io.temporal.worker.tuning.SlotSupplierFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backpressure on the shared task queue: the activity slot supplier of the worker's shared-queue
 * worker, which hands a poller a slot only while one more cell fits on this host. A poller without
 * a slot does not poll, so new bootstraps stay in Temporal's queue (where another worker with room
 * may take them) instead of failing here with {@code PortExhausted}; when a cell is torn down and
 * room returns, the waiting pollers get their slots and polling resumes.
 *
 * <h2>Why a slot supplier and not {@code Worker.suspendPolling()}</h2>
 *
 * The shared queue also carries workflow tasks, including those of cells already running here:
 * suspending the whole worker would stop those workflows from reaching teardown, and so from ever
 * giving capacity back. Temporal reserves an activity slot before each activity poll and a workflow
 * slot before each workflow poll; holding back only the activity slots stops only the bootstraps
 * (and the repository activities that share the queue), while workflow tasks and the host queue's
 * steps keep flowing.
 *
 * <h2>How it works</h2>
 *
 * The {@link Capacity} says how many more cells fit now (the least of: the cell limit less live
 * cells, available ports, worktrees not leased, and cells that fit in memory below the ceiling). A
 * reservation is granted while that headroom exceeds the permits already issued and fewer than
 * {@code maxSlots} are issued; otherwise it waits in FIFO order. Waiters are re-examined when a
 * slot is released, when {@link #recheck()} is called (a cell was torn down), and on a short tick
 * (ports and memory change without telling anyone).
 *
 * <p>Invariants: {@code issued} counts exactly the permits handed to the SDK and not yet released
 * (a grant that loses a race with an aborted reservation is taken back); it never exceeds {@code
 * maxSlots}. Issued permits are counted against the headroom even while their bootstrap is already
 * counted as a live cell: the overlap makes admission briefly conservative, never generous.
 *
 * <p>Thread-safe. Futures are completed outside the lock, since completing one runs the SDK's
 * continuations.
 */
public final class CellAdmission implements SlotSupplier<ActivitySlotInfo>, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CellAdmission.class);

  /** How many more cells fit now, and what limits them. */
  public record Headroom(int cells, String limitedBy, String detail) {}

  /** The host's capacity for new cells. */
  @FunctionalInterface
  public interface Capacity {
    /** The headroom now; must be cheap and must not block. */
    Headroom headroom();
  }

  private final int maxSlots;
  private final Capacity capacity;
  private final String hostId;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<CompletableFuture<SlotPermit>> waiters = new ArrayDeque<>();
  private final @Nullable ScheduledFuture<?> ticker;
  private int issued;
  private volatile Headroom last = new Headroom(Integer.MAX_VALUE, "none", "not yet measured");
  private volatile boolean holdingBack;
  private long holdingBackSince;

  /**
   * @param maxSlots the most activities of the shared queue at once (the SDK sizes its thread pool
   *     by it)
   * @param capacity the host's capacity for new cells
   * @param scheduler runs the periodic re-examination
   * @param tick how often waiters are re-examined when nothing else prompts it
   * @param hostId for log lines
   */
  public CellAdmission(
      int maxSlots,
      Capacity capacity,
      ScheduledExecutorService scheduler,
      Duration tick,
      String hostId) {
    if (maxSlots < 1) {
      throw new IllegalArgumentException("maxSlots must be at least 1 but was " + maxSlots);
    }
    this.maxSlots = maxSlots;
    this.capacity = Objects.requireNonNull(capacity, "capacity cannot be null");
    this.hostId = Objects.requireNonNull(hostId, "hostId cannot be null");
    Objects.requireNonNull(scheduler, "scheduler cannot be null");
    long period = Objects.requireNonNull(tick, "tick cannot be null").toMillis();
    this.ticker =
        scheduler.scheduleWithFixedDelay(
            this::recheckQuietly, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public SlotSupplierFuture reserveSlot(SlotReserveContext<ActivitySlotInfo> context) {
    CompletableFuture<SlotPermit> waiter = new CompletableFuture<>();
    lock.lock();
    try {
      waiters.addLast(waiter);
    } finally {
      lock.unlock();
    }
    recheck();
    return SlotSupplierFuture.fromCompletableFuture(waiter, () -> abandon(waiter));
  }

  @Override
  public Optional<SlotPermit> tryReserveSlot(SlotReserveContext<ActivitySlotInfo> context) {
    // Eager dispatch of a bootstrap scheduled by a workflow task on this worker: the same rule,
    // without waiting.
    Headroom headroom = measure();
    lock.lock();
    try {
      if (waiters.isEmpty() && grantable(headroom)) {
        issued++;
        return Optional.of(new SlotPermit());
      }
      return Optional.empty();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void markSlotUsed(SlotMarkUsedContext<ActivitySlotInfo> context) {}

  @Override
  public void releaseSlot(SlotReleaseContext<ActivitySlotInfo> context) {
    giveBack();
  }

  @Override
  public Optional<Integer> getMaximumSlots() {
    return Optional.of(maxSlots);
  }

  /** Re-examines the waiting pollers now, for example because a cell was torn down. */
  public void recheck() {
    Headroom headroom = measure();
    List<CompletableFuture<SlotPermit>> granted = new ArrayList<>();
    lock.lock();
    try {
      while (!waiters.isEmpty() && grantable(headroom)) {
        granted.add(waiters.pollFirst());
        issued++;
      }
    } finally {
      lock.unlock();
    }
    boolean lost = false;
    for (CompletableFuture<SlotPermit> waiter : granted) {
      if (!waiter.complete(new SlotPermit())) {
        // Aborted between the grant and now: the SDK never saw this permit, so it is not released
        // by the SDK.
        lost = true;
        lock.lock();
        try {
          issued--;
        } finally {
          lock.unlock();
        }
      }
    }
    if (lost) {
      recheck();
    }
  }

  /** Whether no new cell fits on this host now, so bootstraps are left in the shared queue. */
  public boolean holdingBack() {
    return holdingBack;
  }

  /** The headroom last measured. */
  public Headroom headroom() {
    return last;
  }

  /** Permits handed out and not yet released. */
  public int issued() {
    lock.lock();
    try {
      return issued;
    } finally {
      lock.unlock();
    }
  }

  /** Pollers waiting for a slot. */
  public int waiting() {
    lock.lock();
    try {
      return waiters.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the periodic re-examination; the SDK aborts what still waits when its worker shuts down.
   */
  @Override
  public void close() {
    if (ticker != null) {
      ticker.cancel(false);
    }
  }

  @Override
  public String toString() {
    Headroom headroom = last;
    return "CellAdmission{maxSlots="
        + maxSlots
        + ", issued="
        + issued()
        + ", waiting="
        + waiting()
        + ", headroom="
        + headroom.cells()
        + " ("
        + headroom.limitedBy()
        + ")}";
  }

  private boolean grantable(Headroom headroom) {
    return issued < maxSlots && (long) headroom.cells() - issued >= 1;
  }

  private void abandon(CompletableFuture<SlotPermit> waiter) {
    boolean wasWaiting;
    lock.lock();
    try {
      wasWaiting = waiters.remove(waiter);
    } finally {
      lock.unlock();
    }
    // Granted, but the reservation was aborted before the SDK took the permit: give it back. If the
    // grant is still
    // being delivered, cancelling makes its completion fail and the granting thread gives it back
    // instead.
    if (!wasWaiting && !waiter.cancel(false) && !waiter.isCompletedExceptionally()) {
      giveBack();
    }
  }

  private void giveBack() {
    lock.lock();
    try {
      if (issued > 0) {
        issued--;
      }
    } finally {
      lock.unlock();
    }
    recheck();
  }

  private Headroom measure() {
    Headroom headroom;
    try {
      headroom = capacity.headroom();
    } catch (RuntimeException e) {
      log.warn(
          "swarm worker {}: cannot measure the capacity for new cells; admitting none until it can",
          hostId,
          e);
      headroom = new Headroom(0, "error", String.valueOf(e.getMessage()));
    }
    last = headroom;
    boolean full = headroom.cells() <= 0;
    if (full != holdingBack) {
      lock.lock();
      try {
        if (full != holdingBack) {
          holdingBack = full;
          long now = System.nanoTime();
          // Under steady load this flips with every cell that ends, so it is DEBUG; the worker's
          // health check
          // reports the state at INFO when it changes between checks.
          if (full) {
            holdingBackSince = now;
            log.debug(
                "swarm worker {}: backpressure on, no room for another cell ({}); new cells wait in the shared"
                    + " queue",
                hostId,
                headroom.detail());
          } else {
            log.debug(
                "swarm worker {}: backpressure off after {} ms, room for {} more cell(s)",
                hostId,
                TimeUnit.NANOSECONDS.toMillis(now - holdingBackSince),
                headroom.cells());
          }
        }
      } finally {
        lock.unlock();
      }
    }
    return headroom;
  }

  private void recheckQuietly() {
    try {
      recheck();
    } catch (RuntimeException e) {
      log.warn("swarm worker {}: re-examining waiting pollers failed", hostId, e);
    }
  }
}
