package io.openswarm.testkit.fault;

import java.util.Objects;

/**
 * What happens when a {@link FaultPoint} fires: an {@link Action}, before or after the real
 * operation.
 *
 * <p>Immutable and thread-safe.
 *
 * @param action what goes wrong
 * @param after whether it happens after the real operation succeeded (for example, SIGKILL once the
 *     commit landed) rather than instead of it
 */
public record Fault(Action action, boolean after) {

  /** What goes wrong. */
  public enum Action {
    /** The point fails the way a real implementation fails there; see {@link FaultPoint}. */
    FAIL,
    /**
     * The point blocks until the thread is interrupted, the turn is aborted or the hangs are
     * released.
     */
    HANG,
    /**
     * The JVM is killed with SIGKILL, as by the out-of-memory killer or a power cut of the process.
     */
    KILL
  }

  /**
   * Checks the action.
   *
   * @param action what goes wrong; not null
   * @param after whether it happens after the real operation succeeded rather than instead of it
   * @throws NullPointerException if {@code action} is null
   */
  public Fault {
    Objects.requireNonNull(action, "action cannot be null");
  }

  /**
   * Fails instead of the real operation.
   *
   * @return the fault
   */
  public static Fault fail() {
    return new Fault(Action.FAIL, false);
  }

  /**
   * Blocks before the real operation until interrupted, aborted or released.
   *
   * @return the fault
   */
  public static Fault hang() {
    return new Fault(Action.HANG, false);
  }

  /**
   * Blocks after the real operation succeeded, before its result is returned.
   *
   * @return the fault
   */
  public static Fault hangAfter() {
    return new Fault(Action.HANG, true);
  }

  /**
   * Kills the JVM instead of the real operation.
   *
   * @return the fault
   */
  public static Fault kill() {
    return new Fault(Action.KILL, false);
  }

  /**
   * Kills the JVM after the real operation succeeded, before its result is returned.
   *
   * @return the fault
   */
  public static Fault killAfter() {
    return new Fault(Action.KILL, true);
  }

  @Override
  public String toString() {
    return action.name().toLowerCase(java.util.Locale.ROOT) + (after ? " after" : "");
  }
}
