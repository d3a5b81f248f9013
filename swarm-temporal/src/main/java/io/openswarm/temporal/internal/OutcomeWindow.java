package io.openswarm.temporal.internal;

import io.openswarm.core.CellStatus;
import io.openswarm.core.metrics.SwarmMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The outcomes of the last stretch of time, for the error rate of a worker's health: how many cells
 * (and DAG task attempts) ended, and how many of them failed. A cancellation is not a failure: a
 * caller asked for it.
 *
 * <p>Time is cut into {@value #BUCKETS} buckets of a window each; a bucket older than the window is
 * forgotten, so a burst of failures stops counting once it is a window old (give or take one
 * bucket).
 *
 * <p>Thread-safe: a short lock around array updates, no I/O under it.
 */
public final class OutcomeWindow implements SwarmMetrics {

  /** The number of buckets the window is cut into. */
  static final int BUCKETS = 30;

  /** Counts within the window. */
  public record Counts(long outcomes, long failures) {
    /** Failures per outcome, 0 when there were none. */
    public double errorRate() {
      return outcomes == 0 ? 0 : (double) failures / outcomes;
    }
  }

  private final long bucketNanos;
  private final LongSupplier nanoTime;
  private final ReentrantLock lock = new ReentrantLock();
  private final long[] bucketIndex = new long[BUCKETS];
  private final long[] outcomes = new long[BUCKETS];
  private final long[] failures = new long[BUCKETS];

  /**
   * @param window how far back outcomes count
   * @param nanoTime the clock, {@link System#nanoTime()} outside tests
   */
  public OutcomeWindow(Duration window, LongSupplier nanoTime) {
    Objects.requireNonNull(window, "window cannot be null");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime cannot be null");
    this.bucketNanos = Math.max(1, window.toNanos() / BUCKETS);
    java.util.Arrays.fill(bucketIndex, Long.MIN_VALUE);
  }

  @Override
  public void cellFinished(CellStatus status, String failureType) {
    record(status == CellStatus.FAILED && !"Cancelled".equals(failureType));
  }

  @Override
  public void dagAttemptFinished(String status, String failureType) {
    if ("CANCELLED".equals(status)) {
      return;
    }
    record("FAILED".equals(status) && !"Cancelled".equals(failureType));
  }

  /** The counts of the last window. */
  public Counts counts() {
    long now = Math.floorDiv(nanoTime.getAsLong(), bucketNanos);
    long total = 0;
    long failed = 0;
    lock.lock();
    try {
      for (int i = 0; i < BUCKETS; i++) {
        if (bucketIndex[i] > now - BUCKETS) {
          total += outcomes[i];
          failed += failures[i];
        }
      }
    } finally {
      lock.unlock();
    }
    return new Counts(total, failed);
  }

  private void record(boolean failure) {
    long index = Math.floorDiv(nanoTime.getAsLong(), bucketNanos);
    int slot = (int) Math.floorMod(index, (long) BUCKETS);
    lock.lock();
    try {
      if (bucketIndex[slot] != index) {
        bucketIndex[slot] = index;
        outcomes[slot] = 0;
        failures[slot] = 0;
      }
      outcomes[slot]++;
      if (failure) {
        failures[slot]++;
      }
    } finally {
      lock.unlock();
    }
  }
}
