/**
 * Git worktrees for cells: {@link io.openswarm.infra.worktree.WorktreePool}, a warm pool of
 * worktrees of one repository with crash-safe leases, and {@link
 * io.openswarm.infra.worktree.GitWorktreeChanges}, which lists, commits and reverts what a cell
 * changed in its worktree.
 */
@NullMarked
package io.openswarm.infra.worktree;

import org.jspecify.annotations.NullMarked;
