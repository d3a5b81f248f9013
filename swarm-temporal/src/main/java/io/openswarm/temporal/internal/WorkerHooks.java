package io.openswarm.temporal.internal;

import io.openswarm.core.port.PortProbe;

/**
 * Test seams of a {@link io.openswarm.temporal.SwarmWorker}: the testkit's fault injection wraps the parts cells are
 * made of. Not API: may change in any release; users have
 * no reason to set it.
 *
 * <p>Implementations must be thread-safe if the parts they return are used concurrently (they are).
 */
public interface WorkerHooks {

  /** Changes nothing. */
  WorkerHooks NONE = new WorkerHooks() { };

  /**
   * Returns the port probe the worker's port manager consults, given the worker's own; called once at start.
   *
   * @param probe the worker's probe
   * @return the probe to use, typically a decorator of {@code probe}
   */
  default PortProbe decorateProbe(PortProbe probe) {
    return probe;
  }

  /**
   * Returns the parts the worker builds its cells from, given the ones it made; called once at start.
   *
   * @param parts the worker's own parts
   * @return the parts to use, typically decorators of {@code parts}
   */
  default CellParts decorate(CellParts parts) {
    return parts;
  }
}
