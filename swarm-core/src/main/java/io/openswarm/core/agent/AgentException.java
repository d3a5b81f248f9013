package io.openswarm.core.agent;

/**
 * An agent could not do what was asked. {@link #reason()} is stable and maps to the failure types
 * workflows see.
 */
public final class AgentException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why the agent failed. */
  public enum Reason {
    /** The agent process could not be started, or exited during start-up. */
    START_FAILED,
    /** The agent did not become healthy before the deadline. */
    NOT_READY,
    /** The agent reported an error for the turn. */
    TURN_FAILED,
    /** The turn did not finish in time, or went silent for too long; it was aborted. */
    TURN_TIMED_OUT,
    /** The turn was cancelled by the caller. */
    ABORTED,
    /** The agent process died during the turn. */
    CRASHED
  }

  /** Why the agent failed; never null. */
  private final Reason reason;

  /**
   * @param reason why it failed
   * @param message what happened, naming the cell and, where useful, the end of the agent's log
   */
  public AgentException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /**
   * @param reason why it failed
   * @param message what happened
   * @param cause the underlying failure
   */
  public AgentException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /**
   * Why the agent failed.
   *
   * @return why the agent failed; never null
   */
  public Reason reason() {
    return reason;
  }
}
