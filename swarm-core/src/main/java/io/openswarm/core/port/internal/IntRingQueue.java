package io.openswarm.core.port.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded, lock-free, multi-producer multi-consumer FIFO queue of non-negative {@code int}s,
 * without boxing.
 *
 * <p>Design: D. Vyukov's bounded MPMC queue. Each slot has a sequence number; a producer claims the
 * slot at {@code tail} when its sequence equals the position, writes the value, then publishes by
 * setting the sequence to {@code position + 1} (a release store). A consumer claims the slot at
 * {@code head} when its sequence equals {@code position + 1}, reads the value, then frees the slot
 * for the next lap by setting the sequence to {@code position + capacity}. Both operations are
 * O(1): one CAS on the position counter when uncontended.
 *
 * <p>A slot becomes reusable only when the consumer that claimed it has read it, so {@link #offer}
 * can report the queue full while fewer than {@link #capacity()} values are logically in it, if
 * consumers are paused mid-dequeue. Callers that know there is room retry.
 *
 * <p>Thread-safe.
 */
public final class IntRingQueue {

  /** Returned by {@link #poll()} when the queue is empty. */
  public static final int EMPTY = -1;

  private final int[] values;
  private final AtomicLongArray sequences;
  private final int mask;
  private final AtomicLong head = new AtomicLong();
  private final AtomicLong tail = new AtomicLong();

  /**
   * @param minimumCapacity how many values the queue must hold at once; rounded up to a power of
   *     two
   * @throws IllegalArgumentException if {@code minimumCapacity} is not between 1 and 2^30
   */
  public IntRingQueue(int minimumCapacity) {
    if (minimumCapacity < 1 || minimumCapacity > (1 << 30)) {
      throw new IllegalArgumentException(
          "minimumCapacity must be between 1 and 2^30 but was " + minimumCapacity);
    }
    int capacity = minimumCapacity == 1 ? 1 : Integer.highestOneBit(minimumCapacity - 1) << 1;
    values = new int[capacity];
    sequences = new AtomicLongArray(capacity);
    for (int i = 0; i < capacity; i++) {
      sequences.set(i, i);
    }
    mask = capacity - 1;
  }

  /** The number of values the queue can hold. */
  public int capacity() {
    return mask + 1;
  }

  /**
   * Appends {@code value} at the tail.
   *
   * @return {@code false} if the queue is full
   * @throws IllegalArgumentException if {@code value} is negative
   */
  public boolean offer(int value) {
    if (value < 0) {
      throw new IllegalArgumentException("value must not be negative but was " + value);
    }
    long position = tail.get();
    while (true) {
      int index = (int) (position & mask);
      long difference = sequences.get(index) - position;
      if (difference == 0) {
        if (tail.compareAndSet(position, position + 1)) {
          values[index] = value;
          sequences.setRelease(index, position + 1);
          return true;
        }
        position = tail.get();
      } else if (difference < 0) {
        return false;
      } else {
        position = tail.get();
      }
    }
  }

  /**
   * Removes and returns the value at the head, or {@link #EMPTY} if there is none.
   *
   * <p>When a producer has reserved the head slot but not yet published its value, this waits for
   * it (a matter of nanoseconds) rather than report the queue empty: values offered after it may
   * already be published, and a caller told "empty" then would wrongly conclude that nothing is
   * free.
   */
  public int poll() {
    long position = head.get();
    int spins = 0;
    while (true) {
      int index = (int) (position & mask);
      long difference = sequences.get(index) - (position + 1);
      if (difference == 0) {
        if (head.compareAndSet(position, position + 1)) {
          int value = values[index];
          sequences.setRelease(index, position + mask + 1);
          return value;
        }
        position = head.get();
      } else if (difference < 0) {
        if (tail.get() == position) {
          return EMPTY;
        }
        // The producer is between reserving and publishing; if it was descheduled there, let it
        // run.
        if (++spins < 64) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
        position = head.get();
      } else {
        position = head.get();
      }
    }
  }

  /**
   * Whether the queue holds no value, counting values whose producers are still publishing them.
   */
  public boolean isEmpty() {
    return tail.get() == head.get();
  }

  /**
   * The number of values in the queue; exact when no other thread is using it, an estimate
   * otherwise.
   */
  public int size() {
    while (true) {
      long before = head.get();
      long size = tail.get() - before;
      if (head.get() == before) {
        return (int) Math.max(0, Math.min(size, capacity()));
      }
    }
  }
}
