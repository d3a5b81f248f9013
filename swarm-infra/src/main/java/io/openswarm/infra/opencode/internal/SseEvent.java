package io.openswarm.infra.opencode.internal;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One dispatched server-sent event.
 *
 * <p>Immutable and thread-safe.
 *
 * @param type the {@code event:} field, or {@code "message"} when the event had none
 * @param data the joined {@code data:} lines, without the trailing newline
 * @param lastEventId the last {@code id:} seen on the stream up to this event, or null if none was
 *     ever sent
 */
public record SseEvent(String type, String data, @Nullable String lastEventId) {

  /** The type of an event that has no {@code event:} field. */
  public static final String DEFAULT_TYPE = "message";

  /**
   * Creates an event.
   *
   * @throws NullPointerException if {@code type} or {@code data} is null
   */
  public SseEvent {
    Objects.requireNonNull(type, "type cannot be null");
    Objects.requireNonNull(data, "data cannot be null");
  }
}
