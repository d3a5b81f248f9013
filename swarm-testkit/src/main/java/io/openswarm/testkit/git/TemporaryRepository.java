package io.openswarm.testkit.git;

import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A real git repository in a directory of the caller's (typically a JUnit {@code @TempDir}), on
 * branch {@code main}, shaped by the test: write files, commit, read refs.
 *
 * <pre>{@code
 * TemporaryRepository repo = TemporaryRepository.create(tempDir.resolve("repo"))
 *     .write("test.sh", "#!/bin/sh\ngrep -q green status.txt\n").executable("test.sh")
 *     .write("status.txt", "green\n")
 *     .commit("a project with a test");
 * }</pre>
 *
 * <p>Git runs through {@link GitRunner}: argument lists, a scrubbed environment, timeouts. Not
 * thread-safe.
 */
public final class TemporaryRepository {

  private static final GitRunner GIT = GitRunner.create();

  private final Path path;

  private TemporaryRepository(Path path) {
    this.path = path;
  }

  /**
   * Creates a repository at {@code directory} (created if missing) on branch {@code main} with one
   * commit holding {@code README.md}.
   *
   * @param directory the repository's top-level directory
   * @return the repository
   * @throws UncheckedIOException if the directory cannot be created
   */
  public static TemporaryRepository create(Path directory) {
    Objects.requireNonNull(directory, "directory cannot be null");
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + directory, e);
    }
    TemporaryRepository repository =
        new TemporaryRepository(directory.toAbsolutePath().normalize());
    repository.git("init", "--quiet", "--initial-branch=main");
    repository.git("config", "user.name", "Test Author");
    repository.git("config", "user.email", "test@example.com");
    repository.git("config", "commit.gpgsign", "false");
    return repository.write("README.md", "# a temporary repository\n").commit("initial commit");
  }

  /**
   * The repository's top-level directory.
   *
   * @return the directory
   */
  public Path path() {
    return path;
  }

  /**
   * Writes {@code content} to {@code relativePath}, creating parent directories.
   *
   * @param relativePath the file, relative to the top
   * @param content the content, written as UTF-8
   * @return this repository
   */
  public TemporaryRepository write(String relativePath, String content) {
    Path file = resolve(relativePath);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return this;
  }

  /**
   * Writes each of {@code files} (path → content).
   *
   * @param files the files, by path relative to the top
   * @return this repository
   */
  public TemporaryRepository write(Map<String, String> files) {
    files.forEach(this::write);
    return this;
  }

  /**
   * Makes {@code relativePath} executable.
   *
   * @param relativePath the file, relative to the top
   * @return this repository
   */
  public TemporaryRepository executable(String relativePath) {
    try {
      Files.setPosixFilePermissions(
          resolve(relativePath), PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make " + relativePath + " executable", e);
    }
    return this;
  }

  /**
   * Stages everything and commits it on the current branch.
   *
   * @param message the commit message
   * @return this repository
   */
  public TemporaryRepository commit(String message) {
    git("add", "-A");
    GIT.run(
            GitCommand.in(path)
                .args("commit", "--quiet", "--allow-empty", "-F", "-")
                .stdin(message)
                .build())
        .requireSuccess("commit in " + path);
    return this;
  }

  /**
   * The SHA {@code revision} resolves to.
   *
   * @param revision the revision
   * @return the full SHA
   */
  public String resolveRevision(String revision) {
    return git("rev-parse", "--verify", "--end-of-options", revision + "^{commit}").strip();
  }

  /**
   * The SHA of {@code HEAD}.
   *
   * @return the full SHA
   */
  public String head() {
    return resolveRevision("HEAD");
  }

  /**
   * Whether branch {@code name} exists.
   *
   * @param name the branch, without {@code refs/heads/}
   * @return true when it exists
   */
  public boolean hasBranch(String name) {
    return GIT.run(path, "show-ref", "--verify", "--quiet", "refs/heads/" + name).isSuccess();
  }

  /**
   * The content of {@code relativePath} at {@code revision}.
   *
   * @param revision the revision
   * @param relativePath the file, relative to the top
   * @return the content
   */
  public String show(String revision, String relativePath) {
    return git("show", revision + ":" + relativePath);
  }

  /**
   * The paths a commit changed relative to its parent.
   *
   * @param revision the commit
   * @return the changed paths
   */
  public List<String> changedIn(String revision) {
    return Arrays.stream(
            git("diff-tree", "--no-commit-id", "--name-only", "-r", "--root", revision).split("\n"))
        .filter(line -> !line.isBlank())
        .toList();
  }

  /**
   * The worktrees git knows for this repository, as {@code git worktree list --porcelain} paths.
   *
   * @return the worktrees' paths, the main one first
   */
  public List<String> worktrees() {
    return Arrays.stream(git("worktree", "list", "--porcelain").split("\n"))
        .filter(line -> line.startsWith("worktree "))
        .map(line -> line.substring("worktree ".length()))
        .toList();
  }

  /**
   * Runs git with {@code args} in the repository and returns its standard output; fails if git
   * fails.
   *
   * @param args the arguments after {@code git}
   * @return the standard output
   */
  public String git(String... args) {
    return GIT.run(path, args).requireSuccess("git " + String.join(" ", args)).stdout();
  }

  private Path resolve(String relativePath) {
    Path file = path.resolve(relativePath).normalize();
    if (!file.startsWith(path) || file.equals(path)) {
      throw new IllegalArgumentException(
          "path must stay inside the repository but was " + relativePath);
    }
    return file;
  }

  @Override
  public String toString() {
    return "TemporaryRepository[" + path + "]";
  }
}
