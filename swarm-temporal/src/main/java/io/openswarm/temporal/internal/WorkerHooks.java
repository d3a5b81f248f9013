package io.openswarm.temporal.internal;

import io.openswarm.core.port.PortProbe;

/**
 * How a {@link io.openswarm.temporal.SwarmWorker} gets the parts its cells are made of from the
 * ones it built: the worker's side of the public {@code CellInterceptor}s, which it applies through
 * this interface so that the code assembling a worker does not depend on the public package. Not
 * API: may change in any release.
 *
 * <p>Implementations must be thread-safe if the parts they return are used concurrently (they are).
 */
public interface WorkerHooks {

  /** Changes nothing. */
  WorkerHooks NONE = new WorkerHooks() {};

  /**
   * Returns the port probe the worker's port manager consults, given the worker's own; called once
   * at start.
   *
   * @param probe the worker's probe
   * @return the probe to use, typically a decorator of {@code probe}
   */
  default PortProbe decorateProbe(PortProbe probe) {
    return probe;
  }

  /**
   * Returns the parts the worker builds its cells from, given the ones it made; called once at
   * start.
   *
   * @param parts the worker's own parts
   * @return the parts to use, typically decorators of {@code parts}
   */
  default CellParts decorate(CellParts parts) {
    return parts;
  }
}
