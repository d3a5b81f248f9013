package io.openswarm.infra.opencode.internal;

import java.util.Objects;

/**
 * What {@code GET /global/health} answered.
 *
 * <p>Immutable and thread-safe.
 *
 * @param healthy whether the server called itself healthy
 * @param version the server's version, e.g. {@code 1.18.33}
 */
public record HealthStatus(boolean healthy, String version) {

  /**
   * Creates a status.
   *
   * @throws NullPointerException if {@code version} is null
   */
  public HealthStatus {
    Objects.requireNonNull(version, "version cannot be null");
  }
}
