package io.openswarm.core.lifecycle.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The undo actions of a saga, run in reverse order of registration.
 *
 * <p>A step registers its compensation <em>before</em> it acquires anything, and the compensation
 * undoes whatever was actually acquired (nothing, if the acquisition failed). So a failure at any
 * point, even inside an acquisition, leaves nothing that the stack does not know how to release.
 * Unwinding runs every compensation even when earlier ones fail, and reports each failure.
 *
 * <p>Thread-safe: registration and unwinding may come from different threads (a step's thread and a
 * cancellation); each compensation runs at most once.
 */
public final class CompensationStack {

  private static final Logger log = LoggerFactory.getLogger(CompensationStack.class);

  /** An undo action. */
  @FunctionalInterface
  public interface Compensation {
    /** Undoes what its step acquired; must be safe to call when nothing was acquired. */
    void run() throws Exception;
  }

  /** A compensation that failed while unwinding. */
  public record Failure(String name, Exception error) {
    /** One line for reports: {@code <name>: <exception type>: <message>}. */
    public String describe() {
      return name + ": " + error.getClass().getSimpleName() + ": " + error.getMessage();
    }
  }

  private record Entry(String name, Compensation action) {}

  private final Deque<Entry> entries = new ArrayDeque<>();

  /**
   * Registers {@code action} under {@code name}, to run when the stack unwinds.
   *
   * @throws NullPointerException if an argument is null
   */
  public synchronized void push(String name, Compensation action) {
    entries.push(
        new Entry(
            Objects.requireNonNull(name, "name cannot be null"),
            Objects.requireNonNull(action, "action cannot be null")));
  }

  /** How many compensations are registered and not yet run. */
  public synchronized int size() {
    return entries.size();
  }

  /**
   * Runs every registered compensation, newest first, each exactly once, and returns the ones that
   * failed. The stack is empty afterwards.
   */
  public List<Failure> unwind() {
    List<Failure> failures = new ArrayList<>();
    while (true) {
      Entry next;
      synchronized (this) {
        next = entries.poll();
      }
      if (next == null) {
        return failures;
      }
      long start = System.nanoTime();
      try {
        next.action().run();
        if (log.isDebugEnabled()) {
          log.debug("{} took {} us", next.name(), (System.nanoTime() - start) / 1_000);
        }
      } catch (InterruptedException e) {
        // Keep unwinding: leaking the rest would be worse than finishing late. Restore the flag for
        // the caller.
        Thread.currentThread().interrupt();
        failures.add(new Failure(next.name(), e));
      } catch (Exception e) {
        failures.add(new Failure(next.name(), e));
      }
    }
  }
}
