/**
 * The worktree SPI: how a cell gets an isolated git working tree on a branch of its own, and how
 * failures of git are reported.
 *
 * <p>{@link io.openswarm.core.worktree.WorktreeProvider} hands out {@link
 * io.openswarm.core.worktree.WorktreeLease}s; the implementation that keeps a warm pool of real git
 * worktrees lives in {@code io.openswarm.infra.worktree}. Every failure is a {@link
 * io.openswarm.core.worktree.WorktreeException} with a stable {@link
 * io.openswarm.core.worktree.WorktreeException.Reason} that callers (for example the Temporal
 * activities) map to their own error types.
 */
@NullMarked
package io.openswarm.core.worktree;

import org.jspecify.annotations.NullMarked;
