package io.openswarm.temporal;

import java.util.Objects;

/**
 * A check of a {@link SwarmHealth} report that is past its threshold.
 *
 * <p>Immutable and thread-safe.
 *
 * @param check which check
 * @param value the reading (a fraction for rates and memory, free bytes for disk, a count
 *     otherwise)
 * @param threshold the threshold it is past (for disk, in bytes for that file system)
 * @param message one line for an operator, naming the reading and the threshold
 */
public record HealthWarning(HealthCheck check, double value, double threshold, String message) {

  /**
   * Checks the required components.
   *
   * @param check which check
   * @param value the reading (a fraction for rates and memory, free bytes for disk, a count
   *     otherwise)
   * @param threshold the threshold it is past (for disk, in bytes for that file system)
   * @param message one line for an operator, naming the reading and the threshold
   * @throws NullPointerException if {@code check} or {@code message} is null
   */
  public HealthWarning {
    Objects.requireNonNull(check, "check cannot be null");
    Objects.requireNonNull(message, "message cannot be null");
  }
}
