package io.openswarm.testkit.fault;

import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Remembers which trees passed their tests, so that a check can prove a branch only ever received
 * green commits.
 *
 * <p>{@link #wrap(TestRunner)} decorates a runner: after every passing run it records the git tree
 * of the worktree exactly as the tests saw it (tracked, new and deleted files, not ignored ones, as
 * {@code git add -A} would stage them), computed with a private index so the cell's own index is
 * untouched. A commit whose tree is in {@link #greenTrees()} holds exactly what passed.
 *
 * <p>Thread-safe.
 */
public final class TestLedger {

  private static final GitRunner GIT = GitRunner.create();

  private final Set<String> greenTrees = ConcurrentHashMap.newKeySet();

  /**
   * An empty ledger.
   *
   * @return a new ledger
   */
  public static TestLedger create() {
    return new TestLedger();
  }

  private TestLedger() {}

  /**
   * The trees whose tests passed.
   *
   * @return the tree SHAs, a snapshot
   */
  public Set<String> greenTrees() {
    return Set.copyOf(greenTrees);
  }

  /**
   * Decorates {@code runner} so that the trees of its passing runs are recorded here.
   *
   * @param runner the runner to decorate
   * @return the decorated runner
   */
  public TestRunner wrap(TestRunner runner) {
    Objects.requireNonNull(runner, "runner cannot be null");
    return new TestRunner() {
      @Override
      public TestRunner.Result run(TestRunner.Request request)
          throws IOException, InterruptedException {
        TestRunner.Result result = runner.run(request);
        if (result.passed()) {
          greenTrees.add(treeOf(request.worktree()));
        }
        return result;
      }

      @Override
      public List<String> command() {
        return runner.command();
      }

      @Override
      public String toString() {
        return "Ledger[" + runner + "]";
      }
    };
  }

  /** The tree {@code git add -A} would stage in {@code worktree}, computed with a private index. */
  static String treeOf(Path worktree) {
    Path scratch;
    try {
      scratch = Files.createTempDirectory("ledger-index-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      String index = scratch.resolve("index").toString();
      git(worktree, index, "read-tree", "HEAD");
      git(worktree, index, "add", "-A");
      return git(worktree, index, "write-tree").strip();
    } finally {
      try (Stream<Path> paths = Files.walk(scratch)) {
        paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException ignored) {
        // A temporary directory of a test; the system cleans it eventually.
      }
    }
  }

  private static String git(Path worktree, String index, String... args) {
    return GIT.run(GitCommand.in(worktree).args(args).environment("GIT_INDEX_FILE", index).build())
        .requireSuccess("git " + String.join(" ", args))
        .stdout();
  }
}
