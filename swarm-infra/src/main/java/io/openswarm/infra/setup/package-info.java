/**
 * The worktree set-up: what a leased worktree needs before a cell works in it (dependencies
 * installed by a command in the cell's sandbox, files copied from the user's checkout, submodules),
 * done once per worktree and reused warm.
 */
@NullMarked
package io.openswarm.infra.setup;

import org.jspecify.annotations.NullMarked;
