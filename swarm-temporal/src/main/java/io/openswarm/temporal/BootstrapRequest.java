package io.openswarm.temporal;

import io.openswarm.core.CellId;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Bring a cell up.
 *
 * @param cellId the cell
 * @param baseRef the git revision its worktree starts from
 * @param taskId the task the cell works on, named in the logging context ({@code taskId}) of every
 *     step and in the cell's kept record; null when there is none
 * @param verifyBase whether the cell's base is to be checked before its agent is prompted, or null
 *     for the host's default; bootstrap answers the decision in {@link HostedCell#verifyBase()}
 */
public record BootstrapRequest(
    CellId cellId, String baseRef, @Nullable String taskId, @Nullable Boolean verifyBase) {

  /**
   * Checks the required components.
   *
   * @param cellId the cell
   * @param baseRef the git revision its worktree starts from
   * @param taskId the task the cell works on, named in the logging context ({@code taskId}) of
   *     every step and in the cell's kept record; null when there is none
   * @param verifyBase whether the cell's base is to be checked before its agent is prompted, or
   *     null for the host's default; bootstrap answers the decision in {@link
   *     HostedCell#verifyBase()}
   * @throws NullPointerException if {@code cellId} or {@code baseRef} is null
   */
  public BootstrapRequest {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(baseRef, "baseRef cannot be null");
  }

  /**
   * A request that leaves the base check to the host's default.
   *
   * @param cellId the cell
   * @param baseRef the git revision its worktree starts from
   * @param taskId the task the cell works on, or null when there is none
   * @throws NullPointerException if {@code cellId} or {@code baseRef} is null
   */
  public BootstrapRequest(CellId cellId, String baseRef, @Nullable String taskId) {
    this(cellId, baseRef, taskId, null);
  }

  /**
   * A request that names no task.
   *
   * @param cellId the cell
   * @param baseRef the git revision its worktree starts from
   * @throws NullPointerException if an argument is null
   */
  public BootstrapRequest(CellId cellId, String baseRef) {
    this(cellId, baseRef, null, null);
  }
}
