package io.openswarm.core.agent;

/**
 * A kind of agent: the real OpenCode server, a command-line agent, a scripted agent in tests. One
 * runtime serves every cell of a worker, so implementations must be thread-safe.
 */
public interface AgentRuntime {

  /**
   * A short name for logs and metrics, such as {@code opencode}.
   *
   * @return the runtime's name; not blank
   */
  String name();

  /**
   * Starts an agent for one cell. Returns once the agent was started; {@link
   * AgentSession#awaitReady} waits until it can work.
   *
   * @param context the cell, worktree, port and state directory the agent runs with
   * @return the session of the started agent; the caller closes it
   * @throws AgentException with {@link AgentException.Reason#START_FAILED} if it cannot be started
   */
  AgentSession start(AgentContext context);

  /**
   * The programs this agent starts in a cell (absolute paths, or names looked up on {@code PATH}),
   * so that a worker can check at start that its sandbox lets cells see them. Empty by default:
   * nothing is checked.
   *
   * @return the programs this runtime starts; empty when nothing is to be checked
   */
  default java.util.List<String> programs() {
    return java.util.List.of();
  }
}
