package io.openswarm.benchmarks;

import io.openswarm.core.CellId;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.worktree.WorktreePool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What a worktree costs on a large repository, side by side in one run on a generated repository of
 * 25,000 files (100 MB, packed): plain {@code git worktree add -b} + {@code worktree remove
 * --force} + {@code branch -D} against the pool's cold path (acquire of a new slot, release,
 * removal), the warm path, one cold acquire against three at once, and, as the machine's own floor,
 * one plain {@code worktree add} against three at once. Each round runs every measurement once; the
 * two sides of each ratio run one right after the other, first one then the other first, since a
 * shared machine's file-creation cost drifts within minutes. Reported: medians, and the ratios the
 * pool is held to (cold path at most 1.2x plain, three cold acquires at most 1.5x one), of the
 * medians and paired per round.
 *
 * <p>A {@code main}, not JMH: one cold round takes seconds to tens of seconds, and the ratios only
 * mean something when the measurements alternate.
 *
 * <pre>{@code
 * mvn -B -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.openswarm.benchmarks.LargeRepositoryBenchmark [rounds, default 3]
 *     [path of a real repository to use instead of the generated one]
 * }</pre>
 */
public final class LargeRepositoryBenchmark {

  /** Number of files in the generated repository. */
  static final int FILES = 25_000;

  /** Total size of the generated files. */
  static final long BYTES = 100L * 1024 * 1024;

  private static final Duration GIT_TIMEOUT = Duration.ofMinutes(10);
  private static final List<String> MEASUREMENTS =
      List.of(
          "plain add+remove",
          "pool cold acquire+release",
          "pool warm acquire+release",
          "pool 1 cold acquire",
          "pool 3 cold acquires at once",
          "plain 1 add",
          "plain 3 adds at once");

  private final GitRunner git;
  private final Map<String, List<Long>> nanos = new LinkedHashMap<>();
  private final Map<String, List<Long>> parts = new LinkedHashMap<>();
  private final ExecutorService threads = Executors.newFixedThreadPool(3);
  private final Path directory;

  /** The repository the worktrees are made of: generated, or a shared clone of the one given. */
  private final Path repositoryPath;

  /** The commit every worktree is made at. */
  private final String head;

  /** What the report says the repository is. */
  private final String described;

  private long sequence;

  private LargeRepositoryBenchmark(GitRunner git, Path directory, Source source) {
    this.git = git;
    this.directory = directory;
    this.repositoryPath = source.path();
    this.head = source.head();
    this.described = source.described();
  }

  /**
   * The repository the worktrees are made of, the commit they are made at, and what the report
   * calls it.
   */
  private record Source(Path path, String head, String described) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path existing = args.length > 1 ? Path.of(args[1]).toAbsolutePath() : null;
    GitRunner git = GitRunner.newBuilder().timeout(GIT_TIMEOUT).build();
    Path directory = Files.createTempDirectory("large-repository-benchmark-");
    try {
      Source source =
          existing == null ? generate(git, directory) : cloneShared(git, directory, existing);
      LargeRepositoryBenchmark benchmark = new LargeRepositoryBenchmark(git, directory, source);
      try {
        benchmark.run(rounds);
      } finally {
        benchmark.threads.shutdownNow();
      }
    } finally {
      TreeDeleter.deleteRecursively(directory);
    }
  }

  private static Source generate(GitRunner git, Path directory) {
    long begin = System.nanoTime();
    GeneratedRepository repository =
        GeneratedRepository.generate(directory.resolve("repo"), FILES, BYTES, 42);
    Path repositoryPath = repository.path();
    git.run(
            GitCommand.in(repositoryPath)
                .args("repack", "-a", "-d", "-q")
                .timeout(GIT_TIMEOUT)
                .build())
        .requireSuccess("pack the repository");
    git.run(GitCommand.in(repositoryPath).args("prune-packed").timeout(GIT_TIMEOUT).build())
        .requireSuccess("drop loose objects");
    System.out.printf(
        Locale.ROOT, "generated %,d files in %.1f s%n", FILES, (System.nanoTime() - begin) / 1e9);
    return new Source(
        repositoryPath,
        repository.head(),
        String.format(
            Locale.ROOT,
            "a generated repository of %,d files, %d MB",
            FILES,
            BYTES / (1024 * 1024)));
  }

  /**
   * Uses a real repository: a {@code --shared} clone without a checkout (its objects are the
   * original's, read-only; nothing is written into the original), at the original's {@code HEAD}.
   */
  private static Source cloneShared(GitRunner git, Path directory, Path existing) {
    Path repositoryPath = directory.resolve("repo");
    git.run(
            GitCommand.in(directory)
                .args(
                    "clone",
                    "--quiet",
                    "--shared",
                    "--no-checkout",
                    existing.toString(),
                    repositoryPath.toString())
                .timeout(GIT_TIMEOUT)
                .build())
        .requireSuccess("clone " + existing);
    String head =
        git.run(repositoryPath, "rev-parse", "HEAD")
            .requireSuccess("resolve HEAD")
            .stdout()
            .strip();
    // Against the empty tree: one short line ("27674 files changed, ...") however large the
    // repository is.
    String files =
        git.run(
                repositoryPath,
                "diff",
                "--shortstat",
                "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
                "HEAD")
            .requireSuccess("count files")
            .stdout()
            .strip();
    System.out.printf(Locale.ROOT, "using %s at %s: %s%n", existing, head.substring(0, 12), files);
    return new Source(
        repositoryPath,
        head,
        existing
            + " at "
            + head.substring(0, 12)
            + " ("
            + files.replaceFirst(" changed.*", "")
            + ")");
  }

  private void run(int rounds) throws Exception {
    long begin = System.nanoTime();
    MEASUREMENTS.forEach(name -> nanos.put(name, new ArrayList<>()));
    try (WorktreePool cold = pool("cold", 0, 1);
        WorktreePool warm = pool("warm", 1, 1);
        WorktreePool concurrent = pool("concurrent", 0, 3)) {
      warm.acquire(CellId.of("prime"), head).close();
      // Each ratio is taken between two measurements made one right after the other (which goes
      // first alternates),
      // since this machine's file creation cost drifts several-fold within minutes.
      List<List<Runnable>> pairs =
          List.of(
              List.of(this::plain, () -> poolCold(cold)),
              List.of(
                  () -> coldAcquires(concurrent, 1, "pool 1 cold acquire"),
                  () -> coldAcquires(concurrent, 3, "pool 3 cold acquires at once")),
              List.of(
                  () -> plainAdds(1, "plain 1 add"), () -> plainAdds(3, "plain 3 adds at once")),
              List.of(
                  () ->
                      record(
                          "pool warm acquire+release",
                          () -> {
                            warm.acquire(cell(), head).close();
                            return null;
                          })));
      for (int round = 0; round < rounds; round++) {
        for (List<Runnable> pair : pairs) {
          for (int i = 0; i < pair.size(); i++) {
            pair.get((i + round) % pair.size()).run();
          }
        }
        System.out.printf(
            Locale.ROOT,
            "round %d done after %.0f s%n",
            round + 1,
            (System.nanoTime() - begin) / 1e9);
      }
    }
    report(rounds);
  }

  private WorktreePool pool(String name, int maxIdle, int maxTotal) {
    WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(repositoryPath)
            .root(directory.resolve(name))
            .minIdle(0)
            .maxIdle(maxIdle)
            .maxTotal(maxTotal)
            .keepIdleOnClose(false)
            .acquireTimeout(Duration.ofMinutes(10))
            .git(git)
            .build();
    pool.start();
    return pool;
  }

  private CellId cell() {
    return CellId.of("bench-" + sequence++);
  }

  private void plain() {
    String name = cell().value();
    Path worktree = directory.resolve("plain-" + name);
    long begin = System.nanoTime();
    git.run(
            GitCommand.in(repositoryPath)
                .args(
                    "worktree", "add", "--quiet", "-b", "swarm/" + name, worktree.toString(), head)
                .timeout(GIT_TIMEOUT)
                .build())
        .requireSuccess("add worktree");
    long added = System.nanoTime();
    git.run(
            GitCommand.in(repositoryPath)
                .args("worktree", "remove", "--force", worktree.toString())
                .timeout(GIT_TIMEOUT)
                .build())
        .requireSuccess("remove worktree");
    git.run(repositoryPath, "branch", "-D", "swarm/" + name).requireSuccess("delete branch");
    long end = System.nanoTime();
    times("plain add+remove").add(end - begin);
    part("plain: add", added - begin);
    part("plain: remove + branch -D", end - added);
  }

  private void poolCold(WorktreePool pool) {
    long begin = System.nanoTime();
    WorktreeLease lease = pool.acquire(cell(), head);
    long acquired = System.nanoTime();
    lease.close();
    long end = System.nanoTime();
    if (Files.exists(lease.path()) || pool.totalCount() != 0) {
      throw new IllegalStateException("the cold pool kept " + lease.path());
    }
    times("pool cold acquire+release").add(end - begin);
    part("pool cold: acquire", acquired - begin);
    part("pool cold: release (removal)", end - acquired);
  }

  /**
   * Times {@code count} cold acquires started at once, until the last one has its worktree; then
   * releases them.
   */
  private void coldAcquires(WorktreePool pool, int count, String name) {
    CountDownLatch gate = new CountDownLatch(1);
    List<CompletableFuture<WorktreeLease>> leases = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      CellId id = cell();
      leases.add(
          CompletableFuture.supplyAsync(
              () -> {
                await(gate);
                return pool.acquire(id, head);
              },
              threads));
    }
    long begin = System.nanoTime();
    gate.countDown();
    List<WorktreeLease> got = leases.stream().map(CompletableFuture::join).toList();
    times(name).add(System.nanoTime() - begin);
    got.forEach(WorktreeLease::close);
  }

  /**
   * Times {@code count} plain {@code git worktree add} started at once; then removes them (not
   * timed).
   */
  private void plainAdds(int count, String name) {
    CountDownLatch gate = new CountDownLatch(1);
    List<String> names = new ArrayList<>();
    List<CompletableFuture<Void>> adds = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String branch = cell().value();
      names.add(branch);
      adds.add(
          CompletableFuture.runAsync(
              () -> {
                await(gate);
                git.run(
                        GitCommand.in(repositoryPath)
                            .args(
                                "worktree",
                                "add",
                                "--quiet",
                                "-b",
                                "swarm/" + branch,
                                directory.resolve("plain-" + branch).toString(),
                                head)
                            .timeout(GIT_TIMEOUT)
                            .build())
                    .requireSuccess("add worktree");
              },
              threads));
    }
    long begin = System.nanoTime();
    gate.countDown();
    adds.forEach(CompletableFuture::join);
    times(name).add(System.nanoTime() - begin);
    for (String branch : names) {
      git.run(
              GitCommand.in(repositoryPath)
                  .args(
                      "worktree",
                      "remove",
                      "--force",
                      directory.resolve("plain-" + branch).toString())
                  .timeout(GIT_TIMEOUT)
                  .build())
          .requireSuccess("remove worktree");
      git.run(repositoryPath, "branch", "-D", "swarm/" + branch).requireSuccess("delete branch");
    }
  }

  private void record(String name, Supplier<?> action) {
    long begin = System.nanoTime();
    var unused = action.get();
    times(name).add(System.nanoTime() - begin);
  }

  /**
   * The times recorded under {@code name}, one of {@link #MEASUREMENTS} (each has its list from the
   * start).
   */
  private List<Long> times(String name) {
    return Objects.requireNonNull(nanos.get(name), name);
  }

  private void part(String name, long value) {
    parts.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
  }

  private void report(int rounds) {
    System.out.printf(Locale.ROOT, "%n%d rounds, %s; median (min-max) in ms%n", rounds, described);
    nanos.forEach((name, values) -> line(name, values));
    parts.forEach((name, values) -> line("  " + name, values));
    System.out.println("ratios: of the medians; median (min-max) of the rounds' paired ratios");
    ratio(
        "pool cold / plain",
        "pool cold acquire+release",
        "plain add+remove",
        "target: at most 1.2");
    ratio(
        "pool 3 cold / pool 1 cold",
        "pool 3 cold acquires at once",
        "pool 1 cold acquire",
        "target: at most 1.5");
    ratio(
        "plain 3 adds / plain 1 add",
        "plain 3 adds at once",
        "plain 1 add",
        "the machine's floor for the line above");
    System.out.printf(
        Locale.ROOT,
        "pool warm / plain:           %.3f%n",
        median(times("pool warm acquire+release")) / median(times("plain add+remove")));
  }

  private void ratio(String label, String numerator, String denominator, String note) {
    List<Long> top = times(numerator);
    List<Long> bottom = times(denominator);
    List<Double> paired = new ArrayList<>();
    for (int i = 0; i < Math.min(top.size(), bottom.size()); i++) {
      paired.add((double) top.get(i) / bottom.get(i));
    }
    List<Double> sorted = paired.stream().sorted().toList();
    int n = sorted.size();
    double pairedMedian =
        n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    System.out.printf(
        Locale.ROOT,
        "%-28s %.2f; paired %.2f (%.2f-%.2f)  (%s)%n",
        label + ":",
        median(top) / median(bottom),
        pairedMedian,
        sorted.get(0),
        sorted.get(n - 1),
        note);
  }

  private static void line(String name, List<Long> values) {
    System.out.printf(
        Locale.ROOT,
        "%-34s %9.0f  (%.0f-%.0f)%n",
        name,
        median(values) / 1e6,
        values.stream().mapToLong(Long::longValue).min().orElse(0) / 1e6,
        values.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6);
  }

  private static double median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
  }

  private static void await(CountDownLatch gate) {
    try {
      if (!gate.await(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the start gate never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
