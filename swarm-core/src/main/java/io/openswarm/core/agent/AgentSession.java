package io.openswarm.core.agent;

import java.time.Duration;
import java.util.Objects;

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
  Turn prompt(String prompt, Duration timeout, Progress progress);

  /** Stops the current turn, if any, as soon as possible. Idempotent; does not stop the agent. */
  void abort();

  /**
   * Stops the agent and everything it started, and releases what the session holds. Idempotent.
   * Never throws for an agent that already stopped; throws only when something could not be
   * stopped.
   */
  @Override
  void close();

  /**
   * What one prompt produced, as the agent reports it. Which files changed is not taken from the
   * agent: the library asks git.
   *
   * @param summary the agent's final message (its own summary of the work); may be empty
   * @param inputTokens tokens the model read during the turn, or -1 if unknown
   * @param outputTokens tokens the model wrote during the turn, or -1 if unknown
   */
  record Turn(String summary, long inputTokens, long outputTokens) {

    /**
     * Checks the summary.
     *
     * @param summary the agent's final message; not null, may be empty
     * @param inputTokens tokens the model read during the turn, or -1 if unknown
     * @param outputTokens tokens the model wrote during the turn, or -1 if unknown
     * @throws NullPointerException if {@code summary} is null
     */
    public Turn {
      Objects.requireNonNull(summary, "summary cannot be null");
    }

    /**
     * A turn with a summary and no token counts.
     *
     * @param summary the agent's final message; not null, may be empty
     * @return a turn whose token counts are -1 (unknown)
     * @throws NullPointerException if {@code summary} is null
     */
    public static Turn of(String summary) {
      return new Turn(summary, -1, -1);
    }
  }

  /**
   * Receives signs of life while an agent works. The Temporal activity turns them into heartbeats;
   * the local driver logs them. Called from the agent's own threads; implementations must be
   * thread-safe and quick.
   */
  @FunctionalInterface
  interface Progress {

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
    static Progress none() {
      return what -> {};
    }
  }
}
