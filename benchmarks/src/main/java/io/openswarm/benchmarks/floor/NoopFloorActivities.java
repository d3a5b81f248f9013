package io.openswarm.benchmarks.floor;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * {@link FloorActivities} that do nothing: they return at once, or after sleeping a fixed delay,
 * which stands for a step that takes time without using the machine. Thread-safe (stateless).
 */
public final class NoopFloorActivities implements FloorActivities {

  private final String hostQueue;
  private final Duration delay;

  /**
   * Activities that return at once.
   *
   * @param hostQueue the queue {@link #bootstrap} hands back, as a real worker hands back its own
   *     host queue
   */
  public NoopFloorActivities(String hostQueue) {
    this(hostQueue, Duration.ZERO);
  }

  /**
   * Activities that each sleep {@code delay} before returning.
   *
   * @param hostQueue the queue {@link #bootstrap} hands back, as a real worker hands back its own
   *     host queue
   * @param delay how long each activity sleeps; zero returns at once
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public NoopFloorActivities(String hostQueue, Duration delay) {
    this.hostQueue = Objects.requireNonNull(hostQueue, "hostQueue cannot be null");
    Objects.requireNonNull(delay, "delay cannot be null");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative but was " + delay);
    }
    this.delay = delay;
  }

  @Override
  public String bootstrap(String cellId) {
    pause();
    return hostQueue;
  }

  @Override
  public String execute(String cellId) {
    pause();
    return "";
  }

  @Override
  public int runTests(String cellId) {
    pause();
    return 0;
  }

  @Override
  public String commit(String cellId) {
    pause();
    return cellId;
  }

  @Override
  public void teardown(String cellId) {
    // Nothing was acquired, so there is nothing to give back; only the delay stands for the work.
    pause();
  }

  private void pause() {
    if (delay.isZero()) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(delay.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while standing for a step", e);
    }
  }
}
