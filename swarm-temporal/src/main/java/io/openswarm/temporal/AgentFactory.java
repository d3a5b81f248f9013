package io.openswarm.temporal;

import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.infra.process.ProcessSupervisor;

/**
 * Creates the agent runtime of a {@link SwarmWorker}, given the worker's process supervisor (which
 * applies the cells' sandbox).
 */
@FunctionalInterface
public interface AgentFactory {
  /**
   * Creates the runtime every cell of the worker uses.
   *
   * @param supervisor the worker's process supervisor, which applies the cells' sandbox
   * @return the runtime; one serves every cell of the worker, so it must be thread-safe
   */
  AgentRuntime create(ProcessSupervisor supervisor);
}
