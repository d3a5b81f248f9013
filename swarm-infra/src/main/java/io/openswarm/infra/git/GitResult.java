package io.openswarm.infra.git;

import io.openswarm.core.worktree.WorktreeException;
import io.openswarm.core.worktree.WorktreeException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a git command that ran to its end produced.
 *
 * <p>Immutable and thread-safe.
 *
 * @param command the full command line, starting with the git executable
 * @param directory where it ran
 * @param exitCode its exit code
 * @param stdout its standard output decoded as UTF-8, at most the runner's limit
 * @param stdoutTruncated whether standard output was longer than the limit (and {@code stdout} is
 *     only its head)
 * @param stderrTail the last part of its standard error, decoded as UTF-8
 * @param duration how long the last attempt took
 * @param attempts how many times it ran (more than one after lock contention)
 */
public record GitResult(
    List<String> command,
    Path directory,
    int exitCode,
    String stdout,
    boolean stdoutTruncated,
    String stderrTail,
    Duration duration,
    int attempts) {

  /**
   * Validates and copies the fields.
   *
   * @param command the full command line, starting with the git executable; copied
   * @param directory where it ran; not null
   * @param exitCode its exit code
   * @param stdout its standard output; not null
   * @param stdoutTruncated whether {@code stdout} is only the head of the output
   * @param stderrTail the end of its standard error; not null
   * @param duration how long the last attempt took; not null
   * @param attempts how many times it ran
   * @throws NullPointerException if a component other than a number or flag is null
   */
  public GitResult {
    command = List.copyOf(command);
    Objects.requireNonNull(directory, "directory cannot be null");
    Objects.requireNonNull(stdout, "stdout cannot be null");
    Objects.requireNonNull(stderrTail, "stderrTail cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
  }

  /**
   * Whether git exited with code 0.
   *
   * @return true when the exit code is 0
   */
  public boolean isSuccess() {
    return exitCode == 0;
  }

  /**
   * Returns this result if git succeeded and its output is complete, else throws.
   *
   * @param action what was being attempted, for the message, for example {@code "create worktree
   *     /x"}
   * @return this result
   * @throws WorktreeException {@link Reason#NOT_A_REPOSITORY} if git said the directory is not in a
   *     repository, otherwise {@link Reason#GIT_FAILED}
   */
  public GitResult requireSuccess(String action) {
    return requireSuccess(
        action,
        stderrTail.contains("not a git repository") ? Reason.NOT_A_REPOSITORY : Reason.GIT_FAILED);
  }

  /**
   * Returns this result if git succeeded and its output is complete, else throws with {@code
   * reason}.
   *
   * @param action what was being attempted, for the message
   * @param reason the reason to report when git failed
   * @return this result
   * @throws WorktreeException with {@code reason} if git failed, with {@link Reason#GIT_FAILED} if
   *     its standard output exceeded the runner's limit
   */
  public GitResult requireSuccess(String action, Reason reason) {
    if (!isSuccess()) {
      throw failure(action, reason);
    }
    if (stdoutTruncated) {
      throw new WorktreeException(
          Reason.GIT_FAILED,
          String.format(
              "%s: the output of `%s` exceeded the limit of %d characters kept in memory",
              action, commandLine(), stdout.length()),
          command,
          OptionalInt.of(exitCode),
          stderrTail,
          null);
    }
    return this;
  }

  /**
   * An exception describing this failed command, with {@code reason}.
   *
   * @param action what was being attempted, for the message
   * @param reason why it failed
   * @return the exception, naming the command, directory, exit code and the end of standard error
   */
  public WorktreeException failure(String action, Reason reason) {
    return new WorktreeException(
        reason,
        String.format(
            "%s: `%s` in %s exited with code %d%s",
            action, commandLine(), directory, exitCode, summary(stderrTail)),
        command,
        OptionalInt.of(exitCode),
        stderrTail,
        null);
  }

  /**
   * The standard output without its trailing line break, as git prints single values.
   *
   * @return the standard output, stripped of leading and trailing white space
   */
  public String stdoutLine() {
    return stdout.strip();
  }

  /**
   * The command line as one string, arguments with spaces or quotes quoted; for messages only.
   *
   * @return the command line, for messages
   */
  public String commandLine() {
    return GitRunner.render(command);
  }

  static String summary(String stderr) {
    String text = stderr.strip();
    if (text.isEmpty()) {
      return " and wrote nothing to stderr";
    }
    if (text.length() > 1000) {
      text = "..." + text.substring(text.length() - 1000);
    }
    return ": " + text.replace('\n', ' ').replace('\r', ' ');
  }
}
