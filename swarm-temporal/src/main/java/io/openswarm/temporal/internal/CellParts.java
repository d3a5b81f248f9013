package io.openswarm.temporal.internal;

import io.openswarm.core.agent.AgentRuntime;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.core.worktree.BranchIntegration;
import io.openswarm.core.worktree.WorktreeChanges;
import io.openswarm.core.worktree.WorktreeProvider;
import java.util.Objects;

/**
 * The service-provider implementations a {@link io.openswarm.temporal.SwarmWorker} builds its cells
 * from: the boundaries the cell steps consult (the port probe, which the port manager consults, is
 * decorated on its own by {@link WorkerHooks#decorateProbe}). Not API.
 *
 * <p>Immutable and thread-safe if the parts are.
 *
 * @param worktrees leases worktrees
 * @param changes lists, commits and reverts a cell's changes
 * @param agent starts the cells' agents
 * @param tests runs the tests
 * @param integration moves committed changes onto a target branch
 */
public record CellParts(
    WorktreeProvider worktrees,
    WorktreeChanges changes,
    AgentRuntime agent,
    TestRunner tests,
    BranchIntegration integration) {

  /**
   * @throws NullPointerException if a part is null
   */
  public CellParts {
    Objects.requireNonNull(worktrees, "worktrees cannot be null");
    Objects.requireNonNull(changes, "changes cannot be null");
    Objects.requireNonNull(agent, "agent cannot be null");
    Objects.requireNonNull(tests, "tests cannot be null");
    Objects.requireNonNull(integration, "integration cannot be null");
  }
}
