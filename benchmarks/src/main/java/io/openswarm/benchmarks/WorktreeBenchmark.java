package io.openswarm.benchmarks;

import io.openswarm.core.CellId;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.worktree.WorktreePool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a cell pays to get an isolated worktree and give it back: a warm {@link WorktreePool} lease
 * against plain {@code git worktree add} + {@code git worktree remove} (what the Go original does
 * for every cell), on a generated repository of about 5,000 files and 100 MB (the same files and
 * commit on every run).
 *
 * <ul>
 *   <li>{@code warm}: {@code acquire} + {@code close} on a pool whose one worktree is idle: check
 *       out the cell's branch, clean, and on release restore, verify and delete the branch.
 *   <li>{@code cold}: {@code git worktree add -b <branch> <path> <commit>}, {@code git worktree
 *       remove --force}, {@code git branch -D}.
 * </ul>
 *
 * <p>Run (after {@code mvn -B -q -pl benchmarks -am package -DskipTests}; about 4 minutes, most of
 * it the cold path and generating the repository twice):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar WorktreeBenchmark -f 1 -wi 2 -i 5 -w 5s -r 10s
 * }</pre>
 *
 * <p>Target: warm at most 5 % of cold. Results: {@code docs/benchmarks.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 10)
public class WorktreeBenchmark {

  /** Number of files in the generated repository. */
  static final int FILES = 5_000;

  /** Total size of the generated files. */
  static final long BYTES = 100L * 1024 * 1024;

  @Param({"warm", "cold"})
  public String path;

  private Path directory;
  private GeneratedRepository repository;

  /** Only on the warm path: the cold path times plain git. */
  private @Nullable WorktreePool pool;

  private GitRunner git;
  private long sequence;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    directory = Files.createTempDirectory("worktree-benchmark-");
    repository = GeneratedRepository.generate(directory.resolve("repo"), FILES, BYTES, 42);
    git = GitRunner.create();
    if (path.equals("warm")) {
      pool =
          WorktreePool.newBuilder()
              .repository(repository.path())
              .root(directory.resolve("pool"))
              .minIdle(0)
              .maxIdle(1)
              .maxTotal(1)
              .build();
      pool.start();
      pool.acquire(CellId.of("bench-warmup"), "main").close();
    }
  }

  @Benchmark
  public Path acquireAndRelease() {
    String cell = "bench-" + sequence++;
    if (pool != null) {
      try (WorktreeLease lease = pool.acquire(CellId.of(cell), "main")) {
        return lease.path();
      }
    }
    Path worktree = directory.resolve("cold-" + cell);
    String branch = "swarm/" + cell;
    git.run(
            repository.path(),
            "worktree",
            "add",
            "--quiet",
            "-b",
            branch,
            worktree.toString(),
            repository.head())
        .requireSuccess("add worktree");
    git.run(repository.path(), "worktree", "remove", "--force", worktree.toString())
        .requireSuccess("remove worktree");
    git.run(repository.path(), "branch", "-D", branch).requireSuccess("delete branch");
    return worktree;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (pool != null) {
      pool.close();
    }
    TreeDeleter.deleteRecursively(directory);
  }
}
