package io.openswarm.benchmarks;

import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStep;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.sandbox.CellSandbox;
import io.openswarm.infra.git.GitCommand;
import io.openswarm.infra.git.GitRunner;
import io.openswarm.infra.sandbox.SandboxDetector;
import io.openswarm.temporal.SwarmProfile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where this machine's knee is: the shape of the performance guide's "Concurrency Performance"
 * table (concurrent cells → average cell time and throughput per hour), measured with full TCR
 * cells whose agent "thinks" for a fixed time, so the numbers show what the library and the machine
 * add to a known agent time as more cells run at once.
 *
 * <p>For each level, a fresh {@code SwarmWorker} on a fresh embedded Temporal server (production
 * profile: 50 activity slots per queue, or the level if higher; 10 workflow-task slots) with a
 * worktree pool filled for the level runs {@code level + max(rounds × level, 8)} cells, {@code
 * level} at a time (the next starts when one ends). The first {@code level} cells ramp up (they
 * start spread over one think time, so that cells do not move through their steps in lockstep) and
 * are not counted. Each cell is real apart from the model: a port, a warm worktree, a scripted
 * agent turn that waits the think time and writes one file, the test command in the sandbox, a
 * commit on the cell's branch, a teardown. A short warm-up with no think time runs first and is not
 * measured either. Throughput is {@code level × 3600 s / average cell time}, as in the guide (a
 * closed system with {@code level} cells always in flight). The result is Markdown tables on
 * standard output (levels, then where a cell's time goes); progress goes to standard error. The
 * default run takes about 3 minutes on 2 cores.
 *
 * <pre>{@code
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.openswarm.benchmarks.ThroughputCurve
 * java -cp benchmarks/target/benchmarks.jar io.openswarm.benchmarks.ThroughputCurve --levels 1,10,50,100 \
 *     --think 5s --rounds 4 --repository ~/src/my-project --test-command "./gradlew test --offline"
 * }</pre>
 *
 * <p>With {@code --repository}, cells run on a temporary clone (the repository itself is not
 * touched). Not thread-safe (a program).
 *
 * <p>Results: {@code docs/benchmarks.md}.
 */
public final class ThroughputCurve {

  private static final String USAGE =
      String.join(
          "\n",
          "usage: java -cp benchmarks.jar io.openswarm.benchmarks.ThroughputCurve [options]",
          "  --levels LIST          concurrent cells of each level (default 1,5,10,20,30,40,50)",
          "  --think DURATION       the agent's think time per turn, e.g. 2s, 500ms, 1m (default 2s)",
          "  --rounds N             cells measured per level = N x level (at least 8), after a ramp-up (default 3)",
          "  --warmup N             cells run first with no think time, not measured (default 20)",
          "  --repository PATH      run on a temporary clone of this repository (default: a generated one, 50 files)",
          "  --base REVISION        the revision cells start from (default HEAD of the repository)",
          "  --test-command CMD     the test command, split on spaces, no shell (default: true)",
          "  --ports MIN-MAX        the agents' port range (default 24000-24999)",
          "  --help                 this text");

  private static final Duration LEVEL_LIMIT = Duration.ofMinutes(30);

  /** The steps shown in the breakdown: those that take time with a scripted agent. */
  private static final List<CellStep> BREAKDOWN =
      List.of(
          CellStep.PORT,
          CellStep.WORKTREE,
          CellStep.EXECUTE,
          CellStep.TEST,
          CellStep.COMMIT,
          CellStep.TEARDOWN);

  private static final int GENERATED_FILES = 50;

  /** So that an average at a low level is not that of two or three cells. */
  private static final int MIN_MEASURED_CELLS = 8;

  private ThroughputCurve() {}

  /**
   * Measures every level and prints the table.
   *
   * @param args the options of {@code --help}
   */
  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      // The embedded test server does not implement worker heartbeats; the SDK says so once per
      // worker.
      System.setProperty(
          "org.slf4j.simpleLogger.log.io.temporal.internal.worker.HeartbeatManager", "error");
    }
    Settings settings;
    try {
      settings = Settings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (settings.help) {
      System.out.println(USAGE);
      return;
    }
    List<Level> levels = run(settings, System.err);
    System.out.println(table(settings, levels));
  }

  /** One measured level. */
  record Level(int concurrency, LoadResult<CellOutcome> load) {}

  /** Runs the warm-up and every level, reporting progress to {@code progress}. */
  static List<Level> run(Settings settings, PrintStream progress)
      throws IOException, InterruptedException {
    Path root = Files.createTempDirectory("throughput-curve-");
    try {
      Path repository;
      String base;
      if (settings.repository == null) {
        GeneratedRepository generated =
            GeneratedRepository.generate(
                root.resolve("repo"),
                GENERATED_FILES,
                GENERATED_FILES * LifecycleThroughputBenchmark.FILE_BYTES,
                42);
        repository = generated.path();
        base = generated.head();
      } else {
        GitRunner git = GitRunner.create();
        Path source = settings.repository.toAbsolutePath().normalize();
        base =
            git.run(
                    source,
                    "rev-parse",
                    "--verify",
                    "--end-of-options",
                    settings.base + "^{commit}")
                .requireSuccess("resolve " + settings.base + " in " + source)
                .stdoutLine();
        repository = root.resolve("clone");
        progress.printf("cloning %s into %s%n", source, repository);
        git.run(
                GitCommand.in(root)
                    .args(
                        "clone",
                        "--quiet",
                        "--no-checkout",
                        "--",
                        source.toString(),
                        repository.toString())
                    .timeout(Duration.ofMinutes(30))
                    .build())
            .requireSuccess("clone " + source);
      }
      progress.printf(
          "%d cores, Java %s, sandbox %s, think time %d ms, test command %s%n",
          Runtime.getRuntime().availableProcessors(),
          Runtime.version(),
          SandboxDetector.system().select(CellSandbox.Mode.AUTO).description(),
          settings.think.toMillis(),
          settings.testCommand);

      if (settings.warmup > 0) {
        int concurrency = Math.min(4, settings.warmup);
        progress.printf(
            "warm-up: %d cells, %d at a time, no think time%n", settings.warmup, concurrency);
        try (ScriptedSwarm swarm =
            ScriptedSwarm.start(
                config(
                    settings,
                    repository,
                    base,
                    root.resolve("state-warmup"),
                    concurrency,
                    Duration.ZERO))) {
          ClosedLoopLoad.run(settings.warmup, concurrency, "warmup-", swarm::run, LEVEL_LIMIT);
        }
      }
      List<Level> levels = new ArrayList<>();
      for (int level : settings.levels) {
        progress.printf("level %d: starting a worker with %d warm worktrees%n", level, level + 1);
        try (ScriptedSwarm swarm =
            ScriptedSwarm.start(
                config(
                    settings,
                    repository,
                    base,
                    root.resolve("state-" + level),
                    level,
                    settings.think))) {
          int measured = Math.max(settings.rounds * level, MIN_MEASURED_CELLS);
          LoadResult<CellOutcome> all =
              ClosedLoopLoad.run(
                  level + measured,
                  level,
                  "l" + level + "-",
                  swarm::run,
                  settings.think,
                  LEVEL_LIMIT);
          LoadResult<CellOutcome> load = all.skipFirst(level);
          levels.add(new Level(level, load));
          progress.printf(
              Locale.ROOT,
              "level %d: %d cells in %.1f s (%.0f cells/hour); measured %d: average %d ms, "
                  + "%.0f cells/hour%n",
              level,
              all.cells(),
              all.wall().toMillis() / 1e3,
              all.cellsPerHour(),
              load.cells(),
              load.mean().toMillis(),
              load.steadyCellsPerHour());
        }
      }
      return levels;
    } finally {
      TreeDeleter.deleteRecursively(root);
    }
  }

  private static ScriptedSwarm.Config config(
      Settings settings,
      Path repository,
      String base,
      Path state,
      int concurrency,
      Duration think) {
    SwarmProfile profile = SwarmProfile.PRODUCTION;
    return new ScriptedSwarm.Config(
        repository,
        base,
        state,
        settings.minPort,
        settings.maxPort,
        profile,
        Math.max(concurrency, profile.activityConcurrency()),
        ScriptedSwarm.PoolSizes.full(concurrency),
        think,
        settings.testCommand);
  }

  /** The levels as a Markdown table in the shape of the performance guide's. */
  static String table(Settings settings, List<Level> levels) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "%nThink time %s per cell; %d x concurrent cells measured per level (at "
                + "least %d); %d cores%n%n",
            human(settings.think),
            settings.rounds,
            MIN_MEASURED_CELLS,
            Runtime.getRuntime().availableProcessors()));
    out.append(
        "| Concurrent cells | Cells | Avg cell time | vs 1 cell | p95 cell time | Throughput | vs ideal |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    double first = levels.isEmpty() ? 0 : levels.get(0).load().mean().toNanos();
    for (Level level : levels) {
      LoadResult<CellOutcome> load = level.load();
      double ideal =
          settings.think.isZero()
              ? Double.NaN
              : level.concurrency() * 3600.0 / (settings.think.toNanos() / 1e9);
      double throughput = load.steadyCellsPerHour();
      out.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %s | %.0f %% | %s | %,.0f/hour | %s |%n",
              level.concurrency(),
              load.cells(),
              human(load.mean()),
              100 * load.mean().toNanos() / first,
              human(load.percentile(0.95)),
              throughput,
              Double.isNaN(ideal)
                  ? "n/a"
                  : String.format(Locale.ROOT, "%.0f %%", 100 * throughput / ideal)));
    }
    out.append(
        "\nThroughput = concurrent cells x 3600 s / average cell time (as in the performance guide). \"vs 1 "
            + "cell\": average cell time relative to the first level; \"vs ideal\": throughput relative to concurrent "
            + "cells x 3600 s / think time, what the agents alone would allow. Each level first ramps up (its first cells "
            + "start one think time apart in all, and are not counted).\n");
    out.append(
        "\nWhere the time goes (mean ms per cell; EXECUTE includes the think time; orchestration = cell time "
            + "minus the steps: Temporal's scheduling, workflow tasks, gRPC, queueing for CPU between steps):\n\n");
    out.append("| Concurrent cells | Avg cell time |");
    BREAKDOWN.forEach(step -> out.append(' ').append(step).append(" |"));
    out.append(" orchestration |\n|---:|---:|")
        .append("---:|".repeat(BREAKDOWN.size() + 1))
        .append('\n');
    for (Level level : levels) {
      StepBreakdown breakdown = StepBreakdown.of(level.load());
      out.append(
          String.format(
              Locale.ROOT, "| %d | %.0f |", level.concurrency(), millis(level.load().mean())));
      for (CellStep step : BREAKDOWN) {
        out.append(
            String.format(
                Locale.ROOT,
                " %.0f |",
                millis(breakdown.meanByStep().getOrDefault(step, Duration.ZERO))));
      }
      out.append(String.format(Locale.ROOT, " %.0f |%n", millis(breakdown.orchestration())));
    }
    return out.toString();
  }

  private static double millis(Duration duration) {
    return duration.toNanos() / 1e6;
  }

  private static String human(Duration duration) {
    long millis = duration.toMillis();
    return millis < 10_000
        ? String.format(Locale.ROOT, "%.2f s", millis / 1e3)
        : String.format(Locale.ROOT, "%.1f s", millis / 1e3);
  }

  /** The command line, validated. Not thread-safe. */
  static final class Settings {
    List<Integer> levels = List.of(1, 5, 10, 20, 30, 40, 50);
    Duration think = Duration.ofSeconds(2);
    int rounds = 3;
    int warmup = 20;
    @Nullable Path repository;
    String base = "HEAD";
    List<String> testCommand = List.of("true");
    int minPort = 24_000;
    int maxPort = 24_999;
    boolean help;

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)");
    private static final Pattern PORTS = Pattern.compile("(\\d{1,5})-(\\d{1,5})");

    /**
     * Parses the command line.
     *
     * @throws IllegalArgumentException naming the option and the value when one is invalid or
     *     unknown
     */
    static Settings parse(String[] args) {
      Settings settings = new Settings();
      for (int i = 0; i < args.length; i++) {
        String option = args[i];
        if (option.equals("--help") || option.equals("-h")) {
          settings.help = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(option + " needs a value");
        }
        String value = args[++i];
        switch (option) {
          case "--levels" -> settings.levels = levels(value);
          case "--think" -> settings.think = duration(option, value);
          case "--rounds" -> settings.rounds = atLeast(option, value, 1);
          case "--warmup" -> settings.warmup = atLeast(option, value, 0);
          case "--repository" -> settings.repository = directory(value);
          case "--base" -> settings.base = nonBlank(option, value);
          case "--test-command" -> settings.testCommand = command(value);
          case "--ports" -> ports(settings, value);
          default -> throw new IllegalArgumentException("unknown option " + option);
        }
      }
      int largest = settings.levels.stream().mapToInt(Integer::intValue).max().orElse(1);
      if (settings.maxPort - settings.minPort + 1 < largest + 1) {
        throw new IllegalArgumentException(
            String.format(
                "--ports %d-%d holds %d ports but the largest level needs " + "%d",
                settings.minPort,
                settings.maxPort,
                settings.maxPort - settings.minPort + 1,
                largest + 1));
      }
      return settings;
    }

    private static List<Integer> levels(String value) {
      try {
        List<Integer> levels =
            Arrays.stream(value.split(",")).map(String::strip).map(Integer::parseInt).toList();
        if (levels.isEmpty() || levels.stream().anyMatch(level -> level < 1 || level > 500)) {
          throw new NumberFormatException();
        }
        return levels;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--levels must be a comma-separated list of numbers from 1 to 500 but was \""
                + value
                + "\"");
      }
    }

    static Duration duration(String option, String value) {
      Matcher matcher = DURATION.matcher(value.strip());
      Duration duration;
      if (matcher.matches()) {
        double amount = Double.parseDouble(matcher.group(1));
        double millis =
            switch (matcher.group(2)) {
              case "ms" -> amount;
              case "s" -> amount * 1_000;
              default -> amount * 60_000;
            };
        duration = Duration.ofNanos(Math.round(millis * 1_000_000));
      } else {
        try {
          duration = Duration.parse(value.strip());
        } catch (DateTimeParseException e) {
          duration = Duration.ofSeconds(-1);
        }
      }
      if (duration.isNegative() || duration.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            option
                + " must be a duration from 0 to 1 hour such as 2s, 500ms or 1m "
                + "but was \""
                + value
                + "\"");
      }
      return duration;
    }

    private static int atLeast(String option, String value, int min) {
      try {
        int number = Integer.parseInt(value.strip());
        if (number >= min) {
          return number;
        }
      } catch (NumberFormatException e) {
        // Reported below with the allowed range.
      }
      throw new IllegalArgumentException(
          option + " must be a whole number of at least " + min + " but was \"" + value + "\"");
    }

    private static Path directory(String value) {
      Path path =
          Path.of(
              value.startsWith("~/")
                  ? System.getProperty("user.home") + value.substring(1)
                  : value);
      if (!Files.isDirectory(path)) {
        throw new IllegalArgumentException(
            "--repository must be an existing directory but was " + path);
      }
      return path;
    }

    private static String nonBlank(String option, String value) {
      if (value.isBlank()) {
        throw new IllegalArgumentException(option + " must not be blank");
      }
      return value;
    }

    private static List<String> command(String value) {
      List<String> command =
          Arrays.stream(value.strip().split("\\s+")).filter(word -> !word.isEmpty()).toList();
      if (command.isEmpty()) {
        throw new IllegalArgumentException(
            "--test-command must name a program but was \"" + value + "\"");
      }
      return command;
    }

    private static void ports(Settings settings, String value) {
      Matcher matcher = PORTS.matcher(value.strip());
      if (matcher.matches()) {
        int min = Integer.parseInt(matcher.group(1));
        int max = Integer.parseInt(matcher.group(2));
        if (min >= 1024 && max <= 65_535 && min <= max) {
          settings.minPort = min;
          settings.maxPort = max;
          return;
        }
      }
      throw new IllegalArgumentException(
          "--ports must be MIN-MAX within 1024-65535 but was \"" + value + "\"");
    }

    @Override
    public String toString() {
      return "Settings{levels="
          + levels
          + ", think="
          + think
          + ", rounds="
          + rounds
          + ", repository="
          + Objects.requireNonNullElse(repository, "generated")
          + "}";
    }
  }
}
