package io.openswarm.core.port;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Asks the operating system whether a port is free before {@link PortManager} hands it out, so that
 * a port held by a process the manager does not know about (another program, an orphaned agent
 * server) is skipped instead of leased.
 *
 * <p>A probe that also implements {@link ReleaseInterceptor} is consulted around every release of
 * the manager's leases too.
 *
 * <p>Implementations must be thread-safe; the manager calls them concurrently and outside any lock.
 */
@FunctionalInterface
public interface PortProbe {

  /**
   * Whether {@code port} can be bound now.
   *
   * @param port a port within the manager's range
   * @return {@code true} if the port is free, {@code false} if some process holds it
   */
  boolean isFree(int port);

  /**
   * The default probe: binds a {@link ServerSocket} to {@code 127.0.0.1:port} and closes it at
   * once. Agent servers listen on the loopback address, so this is the bind they will do; a process
   * listening on the wildcard address also makes it fail.
   *
   * @return the shared bind probe
   */
  static PortProbe bind() {
    return BindProbe.INSTANCE;
  }

  /**
   * A probe that trusts the manager's own bookkeeping and never asks the operating system.
   *
   * @return the shared probe that reports every port free
   */
  static PortProbe none() {
    return NoProbe.INSTANCE;
  }

  /**
   * Runs around every release of a {@link PortManager}'s leases: a {@link PortProbe} that also
   * implements this interface is consulted each time a {@link PortLease} is closed. For what must
   * happen when a port goes back to the pool and not before: auditing or tracing releases, holding
   * a port back until something else is known to be done with it, or, in the testkit's fault
   * injection, making a cell's "release port" teardown step fail or hang on purpose.
   *
   * <pre>{@code
   * final class AuditedProbe implements PortProbe, PortProbe.ReleaseInterceptor {
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
  interface ReleaseInterceptor {

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
}

/** Binds the loopback address to find out whether a port is free. */
enum BindProbe implements PortProbe {
  INSTANCE;

  @Override
  public boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      // Java enables SO_REUSEADDR on server sockets on Linux and macOS, so a port whose last
      // connection is in
      // TIME_WAIT counts as free, exactly as it will be for the agent server that binds it next.
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "PortProbe.bind()";
  }
}

/** Trusts the bookkeeping. */
enum NoProbe implements PortProbe {
  INSTANCE;

  @Override
  public boolean isFree(int port) {
    return true;
  }

  @Override
  public String toString() {
    return "PortProbe.none()";
  }
}
