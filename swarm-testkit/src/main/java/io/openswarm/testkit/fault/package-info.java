/**
 * FaultInjector.Fault injection at the boundaries the cell steps consult: a {@link
 * io.openswarm.testkit.fault.FaultInjector} decorates the service-provider implementations (port
 * probe, worktree provider, worktree changes, agent, test runner, branch integration) and makes
 * them fail, hang or kill the process at named {@linkplain
 * io.openswarm.testkit.fault.FaultInjector.Point points}.
 */
@NullMarked
package io.openswarm.testkit.fault;

import org.jspecify.annotations.NullMarked;
