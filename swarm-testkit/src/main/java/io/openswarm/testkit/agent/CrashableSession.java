package io.openswarm.testkit.agent;

import io.openswarm.core.agent.AgentSession;

/**
 * An agent session backed by a real process that a test can kill abruptly, as the out-of-memory
 * killer or a segmentation fault would. The fault injector's {@link
 * io.openswarm.testkit.fault.FaultInjector.Point#AGENT_CRASH} uses it.
 *
 * <p>{@link #crash()} may be called from any thread, also while a turn runs; implementations must
 * allow that.
 */
public interface CrashableSession extends AgentSession {

  /**
   * Kills the agent's process with SIGKILL, without going through the session's own stop. A turn in
   * progress then ends with an {@link io.openswarm.core.agent.AgentException} {@code CRASHED};
   * {@link #close()} still cleans up.
   */
  void crash();
}
