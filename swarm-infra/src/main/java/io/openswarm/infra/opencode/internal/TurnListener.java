package io.openswarm.infra.opencode.internal;

/**
 * Receives progress while {@link OpenCodeClient#runTurn} waits: once per event of the turn's
 * session, and about once a second while nothing arrives, so a Temporal activity can heartbeat from
 * it even during a long silent tool run.
 *
 * <p>Called on the thread that runs the turn. An exception thrown here (for example Temporal's
 * cancellation exception from a heartbeat) aborts the turn and is rethrown by {@code runTurn}.
 */
@FunctionalInterface
public interface TurnListener {

  /**
   * Reports progress.
   *
   * @param progress the current state of the turn
   */
  void onProgress(TurnProgress progress);

  /** A listener that ignores progress. */
  static TurnListener none() {
    return progress -> {};
  }
}
