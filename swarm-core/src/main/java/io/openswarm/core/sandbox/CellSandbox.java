package io.openswarm.core.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
  Command wrap(Request request);

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

  /**
   * What the supervisor asks a {@link CellSandbox} to wrap: one command with its working directory,
   * its complete environment and the cell's {@link SandboxPolicy}.
   *
   * <p>Immutable and thread-safe. {@link #toString()} names the environment variables but never
   * prints their values.
   *
   * @param command the program and its arguments, passed to the program unchanged (never through a
   *     shell)
   * @param workingDirectory the absolute directory the command runs in
   * @param environment the complete environment of the command; nothing else is inherited
   * @param policy what the command may write and whether it shares the network
   */
  record Request(
      List<String> command,
      Path workingDirectory,
      Map<String, String> environment,
      SandboxPolicy policy) {

    /**
     * Validates and copies the request.
     *
     * @param command the program and its arguments; not empty (copied)
     * @param workingDirectory the directory the command runs in; absolute (normalized)
     * @param environment the complete environment; copied
     * @param policy what the command may write and reach
     * @throws NullPointerException if any argument or command element is null
     * @throws IllegalArgumentException if {@code command} is empty or {@code workingDirectory} is
     *     not absolute
     */
    public Request {
      Objects.requireNonNull(command, "command cannot be null");
      Objects.requireNonNull(workingDirectory, "workingDirectory cannot be null");
      Objects.requireNonNull(environment, "environment cannot be null");
      Objects.requireNonNull(policy, "policy cannot be null");
      command = List.copyOf(command);
      if (command.isEmpty()) {
        throw new IllegalArgumentException("command must name a program but was empty");
      }
      if (!workingDirectory.isAbsolute()) {
        throw new IllegalArgumentException(
            "workingDirectory must be absolute but was " + workingDirectory);
      }
      workingDirectory = workingDirectory.normalize();
      environment = Map.copyOf(environment);
    }

    @Override
    public String toString() {
      return "Request{command="
          + command
          + ", workingDirectory="
          + workingDirectory
          + ", environment="
          + new java.util.TreeSet<>(environment.keySet())
          + ", policy="
          + policy
          + "}";
    }
  }

  /**
   * What a sandbox keeps running on the worker's side for one sandboxed command, such as the relays
   * that carry the connections a private network still allows. Created by {@link CellSandbox#wrap};
   * whoever starts the command calls {@link #attach} once it runs and {@link #close} when it has
   * ended (or when it could not be started).
   */
  interface Bridge extends AutoCloseable {

    /** The bridge of a command that needs nothing on the worker's side. */
    Bridge NONE =
        new Bridge() {
          @Override
          public void attach(ProcessHandle launcher) {}

          @Override
          public void close() {}

          @Override
          public String toString() {
            return "Bridge.NONE";
          }
        };

    /**
     * Tells the bridge which process runs the command: the first process of {@link
     * Command#command()} (with bubblewrap, the launcher whose child is the sandbox's first
     * process).
     *
     * @param launcher the first process of the command, as started
     * @throws NullPointerException if {@code launcher} is null
     */
    void attach(ProcessHandle launcher);

    /** Releases everything the bridge holds on the worker's side; safe to call more than once. */
    @Override
    void close();
  }

  /**
   * The command a {@link CellSandbox} returns: what the supervisor actually starts.
   *
   * <p>Immutable and thread-safe. {@link #toString()} names the environment variables but never
   * prints their values.
   *
   * @param command the program and arguments to start
   * @param environment the complete environment to start it with
   * @param rootIsLauncher true when the started process only launches and holds the sandbox (like
   *     {@code bwrap}) and exits by itself when the command inside exits. A graceful stop must then
   *     signal the processes inside, not the launcher, because terminating the launcher tears the
   *     whole sandbox down at once without a grace period.
   * @param bridge what runs on the worker's side while the command runs (the relays of a private
   *     network); {@link Bridge#NONE} when nothing does. Whoever starts the command attaches it
   *     once the command runs and closes it when the command has ended or could not be started.
   */
  record Command(
      List<String> command,
      Map<String, String> environment,
      boolean rootIsLauncher,
      Bridge bridge) {

    /**
     * Validates and copies the command.
     *
     * @param command the program and arguments to start; not empty (copied)
     * @param environment the complete environment to start it with; copied
     * @param rootIsLauncher true when the started process only launches and holds the sandbox
     * @param bridge what runs on the worker's side while the command runs; {@link Bridge#NONE} for
     *     nothing
     * @throws NullPointerException if any argument or command element is null
     * @throws IllegalArgumentException if {@code command} is empty
     */
    public Command {
      Objects.requireNonNull(command, "command cannot be null");
      Objects.requireNonNull(environment, "environment cannot be null");
      Objects.requireNonNull(bridge, "bridge cannot be null");
      command = List.copyOf(command);
      if (command.isEmpty()) {
        throw new IllegalArgumentException("command must name a program but was empty");
      }
      environment = Map.copyOf(environment);
    }

    /**
     * A command that needs nothing on the worker's side ({@link Bridge#NONE}).
     *
     * @param command the program and arguments to start; not empty (copied)
     * @param environment the complete environment to start it with; copied
     * @param rootIsLauncher true when the started process only launches and holds the sandbox
     * @throws NullPointerException if any argument or command element is null
     * @throws IllegalArgumentException if {@code command} is empty
     */
    public Command(List<String> command, Map<String, String> environment, boolean rootIsLauncher) {
      this(command, environment, rootIsLauncher, Bridge.NONE);
    }

    @Override
    public String toString() {
      return "Command{command="
          + command
          + ", environment="
          + new java.util.TreeSet<>(environment.keySet())
          + ", rootIsLauncher="
          + rootIsLauncher
          + (bridge == Bridge.NONE ? "" : ", bridge=" + bridge)
          + "}";
    }
  }

  /**
   * Which sandbox a worker should use, as chosen in its options; resolved to a {@link CellSandbox}
   * once at start.
   */
  enum Mode {
    /**
     * Bubblewrap when {@code bwrap} is installed and works on this machine, otherwise no isolation
     * with one warning at start.
     */
    AUTO,
    /** Bubblewrap, and fail at start when it is not installed or does not work. */
    BUBBLEWRAP,
    /** No isolation: cell processes can read and write everything the worker can. */
    NONE
  }
}
