package io.openswarm.core.agent;

import java.util.Objects;

/**
 * What one prompt produced, as the agent reports it. Which files changed is not taken from the
 * agent: the library asks git.
 *
 * @param summary the agent's final message (its own summary of the work); may be empty
 * @param inputTokens tokens the model read during the turn, or -1 if unknown
 * @param outputTokens tokens the model wrote during the turn, or -1 if unknown
 */
public record AgentTurn(String summary, long inputTokens, long outputTokens) {

  /**
   * Checks the summary.
   *
   * @param summary the agent's final message; not null, may be empty
   * @param inputTokens tokens the model read during the turn, or -1 if unknown
   * @param outputTokens tokens the model wrote during the turn, or -1 if unknown
   * @throws NullPointerException if {@code summary} is null
   */
  public AgentTurn {
    Objects.requireNonNull(summary, "summary cannot be null");
  }

  /**
   * A turn with a summary and no token counts.
   *
   * @param summary the agent's final message; not null, may be empty
   * @return a turn whose token counts are -1 (unknown)
   * @throws NullPointerException if {@code summary} is null
   */
  public static AgentTurn of(String summary) {
    return new AgentTurn(summary, -1, -1);
  }
}
