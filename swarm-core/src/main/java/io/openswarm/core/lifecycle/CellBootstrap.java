package io.openswarm.core.lifecycle;

import io.openswarm.core.CellId;
import io.openswarm.core.CellStep;
import java.util.List;
import java.util.Objects;

/**
 * A cell that is up: its port, its worktree on the cell branch, and an agent that answered its
 * health check.
 *
 * @param cellId the cell
 * @param host the worker host it lives on; every later step of the cell must run there
 * @param port the agent server's port on 127.0.0.1
 * @param worktree the absolute path of the cell's worktree
 * @param branch the cell branch checked out in the worktree
 * @param baseCommit the SHA the branch started from
 * @param timings how long each bootstrap step took
 */
public record CellBootstrap(
    CellId cellId,
    String host,
    int port,
    String worktree,
    String branch,
    String baseCommit,
    List<CellStep.Timing> timings) {

  /**
   * Checks the components.
   *
   * @param cellId the cell; not null
   * @param host the worker host it lives on; not null
   * @param port the agent server's port on 127.0.0.1
   * @param worktree the absolute path of the cell's worktree; not null
   * @param branch the cell branch; not null
   * @param baseCommit the SHA the branch started from; not null
   * @param timings how long each bootstrap step took; not null (copied)
   * @throws NullPointerException if a component other than {@code port} is null
   */
  public CellBootstrap {
    Objects.requireNonNull(cellId, "cellId cannot be null");
    Objects.requireNonNull(host, "host cannot be null");
    Objects.requireNonNull(worktree, "worktree cannot be null");
    Objects.requireNonNull(branch, "branch cannot be null");
    Objects.requireNonNull(baseCommit, "baseCommit cannot be null");
    timings = List.copyOf(Objects.requireNonNull(timings, "timings cannot be null"));
  }
}
