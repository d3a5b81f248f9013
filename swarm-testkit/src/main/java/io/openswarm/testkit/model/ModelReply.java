package io.openswarm.testkit.model;

import java.util.Objects;

/** One scripted answer to one model request. Immutable. */
sealed interface ModelReply {

  /** An assistant message with text content; finish reason {@code stop}. */
  record Text(String text) implements ModelReply {
    public Text {
      Objects.requireNonNull(text, "text cannot be null");
    }
  }

  /** One tool call; finish reason {@code tool_calls}. */
  record ToolCall(String name, String argumentsJson) implements ModelReply {
    public ToolCall {
      Objects.requireNonNull(name, "name cannot be null");
      Objects.requireNonNull(argumentsJson, "argumentsJson cannot be null");
    }
  }

  /** No answer at all until the server closes: the request hangs. */
  record Hang() implements ModelReply {}

  /** An HTTP error with an OpenAI-style error body. */
  record Failure(int status, String message) implements ModelReply {
    public Failure {
      Objects.requireNonNull(message, "message cannot be null");
    }
  }
}
