/**
 * Command-line agents: {@link io.openswarm.infra.agent.CommandAgent} runs any CLI coding agent
 * (aider, a script, an in-house tool) once per prompt in the cell's worktree, from a {@link
 * io.openswarm.infra.agent.CommandTemplate} whose placeholders are replaced by whole arguments,
 * never through a shell.
 */
@NullMarked
package io.openswarm.infra.agent;

import org.jspecify.annotations.NullMarked;
