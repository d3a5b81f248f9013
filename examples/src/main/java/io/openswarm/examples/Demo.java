package io.openswarm.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TcrStatus;
import io.openswarm.testkit.agent.FileEdit;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import io.openswarm.testkit.model.FakeModelServer;
import io.openswarm.testkit.model.ModelScript;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
 *     [--agent scripted|opencode] [--model provider/model] [--base-url URL] [--api-key-env VAR]
 * </pre>
 *
 * <ul>
 *   <li>{@code --target host:port}: use a Temporal cluster instead of the embedded server.
 *   <li>{@code --namespace name}: the cluster's namespace (default {@code default}).
 *   <li>{@code --keep}: keep the demo repository and print its path, to inspect the branches.
 *   <li>{@code --agent scripted} (the default): an in-process scripted agent applies each task's edits; fast, no
 *       model, no network.
 *   <li>{@code --agent opencode}: every cell runs the real OpenCode server ({@code opencode serve}, one per cell,
 *       about 300 MB each; found on {@code PATH}, through {@code OPENSWARM_OPENCODE_BIN}, or in a project-local
 *       {@code .tools/opencode} install above the working directory). Without {@code --model} its model is a
 *       {@link FakeModelServer} the demo starts on 127.0.0.1 and scripts with the same edits the scripted agent
 *       makes, so the run is offline and ends like the default one.
 *   <li>{@code --model provider/model}: with {@code --agent opencode}, use a real model instead of the fake one.
 *       Without {@code --base-url} the provider must be one OpenCode knows, e.g. {@code anthropic/claude-sonnet-4-5}
 *       with {@code --api-key-env ANTHROPIC_API_KEY}.
 *   <li>{@code --base-url URL}: with {@code --model}, the provider is any OpenAI-compatible endpoint (OpenAI,
 *       OpenRouter, vLLM, Ollama's {@code http://127.0.0.1:11434/v1}, ...), configured as an
 *       {@code @ai-sdk/openai-compatible} provider named after the {@code provider} part of {@code --model}.
 *   <li>{@code --api-key-env VAR}: the environment variable that holds the provider's API key. Only this variable
 *       of the demo's environment reaches the agents; the key itself is never printed or written to the
 *       configuration (which refers to it as {@code {env:VAR}}).
 * </ul>
 *
 * <p>With a real model the prompts spell out each task's exact edit, so a capable model ends every cell as expected;
 * the exit code still says whether it did.
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

  /** How long a cell's agent may take to become ready: eight OpenCode servers starting at once share the CPU. */
  private static final Duration OPENCODE_READY_TIMEOUT = Duration.ofMinutes(2);

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

    boolean openCode = "opencode".equals(options.get("agent"));
    SwarmWorker.Builder builder = SwarmWorker.builder()
        .repository(repo.path())
        .stateDirectory(home.resolve("state"))
        .testCommand(List.of("sh", "test.sh"))
        .hostId("demo-host")
        .maxConcurrentActivities(TASKS.size())
        .worktreePool(TASKS.size(), TASKS.size(), TASKS.size() + 2)
        .ports(18000, 18100);
    if (options.containsKey("target")) {
      builder.target(options.get("target")).namespace(options.getOrDefault("namespace", "default"));
    }
    FakeModelServer fakeModel = null;
    String agentDescription;
    if (openCode) {
      OpenCodeOptions.Builder openCodeOptions = OpenCodeOptions.newBuilder();
      if (options.containsKey("model")) {
        configureRealModel(openCodeOptions, options);
        agentDescription = "OpenCode with model " + options.get("model");
      } else {
        fakeModel = FakeModelServer.start();
        for (DemoTask task : TASKS) {
          fakeModel.enqueue(openCodePrompt(task), script(task));
        }
        openCodeOptions.model(fakeModel.openCodeModel()).providerConfigJson(fakeModel.openCodeProviderConfig());
        agentDescription = "OpenCode with a scripted fake model at " + fakeModel.baseUri();
      }
      builder.openCode(openCodeOptions.build()).readyTimeout(OPENCODE_READY_TIMEOUT);
    } else {
      builder.agent(scriptedAgent());
      agentDescription = "scripted agent";
    }

    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    builder.meterRegistry(metrics);
    long start = System.nanoTime();
    try (FakeModelServer ignored = fakeModel; SwarmWorker worker = builder.start()) {
      SwarmClient client = worker.client();
      System.out.printf("Swarm worker up on %s (%s), agent: %s; %d tasks, each in its own cell:%n%n",
          worker.temporalTarget(), options.containsKey("target") ? "Temporal cluster" : "embedded server",
          agentDescription, TASKS.size());
      Map<String, String> workflows = new LinkedHashMap<>();
      for (DemoTask task : TASKS) {
        String prompt = openCode ? openCodePrompt(task) : task.prompt();
        workflows.put(task.id(), client.startTcr(TaskSpec.of(task.id(), prompt, "main")));
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

  /** The in-process agent of the default run: applies each task's edits, chosen by the prompt. */
  private static ScriptedAgent scriptedAgent() {
    Map<String, DemoTask> byPrompt = new LinkedHashMap<>();
    TASKS.forEach(task -> byPrompt.put(task.prompt(), task));
    return ScriptedAgent.builder()
        .edits(prompt -> byPrompt.get(prompt).edits().entrySet().stream()
            .map(edit -> FileEdit.write(edit.getKey(), edit.getValue())).toList())
        .turnDelay(Duration.ofMillis(300))
        .build();
  }

  /** The prompt an OpenCode agent gets: the task, and its exact edit spelled out for a real model. */
  static String openCodePrompt(DemoTask task) {
    StringBuilder prompt = new StringBuilder(task.prompt()).append(". Make exactly these changes and nothing else "
        + "(do not run the tests, do not commit):");
    new TreeMap<>(task.edits()).forEach((path, content) -> prompt.append("\n- write the file ").append(path)
        .append(" with exactly this content: ").append(content.strip()));
    return prompt.toString();
  }

  /** What the fake model answers to a task's prompt: OpenCode's write tool for each edit, then a short summary. */
  static ModelScript script(DemoTask task) {
    ModelScript script = FakeModelServer.script();
    for (Map.Entry<String, String> edit : new TreeMap<>(task.edits()).entrySet()) {
      script = script.write(edit.getKey(), edit.getValue());
    }
    return script.thenText("Done: " + task.prompt() + ".");
  }

  /**
   * Points OpenCode at a real model: a provider OpenCode knows, or any OpenAI-compatible endpoint with
   * {@code --base-url}; the API key only by the name of its variable.
   */
  static void configureRealModel(OpenCodeOptions.Builder openCode, Map<String, String> options) {
    String model = options.get("model");
    openCode.model(model);
    String keyVariable = options.get("api-key-env");
    if (keyVariable != null) {
      openCode.apiKeyVariable(keyVariable);
    }
    String baseUrl = options.get("base-url");
    if (baseUrl != null) {
      int slash = model.indexOf('/');
      String provider = model.substring(0, slash);
      String modelId = model.substring(slash + 1);
      ObjectNode root = new ObjectMapper().createObjectNode();
      ObjectNode config = root.putObject(provider);
      config.put("npm", "@ai-sdk/openai-compatible");
      config.put("name", provider);
      ObjectNode providerOptions = config.putObject("options").put("baseURL", baseUrl);
      if (keyVariable != null) {
        providerOptions.put("apiKey", "{env:" + keyVariable + "}");
      }
      config.putObject("models").putObject(modelId).put("name", modelId).put("tool_call", true);
      openCode.providerConfigJson(root.toString());
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
        case "--target", "--namespace", "--agent", "--model", "--base-url", "--api-key-env" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(args[i] + " needs a value");
          }
          options.put(args[i].substring(2), args[++i]);
        }
        case "--keep" -> options.put("keep", "true");
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; allowed: --target host:port, --namespace name, --keep, --agent scripted|opencode, "
            + "--model provider/model, --base-url URL, --api-key-env VAR");
      }
    }
    String agent = options.getOrDefault("agent", "scripted");
    if (!agent.equals("scripted") && !agent.equals("opencode")) {
      throw new IllegalArgumentException("--agent must be scripted or opencode but was " + agent);
    }
    for (String option : List.of("model", "base-url", "api-key-env")) {
      if (options.containsKey(option) && !agent.equals("opencode")) {
        throw new IllegalArgumentException("--" + option + " needs --agent opencode");
      }
    }
    String model = options.get("model");
    if (model != null && !model.matches("[^/\\s]+/\\S+")) {
      throw new IllegalArgumentException("--model must be provider/model, e.g. openai/gpt-4.1, but was " + model);
    }
    if ((options.containsKey("base-url") || options.containsKey("api-key-env")) && model == null) {
      throw new IllegalArgumentException("--base-url and --api-key-env need --model provider/model");
    }
    String baseUrl = options.get("base-url");
    if (baseUrl != null) {
      URI uri;
      try {
        uri = URI.create(baseUrl);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--base-url must be an http(s) URL but was " + baseUrl, e);
      }
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException("--base-url must be an http(s) URL such as https://api.openai.com/v1 "
            + "but was " + baseUrl);
      }
    }
    String keyVariable = options.get("api-key-env");
    if (keyVariable != null && !keyVariable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("--api-key-env must name an environment variable but was " + keyVariable);
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
