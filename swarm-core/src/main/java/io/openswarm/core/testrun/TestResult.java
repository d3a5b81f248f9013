package io.openswarm.core.testrun;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one test run: the exit code is the verdict, provided the tests ran to their end.
 *
 * <p>Three results are not a verdict on the change, because the tests did not really run: a run
 * that {@linkplain #timedOut() timed out} or was {@linkplain #stopped() stopped} by the library,
 * and a run whose command was {@linkplain #commandNotRunnable() not found or not executable} (exit
 * code 126 or 127). The cell steps report them as typed failures of the TEST step, never as red
 * tests, so a correct change is not reverted for them.
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
public record TestResult(
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
   * @param exitCode the exit code of the test command; {@code 128 + n} when killed by signal {@code
   *     n}
   * @param timedOut whether the command ran out of time and was killed
   * @param outputTail the end of the command's combined output; not null, may be empty
   * @param outputTruncated whether the command wrote more than {@code outputTail} holds
   * @param outputBytes how many bytes the command wrote in total; not negative
   * @param duration how long the command ran; not null, not negative
   * @throws NullPointerException if {@code outputTail} or {@code duration} is null
   * @throws IllegalArgumentException if {@code outputBytes} or {@code duration} is negative
   */
  public TestResult(
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
   * @param exitCode the exit code of the test command; {@code 128 + n} when killed by signal {@code
   *     n}
   * @param timedOut whether the command ran out of time and was killed
   * @param stopped whether the library stopped the command for another reason than its time limit
   * @param outputTail the end of the command's combined output; not null, may be empty
   * @param outputTruncated whether the command wrote more than {@code outputTail} holds
   * @param outputBytes how many bytes the command wrote in total; not negative
   * @param duration how long the command ran; not null, not negative
   * @throws NullPointerException if {@code outputTail} or {@code duration} is null
   * @throws IllegalArgumentException if {@code outputBytes} or {@code duration} is negative
   */
  public TestResult {
    Objects.requireNonNull(outputTail, "outputTail cannot be null");
    Objects.requireNonNull(duration, "duration cannot be null");
    if (outputBytes < 0) {
      throw new IllegalArgumentException("outputBytes must not be negative but was " + outputBytes);
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
   * Whether the command could not run: it ended by itself with {@value #EXIT_NOT_FOUND} (a program
   * was not found) or {@value #EXIT_NOT_EXECUTABLE} (a program was found but could not be
   * executed), the codes a shell, {@code env}, {@code npm} and their kin use. Such a run says
   * nothing about the change, so it is never a red verdict.
   *
   * @return true when the command could not run
   */
  public boolean commandNotRunnable() {
    return !timedOut && !stopped && (exitCode == EXIT_NOT_FOUND || exitCode == EXIT_NOT_EXECUTABLE);
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
    return "TestResult{"
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
