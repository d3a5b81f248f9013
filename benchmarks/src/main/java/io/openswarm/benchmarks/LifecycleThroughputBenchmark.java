package io.openswarm.benchmarks;

import io.openswarm.benchmarks.floor.FloorWorker;
import io.openswarm.core.CellStep;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.temporal.CellActivityOptions;
import io.openswarm.temporal.SwarmProfile;
import io.openswarm.testkit.LeakCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
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
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;

/**
 * What the library adds to Temporal per TCR cell: {@code cells} full cells through an embedded
 * Temporal server with at most {@code concurrency} in flight, and the same number of cells of a
 * workflow of the same shape whose activities do nothing (the bare-Temporal floor), back to back in
 * every iteration.
 *
 * <ul>
 *   <li>{@code swarm}: a {@code SwarmWorker} running {@code TcrWorkflow}: a real port, a real
 *       worktree from a warm pool on a generated repository of {@code files} files (20 KB each),
 *       the {@code ScriptedAgent} writing one file with no think time, {@code true} as the test
 *       command (in the sandbox the worker picks: bubblewrap when available), a real commit on the
 *       cell's branch and a real teardown.
 *   <li>{@code floor}: {@link io.openswarm.benchmarks.floor.FloorWorkflow}: the same five activity
 *       calls in the same order, with the same routing (bootstrap on the shared queue, the rest on
 *       the host queue), the same activity options and the same worker options, doing nothing.
 * </ul>
 *
 * <p>Each iteration starts both on fresh embedded servers (so that no iteration inherits the work
 * of another), then runs a batch of {@code cells} on each, alternating which goes first, the next
 * cell starting as soon as one ends. Pairing the two batches in time keeps the ratio honest on a
 * machine whose background load changes. Both use the {@link SwarmProfile#STAGING STAGING} worker
 * options (25 activity slots and 5 workflow-task slots per queue). The JMH score is the time of
 * both batches; the {@link CellLoadProfiler} adds what matters: for each target {@code cells/s} and
 * the latency {@code p50}/{@code p99} (start request to result), {@code swarm/floor} (cells/s, %),
 * and for {@code swarm} the mean of each step and the rest ({@code step.orchestration}: Temporal's
 * scheduling, workflow tasks, gRPC round trips).
 *
 * <p>Run it with the {@code main} of this class, which adds the profiler and ends with Markdown
 * tables (about 3 minutes on 2 cores; JMH options such as {@code -p concurrency=4 -i 5} are passed
 * through):
 *
 * <pre>{@code
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.openswarm.benchmarks.LifecycleThroughputBenchmark
 * }</pre>
 *
 * or as any JMH benchmark, without the tables:
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar LifecycleThroughputBenchmark \
 *     -prof io.openswarm.benchmarks.CellLoadProfiler
 * }</pre>
 *
 * <p>Targets: 30 % of the floor's throughput and a p50 of 150 ms. Results: {@code
 * docs/benchmarks.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      "-Dorg.slf4j.simpleLogger.log.io.temporal.internal.worker.HeartbeatManager=error"
    })
public class LifecycleThroughputBenchmark {

  /** The worker options of both targets. */
  static final SwarmProfile PROFILE = SwarmProfile.STAGING;

  /**
   * The first port of the agents' range (nothing binds them: the scripted agent runs in process).
   */
  static final int MIN_PORT = 24_000;

  /** The last port of the agents' range. */
  static final int MAX_PORT = 24_999;

  /** The size of each generated file. */
  static final long FILE_BYTES = 20 * 1024;

  private static final Duration BATCH_LIMIT = Duration.ofMinutes(15);

  /** Cells in flight at most. */
  @Param({"1", "8"})
  public int concurrency;

  /** Cells per batch and target. */
  @Param({"100"})
  public int cells;

  /** Files in the generated repository. */
  @Param({"50"})
  public int files;

  /**
   * How long each floor activity sleeps, in milliseconds: 0 (the default) for activities that
   * return at once. A floor whose five activities sleep as long as the swarm's steps take on
   * average separates what the library adds from what Temporal itself adds once activities take
   * time at all.
   */
  @Param({"0"})
  public int floorDelayMillis;

  /**
   * The worktree pool's sizes: {@code full} (filled with {@code concurrency + 1} warm worktrees
   * before the first cell, constant afterwards) or {@code default} (the worker's defaults: 1 kept
   * warm, at most 4 idle).
   */
  @Param({"full"})
  public String pool;

  private @Nullable Path directory;
  private @Nullable ScriptedSwarm swarm;
  private @Nullable FloorWorker floor;
  private int iteration;

  /**
   * Starts both targets, each on a fresh embedded server; the swarm on a fresh repository with a
   * warm pool.
   */
  @Setup(Level.Iteration)
  public void startTargets() throws IOException {
    iteration++;
    int slots = Math.max(concurrency, PROFILE.activityConcurrency());
    Path dir = Files.createTempDirectory("lifecycle-throughput-");
    directory = dir;
    GeneratedRepository repository =
        GeneratedRepository.generate(dir.resolve("repo"), files, files * FILE_BYTES, 42);
    swarm =
        ScriptedSwarm.start(
            new ScriptedSwarm.Config(
                repository.path(),
                repository.head(),
                dir.resolve("state"),
                MIN_PORT,
                MAX_PORT,
                PROFILE,
                slots,
                poolSizes(),
                Duration.ZERO,
                List.of("true")));
    floor =
        FloorWorker.start(
            ScriptedSwarm.TASK_QUEUE,
            ScriptedSwarm.HOST_ID,
            slots,
            PROFILE.workflowTaskConcurrency(),
            CellActivityOptions.of(PROFILE),
            Duration.ofMillis(floorDelayMillis));
  }

  private ScriptedSwarm.@Nullable PoolSizes poolSizes() {
    return switch (pool) {
      case "full" -> ScriptedSwarm.PoolSizes.full(concurrency);
      case "default" -> null;
      default -> throw new IllegalArgumentException("pool must be full or default but was " + pool);
    };
  }

  /**
   * Runs a batch on each target, in alternating order, and hands both to the {@link
   * CellLoadProfiler}.
   */
  @Benchmark
  public List<LoadResult<?>> runCells() throws InterruptedException {
    List<LoadResult<?>> loads = new ArrayList<>(2);
    boolean floorFirst = iteration % 2 == 1;
    for (String target : floorFirst ? List.of("floor", "swarm") : List.of("swarm", "floor")) {
      String prefix = "i" + iteration + "-";
      LoadResult<?> load =
          target.equals("swarm")
              ? ClosedLoopLoad.run(
                  cells, concurrency, prefix, Objects.requireNonNull(swarm)::run, BATCH_LIMIT)
              : ClosedLoopLoad.run(
                  cells, concurrency, prefix, Objects.requireNonNull(floor)::run, BATCH_LIMIT);
      CellLoadProfiler.record(target, load);
      loads.add(load);
    }
    return loads;
  }

  /**
   * Checks that the swarm's cells left nothing behind, then stops both targets and deletes their
   * files.
   */
  @TearDown(Level.Iteration)
  public void stopTargets() throws IOException {
    try {
      if (swarm != null) {
        LeakCheck.of(swarm.worker()).assertClean();
      }
    } finally {
      if (swarm != null) {
        swarm.close();
        swarm = null;
      }
      if (floor != null) {
        floor.close();
        floor = null;
      }
      if (directory != null) {
        TreeDeleter.deleteRecursively(directory);
        directory = null;
      }
    }
  }

  /**
   * Runs this benchmark with the {@link CellLoadProfiler} and prints its results as Markdown
   * tables: throughput, latency and the swarm/floor ratio per concurrency, then where a swarm
   * cell's time goes.
   *
   * @param args JMH command-line options, passed through
   */
  public static void main(String[] args) throws Exception {
    Options options =
        new OptionsBuilder()
            .parent(new CommandLineOptions(args))
            .include(LifecycleThroughputBenchmark.class.getName() + ".runCells")
            .addProfiler(CellLoadProfiler.class)
            .build();
    Collection<RunResult> results = new Runner(options).run();
    System.out.println();
    System.out.println(summary(results));
  }

  /**
   * The Markdown tables of a run's results; each figure is the mean over iterations with the range
   * in brackets.
   */
  static String summary(Collection<RunResult> results) {
    List<RunResult> runs = new ArrayList<>(results);
    runs.sort(
        Comparator.comparingInt((RunResult run) -> Integer.parseInt(param(run, "concurrency")))
            .thenComparing(run -> param(run, "pool"))
            .thenComparingInt(run -> Integer.parseInt(param(run, "files"))));
    StringBuilder out = new StringBuilder();
    out.append(
        "| concurrency | floor cells/s | swarm cells/s | swarm / floor (%) | floor p50 (ms) | swarm p50 (ms) "
            + "| swarm p99 (ms) |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (RunResult run : runs) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %s |%n",
              shape(run),
              figure(run, "floor.cells/s", "%.1f"),
              figure(run, "swarm.cells/s", "%.1f"),
              figure(run, "swarm/floor", "%.0f"),
              figure(run, "floor.p50", "%.0f"),
              figure(run, "swarm.p50", "%.0f"),
              figure(run, "swarm.p99", "%.0f")));
    }
    out.append(
        "\nWhere a swarm cell's time goes (mean ms per cell; orchestration = latency minus the steps):\n\n");
    List<String> steps = new ArrayList<>();
    for (CellStep step : CellStep.values()) {
      if (runs.stream()
          .anyMatch(run -> run.getSecondaryResults().containsKey("swarm.step." + step.name()))) {
        steps.add(step.name());
      }
    }
    steps.add("orchestration");
    out.append("| concurrency | latency |");
    steps.forEach(step -> out.append(' ').append(step).append(" |"));
    out.append('\n').append("|---:|---:|").append("---:|".repeat(steps.size())).append('\n');
    for (RunResult run : runs) {
      out.append("| ")
          .append(shape(run))
          .append(" | ")
          .append(mean(run, "swarm.mean"))
          .append(" |");
      steps.forEach(step -> out.append(' ').append(mean(run, "swarm.step." + step)).append(" |"));
      out.append('\n');
    }
    return out.toString();
  }

  /** The concurrency, and the other parameters where they differ from the defaults. */
  private static String shape(RunResult run) {
    String shape = param(run, "concurrency");
    if (!param(run, "pool").equals("full")) {
      shape += " (pool " + param(run, "pool") + ")";
    }
    if (!param(run, "files").equals("50")) {
      shape += " (" + param(run, "files") + " files)";
    }
    return shape;
  }

  private static String param(RunResult run, String name) {
    String value = run.getParams().getParam(name);
    return value == null ? "" : value;
  }

  private static String mean(RunResult run, String label) {
    Result<?> result = run.getSecondaryResults().get(label);
    return result == null ? "" : String.format(Locale.ROOT, "%.1f", result.getScore());
  }

  private static String figure(RunResult run, String label, String format) {
    Result<?> result = run.getSecondaryResults().get(label);
    if (result == null) {
      return "n/a";
    }
    Statistics statistics = result.getStatistics();
    String mean = String.format(Locale.ROOT, format, statistics.getMean());
    if (statistics.getN() < 2) {
      return mean;
    }
    return mean
        + " ("
        + String.format(Locale.ROOT, format, statistics.getMin())
        + "–"
        + String.format(Locale.ROOT, format, statistics.getMax())
        + ")";
  }
}
