package io.openswarm.core.testrun;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one test run: the exit code is the verdict.
 *
 * <p>Immutable and thread-safe; a record of plain values so Temporal's default Jackson converter can carry it
 * between activities.
 *
 * @param exitCode the exit code of the test command; by convention {@code 128 + n} when it was killed by signal
 *     {@code n}, for example after a timeout
 * @param timedOut whether the command ran out of time and was killed
 * @param outputTail the end of the command's combined stdout and stderr, decoded as UTF-8 with invalid bytes
 *     replaced by U+FFFD
 * @param outputTruncated whether the command wrote more than {@code outputTail} holds
 * @param outputBytes how many bytes the command wrote in total
 * @param duration how long the command ran
 */
public record TestResult(
    int exitCode, boolean timedOut, String outputTail, boolean outputTruncated, long outputBytes,
    Duration duration) {

  /**
   * Validates the result.
   *
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

  /** Whether the tests passed: the command exited with code 0 within its time limit. */
  public boolean passed() {
    return exitCode == 0 && !timedOut;
  }

  /**
   * The verdict and the end of the output, as a cell's outcome reports a red run: a first line saying how the tests
   * failed (exit code, or timed out), then the output tail.
   */
  public String report() {
    String header = timedOut
        ? "tests timed out after " + duration.toMillis() + " ms"
        : (exitCode == 0 ? "tests passed" : "tests failed with exit code " + exitCode);
    return header + "\n" + outputTail;
  }

  @Override
  public String toString() {
    return "TestResult{" + (passed() ? "passed" : "failed") + ", exitCode=" + exitCode + ", timedOut=" + timedOut
        + ", outputBytes=" + outputBytes + ", outputTruncated=" + outputTruncated + ", duration=" + duration + "}";
  }
}
