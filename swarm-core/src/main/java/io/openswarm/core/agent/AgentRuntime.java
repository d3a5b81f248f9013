package io.openswarm.core.agent;

import io.openswarm.core.CellId;
import java.nio.file.Path;
import java.util.Objects;

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
  AgentSession start(Context context);

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

  /**
   * Where an agent runs: the cell it belongs to, the worktree it works in, the port it may listen
   * on, and the cell's private state directory (outside the worktree) for its home, caches,
   * temporary files and logs.
   *
   * @param cellId the cell
   * @param worktree the cell's worktree; the agent's working directory and the only tree it should
   *     change
   * @param port the port leased for the cell, on 127.0.0.1
   * @param stateDirectory a directory private to the cell, never inside the worktree; created by
   *     the caller
   */
  record Context(CellId cellId, Path worktree, int port, Path stateDirectory) {

    /**
     * Checks the components.
     *
     * @param cellId the cell; not null
     * @param worktree the cell's worktree; not null
     * @param port the port leased for the cell; 1 to 65535
     * @param stateDirectory the cell's private directory; not null, not inside {@code worktree}
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the port is outside 1..65535 or the state directory is
     *     inside the worktree
     */
    public Context {
      Objects.requireNonNull(cellId, "cellId cannot be null");
      Objects.requireNonNull(worktree, "worktree cannot be null");
      Objects.requireNonNull(stateDirectory, "stateDirectory cannot be null");
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("port must be between 1 and 65535 but was " + port);
      }
      Path tree = worktree.toAbsolutePath().normalize();
      Path state = stateDirectory.toAbsolutePath().normalize();
      if (state.startsWith(tree)) {
        throw new IllegalArgumentException(
            String.format(
                "stateDirectory must be outside the worktree (its files would end up in commits) but %s is inside %s",
                state, tree));
      }
    }
  }
}
