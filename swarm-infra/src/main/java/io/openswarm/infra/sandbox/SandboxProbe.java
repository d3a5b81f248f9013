package io.openswarm.infra.sandbox;

import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.core.sandbox.SandboxPolicy;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessResult;
import io.openswarm.infra.process.ProcessSpec;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.process.internal.Executables;
import io.openswarm.infra.sandbox.internal.ProgramFolders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Checks, once at start, that what every cell needs is visible inside the sandbox: the repository's
 * git directory (as a cell's worktree reaches it) and the programs cells run (the agent's, the test
 * command's) with the interpreter a script names on its {@code #!} line. A sandbox hides home
 * folders, {@code /run}, {@code /tmp} and the worker's state, so a program installed under one of
 * them works outside and is missing inside; better to fail the start with the list than the first
 * cell with a puzzling error. {@code SwarmWorker} runs it at every start; code that composes its
 * own cells from a {@link ProcessSupervisor} should too.
 *
 * <pre>{@code
 * List<String> missing = SandboxProbe.missing(supervisor, stateDirectory.resolve("probe"), repository,
 *     List.of("opencode", "/usr/bin/mvn"), System.getenv("PATH"));
 * if (!missing.isEmpty()) {
 *   throw new IllegalStateException("not visible inside the sandbox: " + missing);
 * }
 * }</pre>
 *
 * <p>How it works: one sandboxed {@code sh} run, set up the way a cell's processes are: a
 * worktree-like folder whose {@code .git} file names the repository, and on its {@code PATH} the
 * folders the sandbox binds for a program started by its path. A program that cannot be found
 * outside the sandbox is not checked (a set-up step may install it; the run itself then says it is
 * missing), nor is one named relative to the worktree ({@code ./mvnw}).
 *
 * <p>Stateless and thread-safe; concurrent calls need different folders.
 */
public final class SandboxProbe {

  private static final String SCRIPT =
      String.join(
          "\n",
          "status=0",
          "git_dir=$1; shift",
          "if [ ! -r \"$git_dir/HEAD\" ]; then echo \"missing: the repository's git directory $git_dir\"; status=1; fi",
          "for program in \"$@\"; do",
          "  if [ ! -x \"$program\" ]; then echo \"missing: $program\"; status=1; fi",
          "done",
          "exit $status",
          "");

  private SandboxProbe() {}

  /**
   * Runs the probe and returns what is missing inside the sandbox, one line each; empty when
   * everything is there, the supervisor's sandbox does not isolate, or {@code repository} is not a
   * git checkout.
   *
   * @param supervisor the worker's supervisor (its sandbox and hidden paths apply)
   * @param folder a folder the probe may create and use, inside the worker's state directory;
   *     deleted afterwards
   * @param repository the user's checkout
   * @param programs the programs cells run, as configured (absolute paths or names looked up on
   *     {@code PATH})
   * @param path the {@code PATH} cells run with
   * @return what a cell would not find, one line each (a path, or the repository's git directory);
   *     empty when none
   * @throws NullPointerException if an argument is or holds null
   * @throws IllegalStateException if the probe cannot run at all (the sandbox does not start)
   */
  public static List<String> missing(
      ProcessSupervisor supervisor,
      Path folder,
      Path repository,
      List<String> programs,
      String path) {
    Objects.requireNonNull(supervisor, "supervisor cannot be null");
    Objects.requireNonNull(folder, "folder cannot be null");
    Objects.requireNonNull(repository, "repository cannot be null");
    Objects.requireNonNull(path, "path cannot be null");
    List<String> wanted = List.copyOf(Objects.requireNonNull(programs, "programs cannot be null"));
    if (!supervisor.sandbox().isolating()) {
      return List.of();
    }
    Optional<Path> gitDir = commonGitDirectory(repository);
    if (gitDir.isEmpty()) {
      return List.of();
    }
    List<String> checked = new ArrayList<>();
    Set<String> folders = new LinkedHashSet<>();
    Path root = Path.of("/");
    for (String program : wanted) {
      if (program.indexOf('/') > 0 || program.isEmpty()) {
        continue;
      }
      Optional<Path> resolved = Executables.resolve(program, path, root);
      if (resolved.isEmpty()) {
        continue;
      }
      Path file = resolved.get();
      checked.add(file.toString());
      if (program.startsWith("/")) {
        // What the sandbox binds for a program started by its path; a name is found through PATH,
        // bound as it is.
        ProgramFolders.of(file).forEach(each -> folders.add(each.toString()));
      }
      interpreter(file).ifPresent(checked::add);
    }
    List<String> command =
        new ArrayList<>(List.of("sh", "-c", SCRIPT, "openswarm-probe", gitDir.get().toString()));
    command.addAll(checked);
    String probePath = path + (folders.isEmpty() ? "" : ":" + String.join(":", folders));
    try {
      Path worktree = Files.createDirectories(folder.resolve("worktree"));
      Path state = Files.createDirectories(folder.resolve("state"));
      Files.writeString(worktree.resolve(".git"), "gitdir: " + gitDir.get() + "\n");
      ProcessResult result =
          supervisor
              .start(
                  ProcessSpec.newBuilder()
                      .command(command)
                      .workingDirectory(worktree)
                      .environment(ProcessEnvironment.newBuilder().put("PATH", probePath).build())
                      .logFile(state.resolve("probe.log"))
                      .sandboxPolicy(
                          SandboxPolicy.forCell(worktree, state).toBuilder()
                              .network(NetworkAccess.NONE)
                              .build())
                      .timeout(Duration.ofSeconds(30))
                      .description("sandbox probe")
                      .build())
              .waitFor();
      List<String> missing =
          result
              .outputTail()
              .lines()
              .filter(line -> line.startsWith("missing: "))
              .map(line -> line.substring("missing: ".length()))
              .toList();
      if (result.exitCode() != 0 && missing.isEmpty()) {
        throw new IllegalStateException(
            "the sandbox probe could not run under "
                + supervisor.sandbox().description()
                + ": exit code "
                + result.exitCode()
                + ", output: "
                + result.outputTail().strip());
      }
      return missing;
    } catch (IOException e) {
      throw new IllegalStateException(
          "the sandbox probe could not run under "
              + supervisor.sandbox().description()
              + ": "
              + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while probing the sandbox", e);
    } finally {
      deleteQuietly(folder);
    }
  }

  /**
   * The repository's common git directory: {@code .git}, or where a {@code .git} file's worktree
   * entry leads.
   */
  static Optional<Path> commonGitDirectory(Path repository) {
    Path dotGit = repository.resolve(".git");
    try {
      if (Files.isDirectory(dotGit)) {
        return Optional.of(dotGit.toRealPath());
      }
      if (!Files.isRegularFile(dotGit)) {
        return Optional.empty();
      }
      String line = Files.readString(dotGit).strip();
      if (!line.startsWith("gitdir:")) {
        return Optional.empty();
      }
      Path gitDir = repository.resolve(line.substring("gitdir:".length()).strip()).normalize();
      Path commonFile = gitDir.resolve("commondir");
      Path common =
          Files.isRegularFile(commonFile)
              ? gitDir.resolve(Files.readString(commonFile).strip()).normalize()
              : gitDir;
      return Optional.of(common.toRealPath());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The absolute interpreter a script names on its {@code #!} line, if any. */
  static Optional<String> interpreter(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(256);
      if (head.length < 3 || head[0] != '#' || head[1] != '!') {
        return Optional.empty();
      }
      String line =
          new String(head, 2, head.length - 2, StandardCharsets.UTF_8)
              .lines()
              .findFirst()
              .orElse("")
              .strip();
      String interpreter = line.split("\\s+")[0];
      return interpreter.startsWith("/") ? Optional.of(interpreter) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void deleteQuietly(Path folder) {
    try {
      TreeDeleter.deleteRecursively(folder);
    } catch (IOException | RuntimeException e) {
      // A folder of the worker's state directory; the next probe deletes what is left of it.
    }
  }
}
