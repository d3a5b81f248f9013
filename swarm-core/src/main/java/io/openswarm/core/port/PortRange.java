package io.openswarm.core.port;

/**
 * An inclusive range of TCP ports, such as {@code 8000-9000} (1001 ports).
 *
 * <p>Immutable and thread-safe.
 *
 * @param min the lowest port of the range
 * @param max the highest port of the range, not below {@code min}
 */
public record PortRange(int min, int max) {

  /** The lowest TCP port. */
  public static final int LOWEST_PORT = 1;

  /** The highest TCP port. */
  public static final int HIGHEST_PORT = 65_535;

  /** Ports below this one are privileged on most systems. */
  public static final int FIRST_UNPRIVILEGED_PORT = 1024;

  /**
   * Checks the bounds.
   *
   * @param min the lowest port; 1 to 65535
   * @param max the highest port; {@code min} to 65535
   * @throws IllegalArgumentException if a bound is outside {@code 1..65535} or {@code min > max}
   */
  public PortRange {
    if (min < LOWEST_PORT || min > HIGHEST_PORT) {
      throw new IllegalArgumentException(
          String.format(
              "port range min must be between %d and %d but was %d",
              LOWEST_PORT, HIGHEST_PORT, min));
    }
    if (max < LOWEST_PORT || max > HIGHEST_PORT) {
      throw new IllegalArgumentException(
          String.format(
              "port range max must be between %d and %d but was %d",
              LOWEST_PORT, HIGHEST_PORT, max));
    }
    if (min > max) {
      throw new IllegalArgumentException(
          String.format("port range min must not exceed max but was %d-%d", min, max));
    }
  }

  /**
   * The number of ports in the range.
   *
   * @return {@code max - min + 1}; 1 to 65535
   */
  public int size() {
    return max - min + 1;
  }

  /**
   * Whether {@code port} lies in the range.
   *
   * @param port any port number
   * @return true when {@code min <= port <= max}
   */
  public boolean contains(int port) {
    return port >= min && port <= max;
  }

  /** Returns the range as {@code min-max}, the form used in every message about it. */
  @Override
  public String toString() {
    return min + "-" + max;
  }
}
