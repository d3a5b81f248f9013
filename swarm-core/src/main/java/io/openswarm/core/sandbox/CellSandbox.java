package io.openswarm.core.sandbox;

/**
 * Confines the processes of one cell: wraps a command so that, when it runs, it can write only what
 * the {@link SandboxPolicy} allows.
 *
 * <p>The process supervisor calls {@link #wrap} for every process a cell starts and runs the
 * command it returns, with the environment it returns, in a new session. An implementation only
 * rewrites the command; it starts nothing itself.
 *
 * <p>Implementations must be immutable and thread-safe.
 */
public interface CellSandbox {

  /**
   * Returns the command to run in place of {@code request.command()}.
   *
   * @param request the command, its working directory, environment and policy
   * @return the command line and environment that run the request inside this sandbox
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if this sandbox cannot apply the request's policy (for example
   *     a writable path that does not exist)
   */
  SandboxedCommand wrap(SandboxRequest request);

  /**
   * A short, stable name for metric tags and configuration, such as {@code none} or {@code
   * bubblewrap}.
   *
   * @return the sandbox's name; not blank
   */
  String name();

  /**
   * A one-line description for logs, such as {@code bubblewrap 0.8.0 (/usr/bin/bwrap)}.
   *
   * @return the description; not blank
   */
  String description();

  /**
   * Whether this sandbox actually confines processes; false for {@link #none()}.
   *
   * @return true when processes are confined
   */
  boolean isolating();

  /**
   * The sandbox that isolates nothing: the command runs unchanged with the same environment.
   * Processes still get the explicit environment and their own session from the supervisor, but can
   * read and write everything the worker can.
   *
   * @return the shared sandbox that isolates nothing
   */
  static CellSandbox none() {
    return NoSandbox.INSTANCE;
  }
}
