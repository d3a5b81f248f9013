package io.openswarm.core.port;

/**
 * Runs around every release of a {@link PortManager}'s leases: a {@link PortProbe} that also
 * implements this interface is consulted each time a {@link PortLease} is closed. For what must
 * happen when a port goes back to the pool and not before: auditing or tracing releases, holding a
 * port back until something else is known to be done with it, or, in the testkit's fault injection,
 * making a cell's "release port" teardown step fail or hang on purpose.
 *
 * <pre>{@code
 * final class AuditedProbe implements PortProbe, PortReleaseInterceptor {
 *   public boolean isFree(int port) { return PortProbe.bind().isFree(port); }
 *   public void aroundRelease(int port, Runnable release) {
 *     release.run();
 *     audit.log("port " + port + " released");
 *   }
 * }
 * PortManager ports = PortManager.newBuilder().range(8000, 8100).probe(new AuditedProbe()).build();
 * }</pre>
 *
 * <p>A real release cannot fail: it clears the manager's slot, drops the lock-file claim (whose
 * errors it ignores, because the lock dies with its channel) and queues the port again. So an
 * interceptor that throws must keep {@code release} and run it later, or the port stays allocated
 * for the life of the manager — exactly the leak such a fault shows.
 *
 * <p>Implementations must be thread-safe: leases are closed from any thread.
 */
@FunctionalInterface
public interface PortReleaseInterceptor {

  /**
   * Called once per lease as it is closed, on the closing thread.
   *
   * @param port the port being released
   * @param release gives the port back to the manager; must be run exactly once, now or later
   * @throws RuntimeException whatever the interceptor throws reaches the caller of {@link
   *     PortLease#close()}
   */
  void aroundRelease(int port, Runnable release);
}
