package io.openswarm.infra.opencode.internal;

import java.util.Objects;
import java.util.Optional;

/**
 * One message of a session as {@code GET /session/{id}/message} lists it, reduced to what a turn
 * needs.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the message id ({@code msg_...})
 * @param role {@code user} or {@code assistant}
 * @param completed whether an assistant message has finished ({@code time.completed} is set); user
 *     messages are always complete
 * @param text the message's text parts joined with blank lines (tool calls and reasoning left out)
 * @param error the error the message ended with, as {@code Name: message}
 * @param tokens the tokens this assistant message used, when OpenCode reported them
 */
public record SessionMessage(
    String id,
    String role,
    boolean completed,
    String text,
    Optional<String> error,
    Optional<TokenUsage> tokens) {

  /** The role of messages the model wrote. */
  public static final String ASSISTANT = "assistant";

  /**
   * Creates a message.
   *
   * @throws NullPointerException if an argument is null
   */
  public SessionMessage {
    Objects.requireNonNull(id, "id cannot be null");
    Objects.requireNonNull(role, "role cannot be null");
    Objects.requireNonNull(text, "text cannot be null");
    Objects.requireNonNull(error, "error cannot be null");
    Objects.requireNonNull(tokens, "tokens cannot be null");
  }

  /** Whether the model wrote this message. */
  public boolean isAssistant() {
    return ASSISTANT.equals(role);
  }
}
