package io.openswarm.core.sandbox;

/**
 * Whether a sandboxed command shares the host's network.
 *
 * <p>Agents need the network (they reach their model, and the worker reaches the agent's port on 127.0.0.1), so
 * {@link #SHARED} is the default. Test commands that need no network can run with {@link #NONE}.
 */
public enum NetworkAccess {
  /** The command uses the host's network namespace: loopback, outbound connections and listening ports. */
  SHARED,
  /** The command gets a private network namespace with only its own loopback interface. */
  NONE
}
