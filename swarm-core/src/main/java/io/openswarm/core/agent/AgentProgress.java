package io.openswarm.core.agent;

/**
 * Receives signs of life while an agent works. The Temporal activity turns them into heartbeats;
 * the local driver logs them. Called from the agent's own threads; implementations must be
 * thread-safe and quick.
 */
@FunctionalInterface
public interface AgentProgress {

  /**
   * The agent did something (an event arrived, a tool ran, output was written).
   *
   * @param what a short, human-readable description, never containing secrets
   */
  void onProgress(String what);

  /**
   * Ignores progress.
   *
   * @return a progress listener that does nothing
   */
  static AgentProgress none() {
    return what -> {};
  }
}
