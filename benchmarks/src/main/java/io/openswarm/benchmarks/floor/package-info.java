/**
 * The bare-Temporal floor of a TCR cell: a workflow with the activity calls, routing and options of
 * {@code TcrWorkflow} whose activities do nothing, and the worker set-up of a {@code SwarmWorker}
 * around it. What a cell would cost if the library's own work (ports, worktrees, agent, tests, git)
 * were free. Not API.
 */
@NullMarked
package io.openswarm.benchmarks.floor;

import org.jspecify.annotations.NullMarked;
