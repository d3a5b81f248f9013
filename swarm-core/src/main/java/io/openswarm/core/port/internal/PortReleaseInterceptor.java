package io.openswarm.core.port.internal;

/**
 * Test seam, not API: a {@link io.openswarm.core.port.PortProbe} that also implements this interface is consulted
 * around every release of its {@link io.openswarm.core.port.PortManager}'s leases. The testkit's fault injection uses
 * it to make a cell's "release port" teardown step fail or hang on purpose.
 *
 * <p>A real release cannot fail: {@link io.openswarm.core.port.PortLease#close()} clears the manager's slot, drops the
 * lock-file claim (whose errors it ignores, because the lock dies with its channel) and queues the port again. So an
 * interceptor that fails must keep {@code release} and run it later, or the port stays allocated for the life of the
 * manager — exactly the leak such a fault shows.
 *
 * <p>Implementations must be thread-safe: leases are closed from any thread.
 */
@FunctionalInterface
public interface PortReleaseInterceptor {

  /**
   * Called once per lease as it is closed.
   *
   * @param port the port being released
   * @param release gives the port back to the manager; must be run exactly once, now or later
   * @throws RuntimeException whatever the interceptor throws reaches the caller of {@code close()}
   */
  void aroundRelease(int port, Runnable release);
}
