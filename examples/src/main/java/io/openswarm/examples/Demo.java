package io.openswarm.examples;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TcrStatus;
import io.openswarm.testkit.agent.FileEdit;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The README's main job: a swarm of eight agents working on one repository at once, on an embedded Temporal server.
 *
 * <p>It creates a small project whose test script checks every greeting file, starts a {@link SwarmWorker}, submits
 * eight tasks at once (two of them make changes that break the tests), prints a line each time a cell moves to its
 * next step, and ends with a table of outcomes. Green cells are committed on their own branch {@code swarm/<task>};
 * red ones are reverted. Exits 0 when every cell ended as expected and nothing was left behind.
 *
 * <pre>
 * java -jar examples/target/swarm-demo.jar [--target host:port] [--namespace name] [--keep]
 * </pre>
 *
 * <ul>
 *   <li>{@code --target host:port}: use a Temporal cluster instead of the embedded server.
 *   <li>{@code --namespace name}: the cluster's namespace (default {@code default}).
 *   <li>{@code --keep}: keep the demo repository and print its path, to inspect the branches.
 * </ul>
 */
public final class Demo {

  /** What each task asks, and what the scripted agent does for it. */
  private record DemoTask(String id, String prompt, Map<String, String> edits, CellStatus expected) {}

  private static final List<DemoTask> TASKS = List.of(
      new DemoTask("add-french", "Add a French greeting", Map.of("greetings/fr.txt", "Bonjour\n"),
          CellStatus.COMMITTED),
      new DemoTask("add-german", "Add a German greeting", Map.of("greetings/de.txt", "Hallo\n"),
          CellStatus.COMMITTED),
      new DemoTask("add-spanish", "Add a Spanish greeting", Map.of("greetings/es.txt", "Hola\n"),
          CellStatus.COMMITTED),
      new DemoTask("add-japanese", "Add a Japanese greeting", Map.of("greetings/ja.txt", "Konnichiwa\n"),
          CellStatus.COMMITTED),
      new DemoTask("add-klingon", "Add a Klingon greeting", Map.of("greetings/tlh.txt", "TODO: ask a linguist\n"),
          CellStatus.REVERTED),
      new DemoTask("fix-english", "Make the English greeting friendlier", Map.of("greetings/en.txt", "Hello!\n"),
          CellStatus.COMMITTED),
      new DemoTask("bump-version", "Bump the version to 1.1", Map.of("VERSION", "one point one\n"),
          CellStatus.REVERTED),
      new DemoTask("add-changelog", "Start a changelog", Map.of("CHANGELOG.md", "# Changelog\n\n- greetings\n"),
          CellStatus.COMMITTED));

  private static final String TEST_SCRIPT = """
      #!/bin/sh
      # Every greeting is one non-empty line without a TODO; VERSION is major.minor.
      status=0
      for file in greetings/*.txt; do
        if [ ! -s "$file" ] || grep -q TODO "$file"; then
          echo "FAIL: $file is empty or unfinished"; status=1
        fi
      done
      if ! grep -Eq '^[0-9]+\\.[0-9]+$' VERSION; then
        echo "FAIL: VERSION must look like 1.0 but is $(cat VERSION)"; status=1
      fi
      [ $status -eq 0 ] && echo "all greetings ok"
      exit $status
      """;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = parse(args);
    Path home = Files.createTempDirectory("openswarm-demo-");
    boolean keep = options.containsKey("keep");
    int exit;
    try {
      exit = run(home, options);
    } finally {
      if (keep) {
        System.out.println("\nkept the demo repository: " + home.resolve("repo"));
      } else {
        deleteRecursively(home);
      }
    }
    System.exit(exit);
  }

  /** Runs the demo in {@code home} and returns the exit code: 0 when every cell ended as expected, cleanly. */
  static int run(Path home, Map<String, String> options) {
    TemporaryRepository repo = TemporaryRepository.create(home.resolve("repo"))
        .write("greetings/en.txt", "Hello\n")
        .write("VERSION", "1.0\n")
        .write("test.sh", TEST_SCRIPT).executable("test.sh")
        .commit("greetings project with a test script");

    Map<String, DemoTask> byPrompt = new LinkedHashMap<>();
    TASKS.forEach(task -> byPrompt.put(task.prompt(), task));
    ScriptedAgent agent = ScriptedAgent.builder()
        .edits(prompt -> byPrompt.get(prompt).edits().entrySet().stream()
            .map(edit -> FileEdit.write(edit.getKey(), edit.getValue())).toList())
        .turnDelay(Duration.ofMillis(300))
        .build();

    SwarmWorker.Builder builder = SwarmWorker.builder()
        .repository(repo.path())
        .stateDirectory(home.resolve("state"))
        .testCommand(List.of("sh", "test.sh"))
        .agent(agent)
        .hostId("demo-host")
        .maxConcurrentActivities(TASKS.size())
        .worktreePool(TASKS.size(), TASKS.size(), TASKS.size() + 2)
        .ports(18000, 18100);
    if (options.containsKey("target")) {
      builder.target(options.get("target")).namespace(options.getOrDefault("namespace", "default"));
    }

    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    builder.meterRegistry(metrics);
    long start = System.nanoTime();
    try (SwarmWorker worker = builder.start()) {
      SwarmClient client = worker.client();
      System.out.printf("Swarm worker up on %s (%s); %d tasks, each in its own cell:%n%n",
          worker.temporalTarget(), options.containsKey("target") ? "Temporal cluster" : "embedded server",
          TASKS.size());
      Map<String, String> workflows = new LinkedHashMap<>();
      for (DemoTask task : TASKS) {
        workflows.put(task.id(), client.startTcr(TaskSpec.of(task.id(), task.prompt(), "main")));
      }
      Map<String, CompletableFuture<CellOutcome>> results = new LinkedHashMap<>();
      workflows.forEach((task, workflowId) -> results.put(task, client.resultAsync(workflowId)));
      followProgress(client, workflows, results, start);

      List<CellOutcome> outcomes = new ArrayList<>();
      results.values().forEach(result -> outcomes.add(result.join()));
      printTable(outcomes);

      boolean asExpected = true;
      for (int i = 0; i < TASKS.size(); i++) {
        asExpected &= outcomes.get(i).status() == TASKS.get(i).expected() && outcomes.get(i).cleanTeardown();
      }
      boolean clean = worker.liveCells() == 0 && worker.ports().allocatedCount() == 0
          && worker.worktrees().leasedCount() == 0;
      System.out.printf("%n%d committed, %d reverted, %d failed in %.1f s; ports leased now: %d, worktrees leased "
              + "now: %d%n", count(outcomes, CellStatus.COMMITTED), count(outcomes, CellStatus.REVERTED),
          count(outcomes, CellStatus.FAILED), (System.nanoTime() - start) / 1e9,
          worker.ports().allocatedCount(), worker.worktrees().leasedCount());
      System.out.println("branches: " + repo.git("branch", "--list", "swarm/*").replace("\n", " ").strip());
      System.out.print("\n" + MetricsSummary.format(metrics));
      return asExpected && clean ? 0 : 1;
    }
  }

  /**
   * Prints a line each time a task's workflow moves to another step, until every task is done: one follower thread
   * per task asks its workflow's {@code status()} query.
   */
  private static void followProgress(SwarmClient client, Map<String, String> workflows,
      Map<String, CompletableFuture<CellOutcome>> results, long start) {
    ExecutorService followers = Executors.newFixedThreadPool(workflows.size());
    try {
      List<CompletableFuture<Void>> follows = new ArrayList<>();
      workflows.forEach((task, workflowId) -> follows.add(CompletableFuture.runAsync(
          () -> follow(client, task, workflowId, results.get(task), start), followers)));
      follows.forEach(CompletableFuture::join);
    } finally {
      followers.shutdownNow();
    }
  }

  private static void follow(SwarmClient client, String task, String workflowId,
      CompletableFuture<CellOutcome> result, long start) {
    String last = "";
    while (!result.isDone()) {
      try {
        TcrStatus status = client.status(workflowId);
        String step = status.step() + (status.host() == null ? "" : "  (host " + status.host() + ", cell "
            + status.cellId() + ")");
        if (!status.step().equals("DONE") && !step.equals(last)) {
          print(start, task, step);
          last = step;
        }
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException notStartedYet) {
        // The workflow has not run its first task yet; ask again.
      }
    }
    print(start, task, describe(result.join()));
  }

  private static synchronized void print(long start, String task, String what) {
    System.out.printf(Locale.ROOT, "[%5.2f s] %-14s %s%n", (System.nanoTime() - start) / 1e9, task, what);
  }

  private static String describe(CellOutcome outcome) {
    return switch (outcome.status()) {
      case COMMITTED -> "COMMITTED " + outcome.commit().substring(0, 10) + " on swarm/" + outcome.cellId();
      case NO_CHANGES -> "NO_CHANGES";
      case REVERTED -> "REVERTED: " + outcome.testOutputTail().lines().skip(1).findFirst().orElse("");
      case FAILED -> "FAILED at " + outcome.failedStep() + ": " + outcome.error();
    };
  }

  private static void printTable(List<CellOutcome> outcomes) {
    System.out.printf("%n%-14s %-10s %-12s %9s%n", "task", "outcome", "commit", "duration");
    System.out.println("-".repeat(48));
    for (CellOutcome outcome : outcomes) {
      System.out.printf(Locale.ROOT, "%-14s %-10s %-12s %7d ms%n", outcome.cellId(), outcome.status(),
          outcome.commit() == null ? "-" : outcome.commit().substring(0, 10), outcome.totalDuration().toMillis());
    }
  }

  private static long count(List<CellOutcome> outcomes, CellStatus status) {
    return outcomes.stream().filter(outcome -> outcome.status() == status).count();
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target", "--namespace" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(args[i] + " needs a value");
          }
          options.put(args[i].substring(2), args[++i]);
        }
        case "--keep" -> options.put("keep", "true");
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; allowed: --target host:port, --namespace name, --keep");
      }
    }
    return options;
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
