package io.openswarm.infra.opencode.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One event of OpenCode's {@code GET /event} stream: {@code {"id":"evt_...","type":"session.idle",
 * "properties":{"sessionID":"ses_..."}}}.
 *
 * <p>Immutable and thread-safe.
 */
public final class OpenCodeEvent {

  private final String id;
  private final String type;
  private final @Nullable String sessionId;
  private final String json;
  private final JsonNode properties;

  private OpenCodeEvent(
      String id, String type, @Nullable String sessionId, String json, JsonNode properties) {
    this.id = id;
    this.type = type;
    this.sessionId = sessionId;
    this.json = json;
    this.properties = properties;
  }

  /**
   * Parses the data of one server-sent event.
   *
   * @throws NullPointerException if {@code json} is null
   * @throws OpenCodeException if the data is not an event object with a type
   */
  public static OpenCodeEvent parse(String json) {
    Objects.requireNonNull(json, "json cannot be null");
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new OpenCodeException("event is not valid JSON: " + Json.excerpt(json, 200), e);
    }
    String type = Json.text(node, "type");
    if (node == null || !node.isObject() || type == null) {
      throw new OpenCodeException("event has no type: " + Json.excerpt(json, 200));
    }
    JsonNode properties = node.path("properties");
    if (properties.isMissingNode()) {
      properties = MissingNode.getInstance();
    }
    String id = Json.text(node, "id");
    return new OpenCodeEvent(id == null ? "" : id, type, sessionIdOf(properties), json, properties);
  }

  /** The event id ({@code evt_...}), or empty if the server sent none. */
  public String id() {
    return id;
  }

  /** The event type, e.g. {@code session.idle}. */
  public String type() {
    return type;
  }

  /** The session the event is about, if any. */
  public Optional<String> sessionId() {
    return Optional.ofNullable(sessionId);
  }

  /** The event exactly as the server sent it. */
  public String json() {
    return json;
  }

  /** The parsed {@code properties} object; a missing node when there was none. */
  JsonNode properties() {
    return properties;
  }

  @Override
  public String toString() {
    return "OpenCodeEvent{" + type + (sessionId == null ? "" : ", session=" + sessionId) + "}";
  }

  private static @Nullable String sessionIdOf(JsonNode properties) {
    String direct = Json.text(properties, "sessionID");
    if (direct != null) {
      return direct;
    }
    for (String holder : new String[] {"info", "part"}) {
      String nested = Json.text(properties.get(holder), "sessionID");
      if (nested != null) {
        return nested;
      }
    }
    return null;
  }
}
