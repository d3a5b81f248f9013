package io.openswarm.infra.process.internal;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Finds programs the way {@code execvp} does, so a missing binary is reported before anything
 * starts. Thread-safe.
 */
public final class Executables {

  /** Where system tools live when the worker's own PATH does not say. */
  public static final String SYSTEM_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private Executables() {}

  /**
   * Resolves {@code program}: a name containing {@code /} is taken relative to {@code
   * workingDirectory}; a bare name is looked up in the directories of {@code path} in order.
   *
   * @return the executable file, or empty if there is none
   */
  public static Optional<Path> resolve(
      String program, @Nullable String path, Path workingDirectory) {
    if (program.isEmpty()) {
      return Optional.empty();
    }
    try {
      if (program.indexOf('/') >= 0) {
        return executable(workingDirectory.resolve(program));
      }
      String searchPath = path == null || path.isEmpty() ? SYSTEM_PATH : path;
      for (String dir : searchPath.split(File.pathSeparator, -1)) {
        Path base = dir.isEmpty() ? workingDirectory : workingDirectory.resolve(dir);
        Optional<Path> found = executable(base.resolve(program));
        if (found.isPresent()) {
          return found;
        }
      }
      return Optional.empty();
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
  }

  /**
   * Where {@link #resolve} looked for {@code program}, for an error message: the working directory
   * for a path, else how many folders of {@code path} were searched. Never the folders themselves:
   * the message may end up in workflow history, which is no place for the worker's environment.
   */
  public static String whereSought(String program, @Nullable String path, Path workingDirectory) {
    if (program.indexOf('/') >= 0) {
      return "in " + workingDirectory;
    }
    if (path == null || path.isEmpty()) {
      return "in the system folders (PATH is not set)";
    }
    long folders = path.split(File.pathSeparator, -1).length;
    return folders == 1
        ? "in the one folder of PATH"
        : "in any of the " + folders + " folders of PATH";
  }

  /** Resolves a system tool on the worker's PATH, then in the usual system directories. */
  public static Optional<Path> resolveSystemTool(String name) {
    Path root = Path.of("/");
    return resolve(name, System.getenv("PATH"), root).or(() -> resolve(name, SYSTEM_PATH, root));
  }

  private static Optional<Path> executable(Path candidate) {
    return Files.isRegularFile(candidate) && Files.isExecutable(candidate)
        ? Optional.of(candidate.normalize())
        : Optional.empty();
  }
}
