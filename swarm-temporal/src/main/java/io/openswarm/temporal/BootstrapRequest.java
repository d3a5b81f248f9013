package io.openswarm.temporal;

import io.openswarm.core.CellId;
import java.util.Objects;

/**
 * Bring a cell up.
 *
 * @param cellId the cell
 * @param baseRef the git revision its worktree starts from
 */
public record BootstrapRequest(CellId cellId, String baseRef) {

  public BootstrapRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(baseRef, "baseRef cannot be null");
  }
}
