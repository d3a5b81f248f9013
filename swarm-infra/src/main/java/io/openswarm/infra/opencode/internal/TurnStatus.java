package io.openswarm.infra.opencode.internal;

/** How a turn ended. */
public enum TurnStatus {
  /** The session went idle with a completed assistant reply and no error. */
  COMPLETED,
  /**
   * OpenCode reported an error (model provider, tool loop, configuration), or the reply never
   * completed.
   */
  FAILED,
  /** Someone else aborted the session while the turn ran. */
  ABORTED,
  /** The turn went silent past its idle timeout, or ran past its overall limit, and was aborted. */
  TIMED_OUT
}
