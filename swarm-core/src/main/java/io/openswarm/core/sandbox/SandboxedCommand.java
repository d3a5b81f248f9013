package io.openswarm.core.sandbox;

import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 *     network); {@link SandboxBridge#NONE} when nothing does. Whoever starts the command attaches
 *     it once the command runs and closes it when the command has ended or could not be started.
 */
public record SandboxedCommand(
    List<String> command,
    Map<String, String> environment,
    boolean rootIsLauncher,
    SandboxBridge bridge) {

  /**
   * Validates and copies the command.
   *
   * @param command the program and arguments to start; not empty (copied)
   * @param environment the complete environment to start it with; copied
   * @param rootIsLauncher true when the started process only launches and holds the sandbox
   * @param bridge what runs on the worker's side while the command runs; {@link SandboxBridge#NONE}
   *     for nothing
   * @throws NullPointerException if any argument or command element is null
   * @throws IllegalArgumentException if {@code command} is empty
   */
  public SandboxedCommand {
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
   * A command that needs nothing on the worker's side ({@link SandboxBridge#NONE}).
   *
   * @param command the program and arguments to start; not empty (copied)
   * @param environment the complete environment to start it with; copied
   * @param rootIsLauncher true when the started process only launches and holds the sandbox
   * @throws NullPointerException if any argument or command element is null
   * @throws IllegalArgumentException if {@code command} is empty
   */
  public SandboxedCommand(
      List<String> command, Map<String, String> environment, boolean rootIsLauncher) {
    this(command, environment, rootIsLauncher, SandboxBridge.NONE);
  }

  @Override
  public String toString() {
    return "SandboxedCommand{command="
        + command
        + ", environment="
        + new java.util.TreeSet<>(environment.keySet())
        + ", rootIsLauncher="
        + rootIsLauncher
        + (bridge == SandboxBridge.NONE ? "" : ", bridge=" + bridge)
        + "}";
  }
}
