package io.openswarm.infra.opencode.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one turn: how it ended, the assistant's final text, the tokens used and, when it
 * did not complete, why.
 *
 * <p>Immutable and thread-safe.
 *
 * @param sessionId the session the turn ran in
 * @param status how the turn ended
 * @param summary the assistant's last non-empty text of the turn (its own summary of the work); may
 *     be empty
 * @param tokens the tokens of the turn's assistant messages, when OpenCode reported any
 * @param error why the turn did not complete; empty exactly when the status is {@link
 *     TurnStatus#COMPLETED}
 * @param duration from sending the prompt to the end of the turn
 * @param providerRetries how many times OpenCode retried the model provider during the turn
 */
public record TurnResult(
    String sessionId,
    TurnStatus status,
    String summary,
    Optional<TokenUsage> tokens,
    Optional<String> error,
    Duration duration,
    int providerRetries) {

  /**
   * Creates a result.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the error is present for a completed turn or missing for
   *     any other
   */
  public TurnResult {
    Objects.requireNonNull(sessionId, "sessionId cannot be null");
    Objects.requireNonNull(status, "status cannot be null");
    Objects.requireNonNull(summary, "summary cannot be null");
    Objects.requireNonNull(tokens, "tokens cannot be null");
    Objects.requireNonNull(error, "error cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    if ((status == TurnStatus.COMPLETED) == error.isPresent()) {
      throw new IllegalArgumentException(
          "error must be present exactly when the turn did not complete, but status "
              + "was "
              + status
              + " and error was "
              + error);
    }
  }

  /** Whether the turn completed. */
  public boolean isCompleted() {
    return status == TurnStatus.COMPLETED;
  }
}
