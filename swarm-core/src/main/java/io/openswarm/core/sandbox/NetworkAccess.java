package io.openswarm.core.sandbox;

/**
 * Whether a sandboxed command shares the host's network.
 *
 * <p>{@link #SHARED} is the default: agents reach their model and the worker reaches the agent's
 * port on {@code 127.0.0.1} without further configuration. {@link #NONE} gives the command a
 * private network; a {@link SandboxPolicy} can still let named connections through it (an agent
 * server's port for the worker, the model's endpoint for the agent), and nothing else.
 */
public enum NetworkAccess {
  /**
   * The command uses the host's network namespace: loopback services (the worker's own Temporal
   * port among them), abstract Unix sockets, outbound connections anywhere the host can reach, and
   * listening ports.
   */
  SHARED,
  /**
   * The command gets a private network namespace with only its own loopback interface, plus the
   * exposed ports and allowed endpoints its {@link SandboxPolicy} names.
   */
  NONE
}
