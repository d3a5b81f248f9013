package io.openswarm.core.testrun;

import io.openswarm.core.CellId;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Runs a repository's tests in a cell's worktree and reports the verdict.
 *
 * <p>Implementations must be thread-safe: cells of one worker run their tests concurrently, each in
 * its own worktree.
 */
public interface TestRunner {

  /**
   * Runs the tests in {@code request.worktree()} and waits for them to finish or time out. A
   * failing, timed-out or stopped run is a result, not an exception (the cell steps turn a
   * timed-out or stopped run, and one that exited with 126 or 127, into a typed failure rather than
   * a red verdict; see {@link Result}).
   *
   * @param request the cell to test
   * @return the verdict, the duration and the end of the output
   * @throws NullPointerException if {@code request} is null
   * @throws TestCommandNotRunnableException if the test program, or a program it needs, was not
   *     found or could not be executed (on the host or inside the cell's sandbox); retrying the
   *     same configuration will not help
   * @throws IOException if the tests could not be started at all for another reason (the worktree
   *     does not exist, the log cannot be written); retrying the same configuration will not help
   * @throws InterruptedException if the calling thread is interrupted; the running tests are
   *     stopped first
   */
  Result run(Request request) throws IOException, InterruptedException;

  /**
   * The command a run uses when its request names none, so that messages (a red base, say) can name
   * it; empty when the runner cannot tell.
   *
   * @return the runner's own command, program first; empty when unknown
   */
  default List<String> command() {
    return List.of();
  }

  /**
   * Which cell's worktree to test.
   *
   * <p>Immutable and thread-safe; a record so Temporal's default Jackson converter can carry it
   * between activities.
   *
   * @param cellId the cell whose tests run
   * @param worktree the absolute path of the cell's worktree; the tests run there
   * @param stateDirectory the absolute path of the cell's state folder (logs, HOME, TMPDIR); never
   *     inside the worktree
   * @param command the test command for this run instead of the runner's own (a task's override),
   *     or null
   * @param timeout the limit for this run instead of the runner's own, or null
   */
  record Request(
      CellId cellId,
      Path worktree,
      Path stateDirectory,
      @Nullable List<String> command,
      @Nullable Duration timeout) {

    /**
     * A request that uses the runner's own command and timeout.
     *
     * @param cellId the cell whose tests run; not null
     * @param worktree the cell's worktree; absolute (normalized)
     * @param stateDirectory the cell's state folder; absolute (normalized), not inside {@code
     *     worktree}
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a path is not absolute, or the state directory lies
     *     inside the worktree
     */
    public Request(CellId cellId, Path worktree, Path stateDirectory) {
      this(cellId, worktree, stateDirectory, null, null);
    }

    /**
     * Validates the request.
     *
     * @param cellId the cell whose tests run; not null
     * @param worktree the cell's worktree; absolute (normalized)
     * @param stateDirectory the cell's state folder; absolute (normalized), not inside {@code
     *     worktree}
     * @param command the test command (program first; copied), or null for the runner's
     * @param timeout the limit for this run, positive, or null for the runner's
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a path is not absolute, or the state directory lies
     *     inside the worktree
     */
    public Request {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      Objects.requireNonNull(worktree, "worktree cannot be null");
      Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
      if (!worktree.isAbsolute()) {
        throw new IllegalArgumentException("worktree must be absolute but was " + worktree);
      }
      if (!stateDirectory.isAbsolute()) {
        throw new IllegalArgumentException(
            "stateDirectory must be absolute but was " + stateDirectory);
      }
      worktree = worktree.normalize();
      stateDirectory = stateDirectory.normalize();
      if (stateDirectory.startsWith(worktree)) {
        throw new IllegalArgumentException(
            "stateDirectory must not be inside the worktree "
                + worktree
                + " (logs would end up in commits) but was "
                + stateDirectory);
      }
      if (command != null) {
        command = List.copyOf(command);
        if (command.isEmpty() || command.get(0).isEmpty()) {
          throw new IllegalArgumentException(
              "command must start with a program name but was " + command);
        }
      }
      if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
        throw new IllegalArgumentException("timeout must be positive but was " + timeout);
      }
    }
  }

  /**
   * The outcome of one test run: the exit code is the verdict, provided the tests ran to their end.
   *
   * <p>Three results are not a verdict on the change, because the tests did not really run: a run
   * that {@linkplain #timedOut() timed out} or was {@linkplain #stopped() stopped} by the library,
   * and a run whose command was {@linkplain #commandNotRunnable() not found or not executable}
   * (exit code 126 or 127). The cell steps report them as typed failures of the TEST step, never as
   * red tests, so a correct change is not reverted for them.
   *
   * <p>Immutable and thread-safe; a record of plain values so Temporal's default Jackson converter
   * can carry it between activities.
   *
   * @param exitCode the exit code of the test command; by convention {@code 128 + n} when it was
   *     killed by signal {@code n}, for example after a timeout
   * @param timedOut whether the command ran out of time and was killed
   * @param stopped whether the library stopped the command before it ended for another reason than
   *     its time limit (the worker is stopping, say); absent (false) in results written before this
   *     component existed
   * @param outputTail the end of the command's combined stdout and stderr, decoded as UTF-8 with
   *     invalid bytes replaced by U+FFFD
   * @param outputTruncated whether the command wrote more than {@code outputTail} holds
   * @param outputBytes how many bytes the command wrote in total
   * @param duration how long the command ran
   */
  record Result(
      int exitCode,
      boolean timedOut,
      boolean stopped,
      String outputTail,
      boolean outputTruncated,
      long outputBytes,
      Duration duration) {

    /** Exit code of a POSIX shell whose command was found but could not be executed. */
    public static final int EXIT_NOT_EXECUTABLE = 126;

    /** Exit code of a POSIX shell whose command was not found. */
    public static final int EXIT_NOT_FOUND = 127;

    /**
     * A result of a run that the library did not stop before its end.
     *
     * @param exitCode the exit code of the test command; {@code 128 + n} when killed by signal
     *     {@code n}
     * @param timedOut whether the command ran out of time and was killed
     * @param outputTail the end of the command's combined output; not null, may be empty
     * @param outputTruncated whether the command wrote more than {@code outputTail} holds
     * @param outputBytes how many bytes the command wrote in total; not negative
     * @param duration how long the command ran; not null, not negative
     * @throws NullPointerException if {@code outputTail} or {@code duration} is null
     * @throws IllegalArgumentException if {@code outputBytes} or {@code duration} is negative
     */
    public Result(
        int exitCode,
        boolean timedOut,
        String outputTail,
        boolean outputTruncated,
        long outputBytes,
        Duration duration) {
      this(exitCode, timedOut, false, outputTail, outputTruncated, outputBytes, duration);
    }

    /**
     * Validates the result.
     *
     * @param exitCode the exit code of the test command; {@code 128 + n} when killed by signal
     *     {@code n}
     * @param timedOut whether the command ran out of time and was killed
     * @param stopped whether the library stopped the command for another reason than its time limit
     * @param outputTail the end of the command's combined output; not null, may be empty
     * @param outputTruncated whether the command wrote more than {@code outputTail} holds
     * @param outputBytes how many bytes the command wrote in total; not negative
     * @param duration how long the command ran; not null, not negative
     * @throws NullPointerException if {@code outputTail} or {@code duration} is null
     * @throws IllegalArgumentException if {@code outputBytes} or {@code duration} is negative
     */
    public Result {
      Objects.requireNonNull(outputTail, "outputTail cannot be null");
      Objects.requireNonNull(duration, "duration cannot be null");
      if (outputBytes < 0) {
        throw new IllegalArgumentException(
            "outputBytes must not be negative but was " + outputBytes);
      }
      if (duration.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative but was " + duration);
      }
    }

    /**
     * Whether the tests passed: the command exited with code 0 by itself, within its time limit.
     *
     * @return true for a green run
     */
    public boolean passed() {
      return exitCode == 0 && !timedOut && !stopped;
    }

    /**
     * Whether the command could not run: it ended by itself with {@value #EXIT_NOT_FOUND} (a
     * program was not found) or {@value #EXIT_NOT_EXECUTABLE} (a program was found but could not be
     * executed), the codes a shell, {@code env}, {@code npm} and their kin use. Such a run says
     * nothing about the change, so it is never a red verdict.
     *
     * @return true when the command could not run
     */
    public boolean commandNotRunnable() {
      return !timedOut
          && !stopped
          && (exitCode == EXIT_NOT_FOUND || exitCode == EXIT_NOT_EXECUTABLE);
    }

    /**
     * Whether the library killed the run before it ended: it {@linkplain #timedOut() timed out} or
     * was stopped.
     *
     * @return true when the run timed out or was stopped
     */
    public boolean killedByLibrary() {
      return timedOut || stopped;
    }

    /**
     * The verdict and the end of the output, as a cell's outcome reports a red run: a first line
     * saying how the tests failed (exit code, or timed out), then the output tail.
     *
     * @return the verdict line, a line break and the output tail
     */
    public String report() {
      String header;
      if (timedOut) {
        header = "tests timed out after " + duration.toMillis() + " ms";
      } else if (stopped) {
        header = "tests were stopped by the library after " + duration.toMillis() + " ms";
      } else if (commandNotRunnable()) {
        header =
            "the test command could not run: exit code "
                + exitCode
                + (exitCode == EXIT_NOT_FOUND
                    ? " (a program was not found)"
                    : " (a program could not be executed)");
      } else {
        header = exitCode == 0 ? "tests passed" : "tests failed with exit code " + exitCode;
      }
      return header + "\n" + outputTail;
    }

    @Override
    public String toString() {
      return "Result{"
          + (passed() ? "passed" : "failed")
          + ", exitCode="
          + exitCode
          + ", timedOut="
          + timedOut
          + ", stopped="
          + stopped
          + ", outputBytes="
          + outputBytes
          + ", outputTruncated="
          + outputTruncated
          + ", duration="
          + duration
          + "}";
    }
  }
}
