package io.openswarm.infra.opencode.internal;

/**
 * Tokens a model read and wrote, as OpenCode accounts them per assistant message.
 *
 * <p>Immutable and thread-safe.
 *
 * @param input tokens read, excluding cache reads
 * @param output tokens written
 * @param reasoning reasoning tokens written
 * @param cacheRead tokens read from the provider's prompt cache
 * @param cacheWrite tokens written to the provider's prompt cache
 * @param cost the cost OpenCode computed, in US dollars (0 when the model has no price)
 */
public record TokenUsage(
    long input, long output, long reasoning, long cacheRead, long cacheWrite, double cost) {

  /** No tokens. */
  public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, 0, 0);

  /**
   * Checks the counts.
   *
   * @throws IllegalArgumentException if a count or the cost is negative
   */
  public TokenUsage {
    if (input < 0 || output < 0 || reasoning < 0 || cacheRead < 0 || cacheWrite < 0 || cost < 0) {
      throw new IllegalArgumentException(
          "token counts and cost must not be negative but were input="
              + input
              + ", output="
              + output
              + ", reasoning="
              + reasoning
              + ", cacheRead="
              + cacheRead
              + ", cacheWrite="
              + cacheWrite
              + ", cost="
              + cost);
    }
  }

  /** Returns the sum of this usage and {@code other}. */
  public TokenUsage plus(TokenUsage other) {
    return new TokenUsage(
        input + other.input,
        output + other.output,
        reasoning + other.reasoning,
        cacheRead + other.cacheRead,
        cacheWrite + other.cacheWrite,
        cost + other.cost);
  }
}
