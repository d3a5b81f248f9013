package io.openswarm.infra.opencode.internal;

/**
 * Test seam, not API: an agent session whose event streams can be cut on purpose, the way a failed connection cuts
 * them, while its server keeps running. The testkit's fault injection uses it to prove that a turn survives a lost
 * stream. {@link io.openswarm.infra.opencode.OpenCodeAgent}'s sessions implement it; nothing else should.
 *
 * <p>Implementations are thread-safe: the cut comes from any thread while the turn runs.
 */
public interface DroppableEventStreams {

  /**
   * Cuts every event stream the session has open now.
   *
   * @return how many streams were cut (zero when no turn is being followed)
   */
  int dropEventStreams();
}
