package io.openswarm.infra.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a supervised process ended.
 *
 * <p>Immutable and thread-safe.
 *
 * @param exitCode the exit code of the started process; {@code 128 + n} when it died of signal
 *     {@code n}
 * @param timedOut whether it ran past its timeout and was stopped
 * @param stopRequested whether it was stopped on request ({@link SupervisedProcess#stop})
 * @param forced whether some process of its tree ignored TERM for the whole grace period and got
 *     KILL
 * @param duration from start until the started process exited
 * @param outputBytes how many bytes of output it wrote in total
 * @param logTruncated whether output beyond the log cap was discarded
 * @param outputTail the end of the output, decoded as UTF-8 with invalid bytes replaced by U+FFFD
 * @param outputTailTruncated whether the output was longer than {@code outputTail}
 * @param logFile where the output was logged
 * @param survivors PIDs of processes of the tree still alive after KILL; empty unless something is
 *     badly wrong
 */
public record ProcessResult(
    int exitCode,
    boolean timedOut,
    boolean stopRequested,
    boolean forced,
    Duration duration,
    long outputBytes,
    boolean logTruncated,
    String outputTail,
    boolean outputTailTruncated,
    Path logFile,
    List<Long> survivors) {

  /**
   * Validates and copies the result.
   *
   * @param exitCode the exit code of the started process
   * @param timedOut whether it ran past its timeout
   * @param stopRequested whether it was stopped on request
   * @param forced whether some process of its tree got KILL
   * @param duration from start until the started process exited; not null
   * @param outputBytes how many bytes of output it wrote
   * @param logTruncated whether output beyond the log cap was discarded
   * @param outputTail the end of the output; not null
   * @param outputTailTruncated whether the output was longer than {@code outputTail}
   * @param logFile where the output was logged; not null
   * @param survivors PIDs still alive after KILL; not null (copied)
   * @throws NullPointerException if a reference argument is null
   */
  public ProcessResult {
    Objects.requireNonNull(duration, "duration cannot be null");
    Objects.requireNonNull(outputTail, "outputTail cannot be null");
    Objects.requireNonNull(logFile, "logFile cannot be null");
    survivors = List.copyOf(survivors);
  }

  /**
   * Whether the process exited with code 0 by itself, within its time limit.
   *
   * @return true when the exit code is 0 and the process was neither timed out nor stopped
   */
  public boolean succeeded() {
    return exitCode == 0 && !timedOut && !stopRequested;
  }

  @Override
  public String toString() {
    return "ProcessResult{exitCode="
        + exitCode
        + ", timedOut="
        + timedOut
        + ", stopRequested="
        + stopRequested
        + ", forced="
        + forced
        + ", duration="
        + duration
        + ", outputBytes="
        + outputBytes
        + ", logFile="
        + logFile
        + (survivors.isEmpty() ? "" : ", survivors=" + survivors)
        + "}";
  }
}
