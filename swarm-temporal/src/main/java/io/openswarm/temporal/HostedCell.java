package io.openswarm.temporal;

import io.openswarm.core.lifecycle.CellSteps;
import java.util.Objects;

/**
 * A bootstrapped cell and the task queue of the worker host it lives on. Every later activity of
 * the cell must be scheduled on {@link #hostQueue()}: the cell's port, worktree and agent exist
 * only there.
 *
 * @param cell the cell as bootstrap left it
 * @param hostQueue the host-specific task queue of the worker that bootstrapped it
 * @param verifyBase whether the cell's base must be checked ({@link CellActivities#verifyBase})
 *     before its agent is prompted: the request's choice, or the host's default when the request
 *     made none (false in results written before this component existed)
 */
public record HostedCell(CellSteps.Bootstrap cell, String hostQueue, boolean verifyBase) {

  /**
   * Checks the components.
   *
   * @param cell the cell as bootstrap left it
   * @param hostQueue the host-specific task queue of the worker that bootstrapped it
   * @param verifyBase whether the cell's base must be checked ({@link CellActivities#verifyBase})
   *     before its agent is prompted: the request's choice, or the host's default when the request
   *     made none (false in results written before this component existed)
   * @throws NullPointerException if {@code cell} or {@code hostQueue} is null
   */
  public HostedCell {
    Objects.requireNonNull(cell, "cell cannot be null");
    Objects.requireNonNull(hostQueue, "hostQueue cannot be null");
  }

  /**
   * A cell whose base is not to be checked.
   *
   * @param cell the cell as bootstrap left it
   * @param hostQueue the host-specific task queue of the worker that bootstrapped it
   * @throws NullPointerException if an argument is null
   */
  public HostedCell(CellSteps.Bootstrap cell, String hostQueue) {
    this(cell, hostQueue, false);
  }
}
