package io.openswarm.infra.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Temporary git repositories for tests, created with the real git command line (independently of
 * {@link GitRunner}, so that tests of the runner do not depend on it).
 *
 * <p>Typical use with a JUnit {@code @TempDir}: {@code
 * TestRepositories.create(dir.resolve("repo"))} gives a repository on branch {@code main} with one
 * commit holding {@code README.md}; write files and commit to shape it.
 */
public final class TestRepositories {

  private TestRepositories() {}

  /**
   * A new repository at {@code dir} on branch {@code main} with one commit holding {@code
   * README.md}.
   */
  public static TestRepository create(Path dir) {
    TestRepository repository = createEmpty(dir);
    repository.write("README.md", "# test repository\n");
    repository.commit("initial commit");
    return repository;
  }

  /** A new repository at {@code dir} on an unborn branch {@code main}, without commits. */
  public static TestRepository createEmpty(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    TestRepository repository = new TestRepository(dir);
    repository.git("init", "--quiet", "--initial-branch=main");
    repository.git("config", "user.name", "Test Author");
    repository.git("config", "user.email", "test@example.com");
    repository.git("config", "commit.gpgsign", "false");
    return repository;
  }

  /** A git repository in a temporary directory, driven by the test. Not thread-safe. */
  public static final class TestRepository {
    private final Path path;

    private TestRepository(Path path) {
      this.path = path.toAbsolutePath().normalize();
    }

    /** The repository's top-level directory. */
    public Path path() {
      return path;
    }

    /** Writes {@code content} to {@code relativePath}, creating parent directories. */
    public TestRepository write(String relativePath, String content) {
      writeFile(path, relativePath, content);
      return this;
    }

    /** Makes {@code relativePath} executable. */
    public TestRepository makeExecutable(String relativePath) {
      try {
        Path file = path.resolve(relativePath);
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        permissions.add(PosixFilePermission.OWNER_EXECUTE);
        Files.setPosixFilePermissions(file, permissions);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    /** Deletes {@code relativePath}. */
    public TestRepository delete(String relativePath) {
      try {
        Files.delete(path.resolve(relativePath));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    /** Stages everything and commits it on the current branch; returns the new commit's SHA. */
    public String commit(String message) {
      git("add", "-A");
      git("commit", "--quiet", "--allow-empty", "-m", message);
      return head();
    }

    /** The SHA of {@code HEAD}. */
    public String head() {
      return git("rev-parse", "HEAD").strip();
    }

    /** The SHA {@code ref} resolves to. */
    public String resolve(String ref) {
      return git("rev-parse", "--verify", ref).strip();
    }

    /** Whether the branch {@code name} exists. */
    public boolean hasBranch(String name) {
      return run(path, List.of("rev-parse", "--verify", "--quiet", "refs/heads/" + name)).exitCode
          == 0;
    }

    /** Runs git in the repository, fails the test if it fails, and returns its standard output. */
    public String git(String... args) {
      return TestRepositories.git(path, args);
    }

    /**
     * The paths of the worktrees {@code git worktree list --porcelain} reports, the main one first.
     */
    public List<Path> worktrees() {
      List<Path> worktrees = new ArrayList<>();
      for (String line : git("worktree", "list", "--porcelain").split("\n")) {
        if (line.startsWith("worktree ")) {
          worktrees.add(Path.of(line.substring("worktree ".length())));
        }
      }
      return worktrees;
    }

    /**
     * The files of {@code commit}: path to content, with {@code " [x]"} appended to the path of
     * executable files (so a lost executable bit shows as a difference).
     */
    public Map<String, String> tree(String commit) {
      Map<String, String> files = new TreeMap<>();
      String listing = git("ls-tree", "-r", "-z", "--full-tree", commit);
      for (String entry : listing.split("\0")) {
        if (entry.isEmpty()) {
          continue;
        }
        String[] metaAndPath = entry.split("\t", 2);
        String[] meta = metaAndPath[0].split(" ");
        String key = metaAndPath[1] + ("100755".equals(meta[0]) ? " [x]" : "");
        files.put(key, git("cat-file", "blob", meta[2]));
      }
      return files;
    }
  }

  /**
   * The files under {@code worktree} (outside {@code .git}), in the form of {@link
   * TestRepository#tree}.
   */
  public static Map<String, String> files(Path worktree) {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(worktree)) {
      for (Path file : (Iterable<Path>) walk::iterator) {
        Path relative = worktree.relativize(file);
        if (relative.getNameCount() > 0 && relative.getName(0).toString().equals(".git")) {
          continue;
        }
        if (Files.isRegularFile(file)) {
          String key =
              relative.toString().replace('\\', '/') + (Files.isExecutable(file) ? " [x]" : "");
          files.put(key, Files.readString(file, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /**
   * Writes {@code content} to {@code relativePath} under {@code dir}, creating parent directories.
   */
  public static void writeFile(Path dir, String relativePath, String content) {
    try {
      Path file = dir.resolve(relativePath);
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs git in {@code dir}, fails the test if it fails, and returns its standard output. */
  public static String git(Path dir, String... args) {
    Result result = run(dir, Arrays.asList(args));
    if (result.exitCode != 0) {
      throw new AssertionError(
          "git "
              + String.join(" ", args)
              + " in "
              + dir
              + " exited with "
              + result.exitCode
              + ": "
              + result.stderr);
    }
    return result.stdout;
  }

  private static Result run(Path dir, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(args);
    try {
      Path stderrFile = Files.createTempFile("test-git-", ".stderr");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectError(stderrFile.toFile());
        builder.environment().put("GIT_TERMINAL_PROMPT", "0");
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        process.getOutputStream().close();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
          throw new AssertionError("git " + String.join(" ", args) + " did not finish within 60 s");
        }
        return new Result(process.exitValue(), stdout, Files.readString(stderrFile));
      } finally {
        Files.deleteIfExists(stderrFile);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running git", e);
    }
  }

  private static final class Result {
    final int exitCode;
    final String stdout;
    final String stderr;

    Result(int exitCode, String stdout, String stderr) {
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
    }
  }
}
