package io.openswarm.core.worktree;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * A worktree operation failed. {@link #reason()} says why in a form programs can act on; the
 * message says it in a form people can act on.
 *
 * <p>When a git command failed, the exception also carries the command line ({@link #command()}),
 * its exit code ({@link #exitCode()}, absent when it was killed on timeout) and the tail of what it
 * wrote to standard error ({@link #stderrTail()}). The command line never contains commit messages
 * or other free text: those travel on standard input.
 *
 * <p>Instances are immutable and thread-safe.
 */
public class WorktreeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a worktree operation failed. Stable: callers map these to their own error types. */
  public enum Reason {
    /** The configured repository path is not inside a git repository. */
    NOT_A_REPOSITORY,
    /**
     * The configured root cannot hold worktrees (for example it lies inside the repository's git
     * directory).
     */
    INVALID_ROOT,
    /** The base ref does not name a commit in the repository. */
    UNKNOWN_REF,
    /**
     * The cell's branch cannot be used: it holds commits that are not in the base, it is checked
     * out in another worktree, or the cell already holds a lease.
     */
    BRANCH_CONFLICT,
    /**
     * Every worktree the pool may have is leased and none was returned within the acquire timeout.
     */
    POOL_EXHAUSTED,
    /**
     * {@code git commit} refused to commit, typically because a {@code pre-commit} or {@code
     * commit-msg} hook failed.
     */
    COMMIT_REJECTED,
    /**
     * The change holds what the library refuses to commit: a gitlink (a nested repository or
     * submodule pointer the cell created or moved) or a symbolic link whose target lies outside the
     * worktree. The message names each path.
     */
    UNSAFE_CHANGE,
    /** The change adds or changes more bytes than the commit-size limit allows. */
    COMMIT_TOO_LARGE,
    /** The worktree could not be brought back to its base state exactly. */
    RESTORE_FAILED,
    /** A git command did not finish within its timeout and was killed. */
    TIMED_OUT,
    /** The calling thread was interrupted; its interrupt flag is set again. */
    INTERRUPTED,
    /**
     * A file-system operation outside git failed (creating directories, writing the lease journal).
     */
    IO_FAILED,
    /** A git command failed for another reason; see the command, exit code and standard error. */
    GIT_FAILED
  }

  /** Why the operation failed; never null. */
  private final Reason reason;

  /** The git command line that failed; empty when the failure did not come from one git command. */
  private final List<String> command;

  /** The exit code of the failed git command; 0 when {@link #hasExitCode} is false. */
  private final int exitCode;

  /** Whether the failed git command exited with a code. */
  private final boolean hasExitCode;

  /** The last part of the failed git command's standard error; never null, may be empty. */
  private final String stderrTail;

  /**
   * A failure that did not come from one git command.
   *
   * @param reason why it failed; not null
   * @param message what was attempted and what went wrong; not null
   * @throws NullPointerException if {@code reason} or {@code message} is null
   */
  public WorktreeException(Reason reason, String message) {
    this(reason, message, null);
  }

  /**
   * A failure that did not come from one git command, caused by {@code cause}.
   *
   * @param reason why it failed; not null
   * @param message what was attempted and what went wrong; not null
   * @param cause the underlying failure, or null
   * @throws NullPointerException if {@code reason} or {@code message} is null
   */
  public WorktreeException(Reason reason, String message, @Nullable Throwable cause) {
    super(Objects.requireNonNull(message, "message cannot be null"), cause);
    this.reason = Objects.requireNonNull(reason, "reason cannot be null");
    this.command = List.of();
    this.exitCode = 0;
    this.hasExitCode = false;
    this.stderrTail = "";
  }

  /**
   * A git command failed.
   *
   * @param reason why, as far as the caller can tell
   * @param message what was attempted and what went wrong
   * @param command the full command line, starting with the git executable
   * @param exitCode the exit code, or empty if the command was killed before it exited
   * @param stderrTail the last part of the command's standard error, possibly empty
   * @param cause the underlying exception, if any
   * @throws NullPointerException if an argument other than {@code cause} is null
   */
  public WorktreeException(
      Reason reason,
      String message,
      List<String> command,
      OptionalInt exitCode,
      String stderrTail,
      @Nullable Throwable cause) {
    super(Objects.requireNonNull(message, "message cannot be null"), cause);
    this.reason = Objects.requireNonNull(reason, "reason cannot be null");
    this.command = List.copyOf(Objects.requireNonNull(command, "command cannot be null"));
    Objects.requireNonNull(exitCode, "exitCode cannot be null");
    this.hasExitCode = exitCode.isPresent();
    this.exitCode = exitCode.orElse(0);
    this.stderrTail = Objects.requireNonNull(stderrTail, "stderrTail cannot be null");
  }

  /**
   * Why the operation failed.
   *
   * @return why it failed; never null
   */
  public Reason reason() {
    return reason;
  }

  /**
   * The git command line that failed, or an empty list when the failure did not come from one git
   * command.
   *
   * @return the command line, unmodifiable; may be empty
   */
  public List<String> command() {
    return command;
  }

  /**
   * The exit code of the failed git command; empty when there was none or it was killed before it
   * exited.
   *
   * @return the exit code, or empty
   */
  public OptionalInt exitCode() {
    return hasExitCode ? OptionalInt.of(exitCode) : OptionalInt.empty();
  }

  /**
   * The last part of the failed git command's standard error; empty when there was none.
   *
   * @return the end of standard error; may be empty
   */
  public String stderrTail() {
    return stderrTail;
  }
}
