/**
 * Cell isolation with bubblewrap: {@link io.openswarm.infra.sandbox.BubblewrapSandbox} and its
 * {@link io.openswarm.infra.sandbox.SandboxDetector}, which checks once whether {@code bwrap} works
 * on this machine and resolves a {@link io.openswarm.core.sandbox.CellSandbox.Mode} to a sandbox;
 * and {@link io.openswarm.infra.sandbox.SandboxProbe}, which checks at start that the chosen
 * sandbox shows cells what they need.
 */
@NullMarked
package io.openswarm.infra.sandbox;

import org.jspecify.annotations.NullMarked;
