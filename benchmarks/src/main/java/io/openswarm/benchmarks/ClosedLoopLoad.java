package io.openswarm.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Runs a fixed number of cells with a fixed number in flight: the next cell starts as soon as one
 * ends (a closed loop, like a worker whose slots are always busy), so the latency of a cell is its
 * own time in the system, not time spent queued behind cells submitted before it.
 *
 * <p>A cell's latency runs from just before the call that starts it (which includes the start
 * request to the server) to the moment its result arrives. The first failed cell stops the run: no
 * new cell starts, the ones in flight are waited for, and {@link #run} throws.
 *
 * <p>Stateless; each call uses its own bookkeeping, so calls may run at the same time.
 */
final class ClosedLoopLoad {

  private ClosedLoopLoad() {}

  /**
   * Runs {@code cells} cells named {@code <idPrefix><n>}, at most {@code concurrency} at once, all
   * in flight from the start.
   *
   * @see #run(int, int, String, Function, Duration, Duration)
   */
  static <T> LoadResult<T> run(
      int cells,
      int concurrency,
      String idPrefix,
      Function<String, CompletableFuture<T>> cell,
      Duration timeout)
      throws InterruptedException {
    return run(cells, concurrency, idPrefix, cell, Duration.ZERO, timeout);
  }

  /**
   * Runs {@code cells} cells named {@code <idPrefix><n>}, at most {@code concurrency} at once, the
   * first {@code concurrency} of them spread evenly over {@code rampUp} (so that cells do not move
   * through their steps in lockstep, all bootstrapping at once, then all waiting for their agents
   * at once).
   *
   * @param cell starts the cell of an id and returns its result when it ends
   * @param rampUp how long it takes to get {@code concurrency} cells in flight; zero starts them at
   *     once
   * @param timeout the limit on the whole run
   * @throws IllegalArgumentException if {@code cells} or {@code concurrency} is below 1
   * @throws IllegalStateException if a cell failed or the run took longer than {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  static <T> LoadResult<T> run(
      int cells,
      int concurrency,
      String idPrefix,
      Function<String, CompletableFuture<T>> cell,
      Duration rampUp,
      Duration timeout)
      throws InterruptedException {
    if (cells < 1 || concurrency < 1) {
      throw new IllegalArgumentException(
          "cells and concurrency must be at least 1 but were " + cells + " and " + concurrency);
    }
    Objects.requireNonNull(cell, "cell cannot be null");
    Semaphore slots = new Semaphore(concurrency);
    long[] latencies = new long[cells];
    Object[] results = new Object[cells];
    AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    AtomicLong lastEnd = new AtomicLong();
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    int started = 0;
    for (; started < cells && failure.get() == null; started++) {
      if (!slots.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(
            "timed out after " + timeout + " with " + started + " of " + cells + " cells started");
      }
      if (failure.get() != null) {
        // A cell failed while this thread waited for its slot.
        slots.release();
        break;
      }
      if (started > 0 && started < concurrency && !rampUp.isZero()) {
        long due = start + rampUp.toNanos() * started / concurrency;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      int index = started;
      String id = idPrefix + index;
      long begun = System.nanoTime();
      CompletableFuture<T> future;
      try {
        future = cell.apply(id);
      } catch (RuntimeException e) {
        failure.compareAndSet(
            null, new IllegalStateException("cell " + id + " could not be started", e));
        slots.release();
        break;
      }
      future.whenComplete(
          (value, error) -> {
            long end = System.nanoTime();
            latencies[index] = end - begun;
            results[index] = value;
            lastEnd.accumulateAndGet(end, Math::max);
            if (error != null) {
              failure.compareAndSet(
                  null, new IllegalStateException("cell " + id + " failed", error));
            }
            slots.release();
          });
    }
    // Every slot back means every cell that was started has ended.
    if (!slots.tryAcquire(
        concurrency, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException(
          "timed out after "
              + timeout
              + " with "
              + (concurrency - slots.availablePermits())
              + " of "
              + started
              + " started cells still running");
    }
    Throwable failed = failure.get();
    if (failed != null) {
      throw failed instanceof IllegalStateException e ? e : new IllegalStateException(failed);
    }
    List<T> ordered = new ArrayList<>(cells);
    for (Object result : results) {
      @SuppressWarnings("unchecked") // Only the future of a T ever stores into results.
      T value = (T) result;
      ordered.add(value);
    }
    return new LoadResult<>(
        concurrency, Duration.ofNanos(lastEnd.get() - start), latencies, ordered);
  }
}
