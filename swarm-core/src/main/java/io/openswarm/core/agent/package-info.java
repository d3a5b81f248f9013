/**
 * The agent SPI: how a cell starts an agent in its worktree, prompts it, and stops it.
 *
 * <p>Implementations live elsewhere: the real OpenCode server and command-line agents in {@code
 * swarm-infra}, scripted agents in {@code swarm-testkit}.
 */
@NullMarked
package io.openswarm.core.agent;

import org.jspecify.annotations.NullMarked;
