package io.openswarm.benchmarks;

import io.openswarm.core.CellId;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.core.worktree.WorktreeLease;
import io.openswarm.core.worktree.WorktreeSetup;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.infra.setup.CommandWorktreeSetup;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.worktree.WorktreePool;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What the worktree set-up costs a cell, cold against warm, side by side in one run, on a generated
 * npm project (mocha, chai, express and lodash from the npm registry, about 150 packages): {@code
 * npm ci} inside bubblewrap in a worktree the pool just created, against the same set-up on a warm
 * worktree whose {@code node_modules} the pool kept (the set-up finds the same {@code
 * package-lock.json} and skips the install). Both pools lease the same repository; rounds alternate
 * cold and warm. npm's cache is shared by every cell (a writable path), which makes the cold path
 * as cheap as it gets and the ratio a conservative one. Target: warm at most 5 % of cold.
 *
 * <pre>{@code
 * mvn -B -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.openswarm.benchmarks.SetupBenchmark [rounds, default 5]
 * }</pre>
 */
public final class SetupBenchmark {

  private SetupBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path directory = Files.createTempDirectory("setup-benchmark-");
    try {
      run(directory, rounds);
    } finally {
      TreeDeleter.deleteRecursively(directory);
    }
  }

  private static void run(Path directory, int rounds) throws Exception {
    Path cache = Files.createDirectories(directory.resolve("npm-cache"));
    TemporaryRepository repo =
        TemporaryRepository.create(directory.resolve("repo"))
            .write(".gitignore", "node_modules/\n")
            .write(
                "package.json",
                "{\n  \"name\": \"generated\",\n  \"version\": \"1.0.0\",\n  \"private\": true,\n"
                    + "  \"dependencies\": {\"express\": \"4.21.2\", \"lodash\": \"4.17.21\"},\n"
                    + "  \"devDependencies\": {\"mocha\": \"10.8.2\", \"chai\": \"4.5.0\"}\n}\n");
    npm(repo.path(), cache, "install", "--package-lock-only", "--no-audit", "--no-fund");
    repo.commit("a generated npm project");

    try (ProcessSupervisor supervisor =
            ProcessSupervisor.newBuilder()
                .sandbox(SandboxDetector.system().select(CellSandbox.Mode.BUBBLEWRAP))
                .build();
        WorktreePool cold = pool(repo, directory.resolve("cold"), 0);
        WorktreePool warm = pool(repo, directory.resolve("warm"), 1)) {
      CommandWorktreeSetup setup =
          CommandWorktreeSetup.newBuilder(supervisor)
              .options(
                  WorktreeSetupOptions.newBuilder()
                      .command("npm", "ci", "--no-audit", "--no-fund")
                      .inputs("package-lock.json")
                      .writablePath(cache)
                      .build())
              .environment(
                  ProcessEnvironment.defaults().toBuilder()
                      .put("npm_config_cache", cache.toString())
                      .build())
              .build();
      // Fills the shared cache and sets the warm pool's one worktree up; not measured.
      measure(setup, warm, directory, "prime");
      List<Long> coldNanos = new ArrayList<>();
      List<Long> warmNanos = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        coldNanos.add(measure(setup, cold, directory, "cold-" + round));
        warmNanos.add(measure(setup, warm, directory, "warm-" + round));
      }
      double coldMedian = median(coldNanos);
      double warmMedian = median(warmNanos);
      System.out.printf(
          Locale.ROOT,
          "set-up per cell over %d rounds (npm ci, %d packages, bubblewrap):%n",
          rounds,
          packages(repo.path()));
      System.out.printf(
          Locale.ROOT,
          "  cold: median %8.1f ms, min %8.1f ms, max %8.1f ms%n",
          coldMedian / 1e6,
          min(coldNanos) / 1e6,
          max(coldNanos) / 1e6);
      System.out.printf(
          Locale.ROOT,
          "  warm: median %8.1f ms, min %8.1f ms, max %8.1f ms%n",
          warmMedian / 1e6,
          min(warmNanos) / 1e6,
          max(warmNanos) / 1e6);
      System.out.printf(
          Locale.ROOT,
          "  warm / cold: %.2f %% (target: at most 5 %%)%n",
          100 * warmMedian / coldMedian);
    }
  }

  private static WorktreePool pool(TemporaryRepository repo, Path root, int maxIdle) {
    WorktreePool pool =
        WorktreePool.newBuilder()
            .repository(repo.path())
            .root(root)
            .minIdle(0)
            .maxIdle(maxIdle)
            .maxTotal(1)
            .preserveIgnored(true)
            .build();
    pool.start();
    return pool;
  }

  /**
   * Leases a worktree, times its set-up, returns it; the cold pool keeps no idle worktree, so each
   * lease is new.
   */
  private static long measure(
      CommandWorktreeSetup setup, WorktreePool pool, Path directory, String cell) throws Exception {
    try (WorktreeLease lease = pool.acquire(CellId.of(cell), "main")) {
      Path state = Files.createDirectories(directory.resolve("state").resolve(cell));
      long begin = System.nanoTime();
      WorktreeSetup.Result result =
          setup.prepare(new WorktreeSetup.Request(lease.cellId(), lease, state));
      long took = System.nanoTime() - begin;
      boolean expectRun = !cell.startsWith("warm");
      if (result.ran() != expectRun) {
        throw new IllegalStateException(
            cell
                + ": expected the set-up "
                + (expectRun ? "to run" : "to be skipped")
                + " but: "
                + result.reason());
      }
      return took;
    }
  }

  private static int packages(Path repo) throws Exception {
    String lock = Files.readString(repo.resolve("package-lock.json"));
    return lock.split("\"node_modules/", -1).length - 1;
  }

  private static double median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
  }

  private static long min(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).min().orElse(0);
  }

  private static long max(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private static void npm(Path directory, Path cache, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("npm"));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    builder.environment().put("npm_config_cache", cache.toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("npm " + String.join(" ", args) + " failed: " + output);
    }
  }
}
