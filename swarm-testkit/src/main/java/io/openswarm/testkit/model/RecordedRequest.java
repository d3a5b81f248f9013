package io.openswarm.testkit.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request the {@link FakeModelServer} received, for assertions.
 *
 * <p>Immutable and thread-safe.
 *
 * @param method the HTTP method
 * @param path the request path, e.g. {@code /v1/chat/completions}
 * @param headers the request headers, names in lower case
 * @param body the request body as text
 */
public record RecordedRequest(
    String method, String path, Map<String, List<String>> headers, String body) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * Creates a record.
   *
   * @param method the HTTP method
   * @param path the request path, e.g. {@code /v1/chat/completions}
   * @param headers the request headers, names in lower case
   * @param body the request body as text
   * @throws NullPointerException if an argument is null
   */
  public RecordedRequest {
    Objects.requireNonNull(method, "method cannot be null");
    Objects.requireNonNull(path, "path cannot be null");
    headers = Map.copyOf(Objects.requireNonNull(headers, "headers cannot be null"));
    Objects.requireNonNull(body, "body cannot be null");
  }

  /**
   * The first value of header {@code name} (case-insensitive).
   *
   * @param name the header's name, in any case
   * @return its first value, or empty when the request has none
   */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * The body parsed as JSON; a missing node when it is not JSON.
   *
   * @return the parsed body, or a missing node
   */
  public JsonNode json() {
    try {
      JsonNode node = MAPPER.readTree(body);
      return node == null ? MissingNode.getInstance() : node;
    } catch (IOException e) {
      return MissingNode.getInstance();
    }
  }

  /**
   * The {@code model} the request asked for, or empty.
   *
   * @return the model, or an empty string
   */
  public String model() {
    return json().path("model").asText("");
  }

  /**
   * Whether the request asked for a streamed reply.
   *
   * @return true when {@code stream} is true in the body
   */
  public boolean streaming() {
    return json().path("stream").asBoolean(false);
  }

  /**
   * The names of the tools the request offered the model.
   *
   * @return the tools' names; empty when none was offered
   */
  public List<String> toolNames() {
    List<String> names = new ArrayList<>();
    for (JsonNode tool : json().path("tools")) {
      names.add(tool.path("function").path("name").asText(""));
    }
    return names;
  }

  /**
   * The text of the last {@code user} message of a chat request, or empty.
   *
   * @return the text, or an empty string
   */
  public String lastUserText() {
    String last = "";
    for (JsonNode message : json().path("messages")) {
      if ("user".equals(message.path("role").asText())) {
        JsonNode content = message.path("content");
        if (content.isTextual()) {
          last = content.asText();
        } else if (content.isArray()) {
          StringBuilder text = new StringBuilder();
          for (JsonNode part : content) {
            text.append(part.path("text").asText(""));
          }
          last = text.toString();
        }
      }
    }
    return last;
  }

  @Override
  public String toString() {
    return method + " " + path + " (" + body.length() + " chars)";
  }
}
