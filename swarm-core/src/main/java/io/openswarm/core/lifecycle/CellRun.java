package io.openswarm.core.lifecycle;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.worktree.IntegrationResult;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How one cell of a task ended, as the {@link CellDriver} returns it: the cell's outcome, and what a caller needs
 * beyond it (the bootstrap that brought the cell up, the failure in full, the integration when there was one).
 *
 * <p>Immutable; not meant to travel between processes (see {@link StepFailure}).
 *
 * @param outcome how the cell ended
 * @param bootstrap the cell that came up, or null when its bootstrap failed
 * @param failure the step that failed, or null when no step failed
 * @param integration the integration of the cell's commit, or null when the driver did not integrate (no target
 *     branch, no commit, or an earlier step failed)
 */
public record CellRun(
    CellOutcome outcome,
    @Nullable CellBootstrap bootstrap,
    @Nullable StepFailure failure,
    @Nullable IntegrationResult integration) {

  /**
   * Checks the outcome.
   *
   * @param outcome how the cell ended; not null
   * @param bootstrap the cell that came up, or null
   * @param failure the step that failed, or null
   * @param integration the integration of the cell's commit, or null
   * @throws NullPointerException if {@code outcome} is null
   */
  public CellRun {
    Objects.requireNonNull(outcome, "outcome cannot be null");
  }

  /**
   * Whether the cell ended because its host is gone.
   *
   * @return true when a step failed because the host is gone
   */
  public boolean hostLost() {
    return failure != null && failure.hostLost();
  }

  /**
   * The step that failed, if one did.
   *
   * @return the failure, or empty
   */
  public Optional<StepFailure> failed() {
    return Optional.ofNullable(failure);
  }
}
