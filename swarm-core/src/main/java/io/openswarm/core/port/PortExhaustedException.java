package io.openswarm.core.port;

/**
 * Thrown when {@link PortManager} has no port to hand out: every port of its range is leased, or
 * held by another process, or both.
 *
 * <p>The message names the range and the counts, for example {@code no available ports in range
 * 8000-9000 (all 1001 ports allocated)}; the counts are also available as properties so callers
 * (backpressure, metrics) need not parse it.
 */
public final class PortExhaustedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The range that had no free port; never null. */
  private final PortRange range;

  /** How many ports the manager had leased when it gave up. */
  private final int allocated;

  /** How many ports were quarantined when it gave up. */
  private final int quarantined;

  PortExhaustedException(PortRange range, int allocated, int quarantined, String message) {
    super(message);
    this.range = range;
    this.allocated = allocated;
    this.quarantined = quarantined;
  }

  /**
   * The range that had no free port.
   *
   * @return the manager's range; never null
   */
  public PortRange range() {
    return range;
  }

  /**
   * How many ports were leased by the manager when it gave up.
   *
   * @return the number of leased ports, 0 or more
   */
  public int allocatedCount() {
    return allocated;
  }

  /**
   * How many ports were quarantined because another process held them when it gave up.
   *
   * @return the number of quarantined ports, 0 or more
   */
  public int quarantinedCount() {
    return quarantined;
  }
}
