package io.openswarm.temporal;

import java.util.Objects;

/**
 * Create a branch that cells integrate into.
 *
 * @param branch the branch to create, without {@code refs/heads/}
 * @param baseRef the git revision it starts at
 */
public record TargetBranchRequest(String branch, String baseRef) {

  /**
   * Checks the components.
   *
   * @param branch the branch to create, without {@code refs/heads/}
   * @param baseRef the git revision it starts at
   * @throws NullPointerException if an argument is null
   */
  public TargetBranchRequest {
    Objects.requireNonNull(branch, "branch cannot be null");
    Objects.requireNonNull(baseRef, "baseRef cannot be null");
  }
}
