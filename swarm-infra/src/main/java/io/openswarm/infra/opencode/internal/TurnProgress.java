package io.openswarm.infra.opencode.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * A sign of life of a running turn, handed to a {@link TurnListener}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param sessionId the session of the turn
 * @param activity what the agent last did, e.g. {@code tool write completed} or {@code waiting};
 *     names tools and event types only, never prompt text, tool input or secrets
 * @param events how many events of the session arrived so far
 * @param elapsed time since the prompt was sent
 * @param sinceLastEvent time since the last event of the session
 */
public record TurnProgress(
    String sessionId, String activity, long events, Duration elapsed, Duration sinceLastEvent) {

  /**
   * Creates a progress report.
   *
   * @throws NullPointerException if an argument is null
   */
  public TurnProgress {
    Objects.requireNonNull(sessionId, "sessionId cannot be null");
    Objects.requireNonNull(activity, "activity cannot be null");
    Objects.requireNonNull(elapsed, "elapsed cannot be null");
    Objects.requireNonNull(sinceLastEvent, "sinceLastEvent cannot be null");
  }

  /** One line for logs and heartbeats, e.g. {@code tool bash running (42 events, 12.3 s)}. */
  public String describe() {
    return String.format(
        java.util.Locale.ROOT,
        "%s (%d events, %.1f s)",
        activity,
        events,
        elapsed.toMillis() / 1000.0);
  }
}
