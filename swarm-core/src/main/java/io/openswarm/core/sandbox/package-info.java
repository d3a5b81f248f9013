/**
 * The sandbox SPI: how every process a cell starts (agent server, test command) is confined to the
 * cell's own worktree and state folder.
 *
 * <p>{@link io.openswarm.core.sandbox.CellSandbox} wraps a command; {@link
 * io.openswarm.core.sandbox.SandboxPolicy} says what the wrapped command may write and whether it
 * shares the network. The process supervisor applies the sandbox; {@link
 * io.openswarm.core.sandbox.CellSandbox#none()} is the no-isolation fallback. The bubblewrap
 * implementation and its detection live in {@code io.openswarm.infra.sandbox}.
 */
@NullMarked
package io.openswarm.core.sandbox;

import org.jspecify.annotations.NullMarked;
