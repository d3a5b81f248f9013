package io.openswarm.infra.opencode;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Finds the {@code opencode} executable.
 *
 * <p>Search order, first hit wins:
 *
 * <ol>
 *   <li>an explicit path (from {@link OpenCodeOptions#binary()}), which must then exist — a wrong
 *       explicit path is an error, never silently replaced by another binary;
 *   <li>the environment variable {@value #ENV_VARIABLE};
 *   <li>{@code opencode} on the {@code PATH};
 *   <li>a project-local install, {@value #PROJECT_LOCAL_PATH}, in the working directory or any
 *       parent of it (what {@code npm install --prefix .tools/opencode opencode-ai@1.18.33}
 *       creates).
 * </ol>
 *
 * A miss is an {@link OpenCodeBinaryNotFoundException} that names every place searched.
 *
 * <p>Stateless and thread-safe.
 */
public final class OpenCodeBinary {

  /** The environment variable that may point at the binary. */
  public static final String ENV_VARIABLE = "OPENSWARM_OPENCODE_BIN";

  /** The project-local install location, relative to a project directory. */
  public static final String PROJECT_LOCAL_PATH = ".tools/opencode/node_modules/.bin/opencode";

  /** The OpenCode version this library is built and tested against. */
  public static final String PINNED_VERSION = "1.18.33";

  private static final String EXECUTABLE_NAME = "opencode";

  private OpenCodeBinary() {}

  /**
   * Finds the binary, using the JVM's environment and working directory.
   *
   * @param explicit an explicit path to use, or null to search
   * @return the absolute path of an executable file
   * @throws OpenCodeBinaryNotFoundException if no executable was found
   */
  public static Path locate(@Nullable Path explicit) {
    return locate(explicit, System.getenv(), Path.of(System.getProperty("user.dir")));
  }

  /**
   * Finds the binary.
   *
   * @param explicit an explicit path to use, or null to search
   * @param environment the environment whose {@value #ENV_VARIABLE} and {@code PATH} are consulted
   * @param workingDirectory where the upward search for a project-local install starts
   * @return the absolute path of an executable file
   * @throws NullPointerException if {@code environment} or {@code workingDirectory} is null
   * @throws OpenCodeBinaryNotFoundException if no executable was found
   */
  public static Path locate(
      @Nullable Path explicit, Map<String, String> environment, Path workingDirectory) {
    Objects.requireNonNull(environment, "environment cannot be null");
    Objects.requireNonNull(workingDirectory, "workingDirectory cannot be null");
    List<String> searched = new ArrayList<>();
    if (explicit != null) {
      Path path = explicit.toAbsolutePath();
      if (isExecutableFile(path)) {
        return path;
      }
      searched.add("explicit path " + path + " (" + problem(path) + ")");
      throw new OpenCodeBinaryNotFoundException(searched);
    }

    String fromEnv = environment.get(ENV_VARIABLE);
    if (fromEnv != null && !fromEnv.isBlank()) {
      Path path = toPath(fromEnv);
      if (path != null && isExecutableFile(path.toAbsolutePath())) {
        return path.toAbsolutePath();
      }
      searched.add(
          "$"
              + ENV_VARIABLE
              + "="
              + fromEnv
              + " ("
              + (path == null ? "not a valid path" : problem(path))
              + ")");
    } else {
      searched.add("$" + ENV_VARIABLE + " (not set)");
    }

    String pathVariable = environment.get("PATH");
    if (pathVariable == null || pathVariable.isEmpty()) {
      searched.add("PATH (not set)");
    } else {
      for (String entry : pathVariable.split(File.pathSeparator)) {
        if (entry.isEmpty()) {
          continue;
        }
        Path dir = toPath(entry);
        if (dir == null || !dir.isAbsolute()) {
          continue; // relative PATH entries depend on the agent's cwd; never resolve a binary
          // through them
        }
        Path candidate = dir.resolve(EXECUTABLE_NAME);
        if (isExecutableFile(candidate)) {
          return candidate;
        }
      }
      // Said without the folders: the message reaches workflow history, which is no place for the
      // environment.
      long folders = pathVariable.split(File.pathSeparator, -1).length;
      searched.add(
          "'"
              + EXECUTABLE_NAME
              + "' in the "
              + folders
              + (folders == 1 ? " folder" : " folders")
              + " of PATH (not found)");
    }

    for (Path dir = workingDirectory.toAbsolutePath().normalize();
        dir != null;
        dir = dir.getParent()) {
      Path candidate = dir.resolve(PROJECT_LOCAL_PATH);
      if (isExecutableFile(candidate)) {
        return candidate;
      }
    }
    searched.add(
        PROJECT_LOCAL_PATH
            + " in "
            + workingDirectory.toAbsolutePath().normalize()
            + " and each parent directory");
    throw new OpenCodeBinaryNotFoundException(searched);
  }

  private static @Nullable Path toPath(String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      return null;
    }
  }

  private static boolean isExecutableFile(Path path) {
    return Files.isRegularFile(path) && Files.isExecutable(path);
  }

  private static String problem(Path path) {
    if (!Files.exists(path)) {
      return "does not exist";
    }
    if (!Files.isRegularFile(path)) {
      return "not a regular file";
    }
    return "not executable";
  }
}
