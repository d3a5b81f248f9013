package io.openswarm.testkit.fault;

import io.openswarm.core.CellId;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A fault that fired.
 *
 * <p>Immutable and thread-safe.
 *
 * @param point where
 * @param cellId the cell it hit, or null when the point could not tell (a port probe outside any
 *     cell's bootstrap)
 * @param fault what happened
 */
public record FiredFault(FaultPoint point, @Nullable CellId cellId, Fault fault) {

  /**
   * Checks the components.
   *
   * @param point where; not null
   * @param cellId the cell it hit, or null when the point could not tell
   * @param fault what happened; not null
   * @throws NullPointerException if {@code point} or {@code fault} is null
   */
  public FiredFault {
    Objects.requireNonNull(point, "point cannot be null");
    Objects.requireNonNull(fault, "fault cannot be null");
  }

  @Override
  public String toString() {
    return point + " " + fault + (cellId == null ? "" : " in " + cellId);
  }
}
