package io.openswarm.core.worktree;

import java.util.Objects;

/**
 * A worktree's set-up failed: its command exited with another code than 0, could not run (not found
 * or not executable, exit 126 or 127), ran past its limit, or a file to copy or a submodule could
 * not be had. Not a verdict on any change: the cell steps report it as the failure type {@code
 * SetupFailed} at the WORKTREE step.
 *
 * <p>The message says what failed and ends with the end of the output; it never lists the
 * environment (it ends up in outcomes and workflow histories).
 */
public class WorktreeSetupException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Whether the command could not run at all. */
  private final boolean notRunnable;

  /** The end of what the set-up printed; never null, may be empty. */
  private final String outputTail;

  /**
   * @param message what failed and why
   * @param notRunnable whether the command could not run at all (not found, not executable, exit
   *     126 or 127)
   * @param outputTail the end of what the set-up printed, or an empty string
   * @throws NullPointerException if {@code message} or {@code outputTail} is null
   */
  public WorktreeSetupException(String message, boolean notRunnable, String outputTail) {
    super(Objects.requireNonNull(message, "message cannot be null"));
    this.notRunnable = notRunnable;
    this.outputTail = Objects.requireNonNull(outputTail, "outputTail cannot be null");
  }

  /**
   * @param message what failed and why
   * @param cause the underlying failure
   * @throws NullPointerException if {@code message} is null
   */
  public WorktreeSetupException(String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message cannot be null"), cause);
    this.notRunnable = false;
    this.outputTail = "";
  }

  /**
   * Whether the command could not run at all: not found, not executable, or exited with 126 or 127.
   *
   * @return true when the command could not run at all
   */
  public boolean notRunnable() {
    return notRunnable;
  }

  /**
   * The end of what the set-up printed; empty when nothing ran.
   *
   * @return the end of the output; may be empty
   */
  public String outputTail() {
    return outputTail;
  }
}
