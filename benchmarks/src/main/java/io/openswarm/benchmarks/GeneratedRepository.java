package io.openswarm.benchmarks;

import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A git repository generated deterministically for benchmarks: the same arguments always give the
 * same files, the same commit and the same SHA (fixed seed, author and dates).
 *
 * <p>Files look like source code (lines of words from a small vocabulary, so git compresses them
 * about as well as real code), spread over {@code module-NN/src/pkg-NN/} directories, with sizes
 * drawn uniformly around the average. Not thread-safe; use one instance per benchmark trial.
 */
public final class GeneratedRepository {

  private static final String[] WORDS = {
    "final",
    "class",
    "return",
    "private",
    "static",
    "void",
    "int",
    "String",
    "public",
    "import",
    "new",
    "if",
    "else",
    "for",
    "while",
    "try",
    "catch",
    "throw",
    "this",
    "null",
    "true",
    "false",
    "worktree",
    "cell",
    "lease",
    "pool",
    "branch",
    "commit",
    "agent",
    "swarm",
    "port",
    "process",
    "value",
    "result",
    "index",
    "count"
  };
  private static final Duration GIT_TIMEOUT = Duration.ofMinutes(10);

  private final Path path;
  private final String head;

  private GeneratedRepository(Path path, String head) {
    this.path = path;
    this.head = head;
  }

  /**
   * Generates a repository at {@code path} (which must not exist) with {@code files} files of
   * {@code totalBytes} bytes in all, committed on branch {@code main}.
   *
   * @throws IllegalArgumentException if {@code files} or {@code totalBytes} is not positive
   * @throws UncheckedIOException if the files cannot be written
   */
  public static GeneratedRepository generate(Path path, int files, long totalBytes, long seed) {
    if (files <= 0 || totalBytes <= 0) {
      throw new IllegalArgumentException(
          "files and totalBytes must be positive but were " + files + " and " + totalBytes);
    }
    GitRunner git = GitRunner.create();
    try {
      Files.createDirectories(path);
      SplittableRandom random = new SplittableRandom(seed);
      long average = totalBytes / files;
      for (int i = 0; i < files; i++) {
        Path file =
            path.resolve(
                String.format("module-%02d/src/pkg-%02d/File%05d.txt", i % 20, (i / 20) % 25, i));
        Files.createDirectories(file.getParent());
        int size = (int) Math.max(64, average / 2 + random.nextLong(average + 1));
        Files.write(file, content(random, size));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not generate the repository " + path, e);
    }
    git.run(path, "init", "--quiet", "--initial-branch=main").requireSuccess("init");
    git.run(GitCommand.in(path).args("add", "--all").timeout(GIT_TIMEOUT).build())
        .requireSuccess("add");
    git.run(
            GitCommand.in(path)
                .args("commit", "--quiet", "-m", "generated")
                .environment("GIT_AUTHOR_NAME", "Benchmark")
                .environment("GIT_AUTHOR_EMAIL", "bench@example.com")
                .environment("GIT_COMMITTER_NAME", "Benchmark")
                .environment("GIT_COMMITTER_EMAIL", "bench@example.com")
                .environment("GIT_AUTHOR_DATE", "2025-01-01T00:00:00Z")
                .environment("GIT_COMMITTER_DATE", "2025-01-01T00:00:00Z")
                .timeout(GIT_TIMEOUT)
                .build())
        .requireSuccess("commit");
    String head = git.run(path, "rev-parse", "HEAD").requireSuccess("read HEAD").stdoutLine();
    return new GeneratedRepository(path, head);
  }

  /** The repository's top-level directory. */
  public Path path() {
    return path;
  }

  /** The SHA of the generated commit. */
  public String head() {
    return head;
  }

  private static byte[] content(SplittableRandom random, int size) {
    StringBuilder text = new StringBuilder(size + 32);
    int column = 0;
    while (text.length() < size) {
      String word = WORDS[random.nextInt(WORDS.length)];
      text.append(word);
      column += word.length();
      if (column > 70 || random.nextInt(12) == 0) {
        text.append(";\n");
        column = 0;
      } else {
        text.append(' ');
      }
    }
    text.setLength(size);
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
