package io.openswarm.core.agent;

import java.time.Duration;

/**
 * One running agent of one cell, from start until {@link #close()}.
 *
 * <p>{@link #abort()} and {@link #close()} may be called from any thread, also while {@link
 * #prompt} runs (that is how cancellation reaches a working agent); the other methods are called by
 * one thread at a time.
 */
public interface AgentSession extends AutoCloseable {

  /**
   * Waits until the agent can take a prompt.
   *
   * @param timeout how long to wait at most; positive
   * @throws AgentException with {@link AgentException.Reason#NOT_READY} when the deadline passes,
   *     or {@link AgentException.Reason#START_FAILED} when the agent exits first
   */
  void awaitReady(Duration timeout);

  /**
   * Gives the agent a task and waits until its turn is over.
   *
   * @param prompt the task, passed to the agent unchanged
   * @param timeout how long the whole turn may take
   * @param progress told about every sign of life, for heartbeats
   * @return the agent's own account of the turn
   * @throws AgentException if the turn failed, timed out, was aborted, or the agent died
   */
  AgentTurn prompt(String prompt, Duration timeout, AgentProgress progress);

  /** Stops the current turn, if any, as soon as possible. Idempotent; does not stop the agent. */
  void abort();

  /**
   * Stops the agent and everything it started, and releases what the session holds. Idempotent.
   * Never throws for an agent that already stopped; throws only when something could not be
   * stopped.
   */
  @Override
  void close();
}
