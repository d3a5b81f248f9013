package io.openswarm.core.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
public record SandboxRequest(
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
   * @throws IllegalArgumentException if {@code command} is empty or {@code workingDirectory} is not
   *     absolute
   */
  public SandboxRequest {
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
    return "SandboxRequest{command="
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
