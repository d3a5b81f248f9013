package io.openswarm.core.port;

import io.openswarm.core.port.internal.PortLockFiles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One port leased from a {@link PortManager}. Closing the lease gives the port back; closing it
 * again does nothing, so a lease can be closed both by a {@code try}-with-resources block and by a
 * compensation step without harm.
 *
 * <p>Thread-safe.
 */
public final class PortLease implements AutoCloseable {

  private static final VarHandle RELEASED;

  static {
    try {
      RELEASED = MethodHandles.lookup().findVarHandle(PortLease.class, "released", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final PortManager owner;
  private final int port;
  private final PortLockFiles.@Nullable Claim claim;

  // A field with a VarHandle rather than an AtomicBoolean: one object per lease on the allocation
  // hot path.
  @SuppressWarnings("unused") // accessed through RELEASED
  private volatile boolean released;

  PortLease(PortManager owner, int port, PortLockFiles.@Nullable Claim claim) {
    this.owner = owner;
    this.port = port;
    this.claim = claim;
  }

  /**
   * The leased port.
   *
   * @return the port number, within the manager's range
   */
  public int port() {
    return port;
  }

  /**
   * Whether the lease has been closed.
   *
   * @return true once {@link #close()} has run
   */
  public boolean isReleased() {
    return released;
  }

  /** Gives the port back to the manager. Idempotent. */
  @Override
  public void close() {
    if (RELEASED.compareAndSet(this, false, true)) {
      owner.release(this);
    }
  }

  /** Drops the cross-process claim, if any. Called by the manager exactly once per lease. */
  void dropClaim() {
    if (claim != null) {
      claim.close();
    }
  }

  @Override
  public String toString() {
    return "PortLease[port=" + port + (released ? ", released" : "") + "]";
  }
}
