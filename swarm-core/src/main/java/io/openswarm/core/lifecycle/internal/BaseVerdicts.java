package io.openswarm.core.lifecycle.internal;

import io.openswarm.core.testrun.TestRunner;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The verdicts of base checks that one worker's cells already ran: the test command on a base
 * commit, green or red.
 *
 * <h2>How it works</h2>
 *
 * A {@link Key} is everything that can change the verdict and varies between cells of one worker:
 * the base commit, the command and the time limit (null for the runner's own). The runner, its
 * environment, its sandbox and the worktree set-up are the worker's and the same for every cell, so
 * one instance per worker covers them.
 *
 * <p>The first cell that asks for a key runs the check; cells that ask for the same key meanwhile
 * wait for that run instead of running the tests N times. Only a definite verdict (the command ran
 * to its end and exited by itself, with 0 or with another code than 126/127) is kept: a run that
 * gave no verdict (it could not run, it was killed, it threw, its thread was interrupted) is
 * forgotten, and each waiter then tries again itself, so that a cancelled cell never fails another
 * cell's check. At most {@code capacity} verdicts are kept, the least recently used dropped first.
 *
 * <p>Thread-safe. The lock guards only the map; no test runs under it.
 */
public final class BaseVerdicts {

  /** What a verdict depends on. */
  public record Key(String baseCommit, @Nullable List<String> command, @Nullable Duration timeout) {
    /**
     * @throws NullPointerException if {@code baseCommit} is null
     */
    public Key {
      Objects.requireNonNull(baseCommit, "baseCommit cannot be null");
      command = command == null ? null : List.copyOf(command);
    }
  }

  /** A check's result and whether it was another run's (so this cell ran nothing). */
  public record Verdict(TestRunner.Result result, boolean reused) {}

  /** Runs the check; any exception it throws ends this call with it and keeps nothing. */
  @FunctionalInterface
  public interface Check<E extends Exception> {
    TestRunner.Result run() throws E;
  }

  private final int capacity;
  private final ReentrantLock lock = new ReentrantLock();

  /** In access order; a future completed with null means "the run gave no verdict, try again". */
  private final LinkedHashMap<Key, CompletableFuture<TestRunner.@Nullable Result>> verdicts =
      new LinkedHashMap<>(16, 0.75f, true);

  /**
   * @param capacity how many verdicts to keep, at least 1
   * @throws IllegalArgumentException if {@code capacity} is below 1
   */
  public BaseVerdicts(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1 but was " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * The verdict for {@code key}: a kept one, the one a concurrent run of the same key reaches, or
   * the one {@code check} reaches now.
   *
   * @throws E what {@code check} threw; nothing is kept then
   * @throws InterruptedException if the thread was interrupted while it waited for another cell's
   *     run
   */
  public <E extends Exception> Verdict verdict(Key key, Check<E> check)
      throws E, InterruptedException {
    Objects.requireNonNull(key, "key cannot be null");
    Objects.requireNonNull(check, "check cannot be null");
    while (true) {
      CompletableFuture<TestRunner.@Nullable Result> mine = new CompletableFuture<>();
      CompletableFuture<TestRunner.@Nullable Result> existing;
      lock.lock();
      try {
        existing = verdicts.get(key);
        if (existing == null) {
          verdicts.put(key, mine);
          evictBeyondCapacity();
        }
      } finally {
        lock.unlock();
      }
      if (existing == null) {
        return new Verdict(runAndKeep(key, mine, check), false);
      }
      TestRunner.Result known;
      try {
        known = existing.get();
      } catch (ExecutionException e) {
        // Never completed exceptionally (see runAndKeep); treated as "no verdict" for safety.
        known = null;
      }
      if (known != null) {
        return new Verdict(known, true);
      }
      // The run we waited for gave no verdict and was forgotten: try again, perhaps as the one who
      // runs.
    }
  }

  /** How many verdicts are kept or being reached now. */
  public int size() {
    lock.lock();
    try {
      return verdicts.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether {@code result} is a verdict on the base: the tests ran to their end and exited by
   * themselves.
   */
  static boolean definite(TestRunner.Result result) {
    return !result.killedByLibrary() && !result.commandNotRunnable();
  }

  private <E extends Exception> TestRunner.Result runAndKeep(
      Key key, CompletableFuture<TestRunner.@Nullable Result> mine, Check<E> check) throws E {
    TestRunner.Result result = null;
    try {
      result = check.run();
      return result;
    } finally {
      boolean keep = result != null && definite(result);
      if (!keep) {
        lock.lock();
        try {
          verdicts.remove(key, mine);
        } finally {
          lock.unlock();
        }
      }
      mine.complete(keep ? result : null);
    }
  }

  private void evictBeyondCapacity() {
    Iterator<Map.Entry<Key, CompletableFuture<TestRunner.@Nullable Result>>> eldest =
        verdicts.entrySet().iterator();
    while (verdicts.size() > capacity && eldest.hasNext()) {
      eldest.next();
      // Dropping a run still in progress is harmless: its waiters hold its future, and its result
      // is simply not kept.
      eldest.remove();
    }
  }
}
