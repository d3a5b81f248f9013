package io.openswarm.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openswarm.core.files.TreeDeleter;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.CellTimeouts;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.temporal.TcrWorkflow;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import io.openswarm.testkit.model.FakeModelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The README's main job: a swarm of agents working through a graph of tasks on one repository, on
 * an embedded Temporal server.
 *
 * <p>It creates a small project whose test script checks every greeting file, starts a {@link
 * SwarmWorker}, and runs a DAG of eight tasks: a diamond (a README for the greetings folder, then
 * French and German in parallel, then an index of both), a Klingon greeting that breaks the tests
 * (reverted) and a task that depends on it (skipped), and two independent tasks that meet in a
 * changelog. Every task runs in its own cell; a green change is integrated into the DAG's target
 * branch {@code dag/demo} (rebased onto its head, tested again if the head moved, moved with a
 * compare-and-swap). The demo prints a line each time a task's cell moves to its next step and ends
 * with the table of outcome, commit, attempts and duration per task. Exits 0 when every task ended
 * as expected, the target branch's tests pass at its head, and nothing was left behind.
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
 *   <li>{@code --agent scripted} (the default): an in-process scripted agent applies each task's
 *       edits; fast, no model, no network.
 *   <li>{@code --agent opencode}: every cell runs the real OpenCode server ({@code opencode serve},
 *       one per cell, about 300 MB each; found on {@code PATH}, through {@code
 *       OPENSWARM_OPENCODE_BIN}, or in a project-local {@code .tools/opencode} install above the
 *       working directory). Without {@code --model} its model is a {@link FakeModelServer} the demo
 *       starts on 127.0.0.1 and scripts with the same edits the scripted agent makes, so the run is
 *       offline and ends like the default one.
 *   <li>{@code --model provider/model}: with {@code --agent opencode}, use a real model instead of
 *       the fake one. Without {@code --base-url} the provider must be one OpenCode knows, e.g.
 *       {@code anthropic/claude-sonnet-4-5} with {@code --api-key-env ANTHROPIC_API_KEY}.
 *   <li>{@code --base-url URL}: with {@code --model}, the provider is any OpenAI-compatible
 *       endpoint (OpenAI, OpenRouter, vLLM, Ollama's {@code http://127.0.0.1:11434/v1}, ...),
 *       configured as an {@code @ai-sdk/openai-compatible} provider named after the {@code
 *       provider} part of {@code --model}.
 *   <li>{@code --api-key-env VAR}: the environment variable that holds the provider's API key. Only
 *       this variable of the demo's environment reaches the agents; the key itself is never printed
 *       or written to the configuration (which refers to it as {@code {env:VAR}}).
 * </ul>
 *
 * <p>With a real model the prompts spell out each task's exact edit, so a capable model ends every
 * cell as expected; the exit code still says whether it did.
 */
public final class Demo {

  /**
   * What each task asks, what it depends on, what the scripted agent does for it, and how it should
   * end.
   */
  record DemoTask(
      String id,
      String prompt,
      List<String> dependsOn,
      Map<String, String> edits,
      DagResult.TaskStatus expected) {}

  static final List<DemoTask> TASKS =
      List.of(
          new DemoTask(
              "greetings-readme",
              "Describe the greetings folder in a README",
              List.of(),
              Map.of("greetings/README.md", "One greeting per language, one line each.\n"),
              DagResult.TaskStatus.INTEGRATED),
          new DemoTask(
              "add-french",
              "Add a French greeting",
              List.of("greetings-readme"),
              Map.of("greetings/fr.txt", "Bonjour\n"),
              DagResult.TaskStatus.INTEGRATED),
          new DemoTask(
              "add-german",
              "Add a German greeting",
              List.of("greetings-readme"),
              Map.of("greetings/de.txt", "Hallo\n"),
              DagResult.TaskStatus.INTEGRATED),
          new DemoTask(
              "add-index",
              "List the languages in an index",
              List.of("add-french", "add-german"),
              Map.of("greetings/index.md", "- en\n- fr\n- de\n"),
              DagResult.TaskStatus.INTEGRATED),
          new DemoTask(
              "add-klingon",
              "Add a Klingon greeting",
              List.of("greetings-readme"),
              Map.of("greetings/tlh.txt", "TODO: ask a linguist\n"),
              DagResult.TaskStatus.REVERTED),
          new DemoTask(
              "klingon-docs",
              "Document the Klingon greeting",
              List.of("add-klingon"),
              Map.of("greetings/tlh.md", "Klingon, from Star Trek\n"),
              DagResult.TaskStatus.SKIPPED),
          new DemoTask(
              "bump-version",
              "Bump the version to 1.1",
              List.of(),
              Map.of("VERSION", "1.1\n"),
              DagResult.TaskStatus.INTEGRATED),
          new DemoTask(
              "add-changelog",
              "Start a changelog",
              List.of("add-index", "bump-version"),
              Map.of("CHANGELOG.md", "# 1.1\n\n- French and German greetings, an index\n"),
              DagResult.TaskStatus.INTEGRATED));

  private static final String TEST_SCRIPT =
      """
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

  /**
   * How long a cell's agent may take to become ready: eight OpenCode servers starting at once share
   * the CPU.
   */
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
        TreeDeleter.deleteRecursively(home);
      }
    }
    System.exit(exit);
  }

  /**
   * The embedded server, or the cluster named by the {@code target} and {@code namespace} options.
   */
  private static ConnectionOptions connection(Map<String, String> options) {
    ConnectionOptions.Builder connection = ConnectionOptions.newBuilder().hostId("demo-host");
    if (options.containsKey("target")) {
      connection
          .target(options.get("target"))
          .namespace(options.getOrDefault("namespace", "default"));
    }
    return connection.build();
  }

  /**
   * Runs the demo in {@code home} and returns the exit code: 0 when every cell ended as expected,
   * cleanly.
   */
  static int run(Path home, Map<String, String> options) {
    TemporaryRepository repo =
        TemporaryRepository.create(home.resolve("repo"))
            .write("greetings/en.txt", "Hello\n")
            .write("VERSION", "1.0\n")
            .write("test.sh", TEST_SCRIPT)
            .executable("test.sh")
            .commit("greetings project with a test script");

    boolean openCode = "opencode".equals(options.get("agent"));
    SwarmWorkerBuilder builder =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(home.resolve("state"))
            .testCommand(List.of("sh", "test.sh"))
            .connection(connection(options))
            .capacity(CapacityOptions.newBuilder().maxConcurrentActivities(TASKS.size()).build())
            .worktrees(
                WorktreePoolOptions.newBuilder()
                    .repository(repo.path())
                    .root(home.resolve("state").resolve("worktrees"))
                    .minIdle(4)
                    .maxIdle(TASKS.size())
                    .maxTotal(TASKS.size() + 2)
                    .build())
            .ports(new PortRange(18000, 18100));
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
        openCodeOptions
            .model(fakeModel.openCodeModel())
            .providerConfigJson(fakeModel.openCodeProviderConfig());
        agentDescription = "OpenCode with a scripted fake model at " + fakeModel.baseUri();
      }
      builder
          .openCode(openCodeOptions.build())
          .timeouts(CellTimeouts.newBuilder().ready(OPENCODE_READY_TIMEOUT).build());
    } else {
      builder.agent(scriptedAgent());
      agentDescription = "scripted agent";
    }

    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    builder.meterRegistry(metrics);
    long start = System.nanoTime();
    FakeModelServer startedModel = fakeModel; // closed with the worker (null when there is none)
    try (startedModel;
        SwarmWorker worker = builder.start()) {
      SwarmClient client = worker.client();
      TaskGraph.Builder graph = TaskGraph.newBuilder();
      for (DemoTask task : TASKS) {
        graph.task(
            task.id(),
            openCode ? openCodePrompt(task) : task.prompt(),
            task.dependsOn().toArray(String[]::new));
      }
      DagRequest request = DagRequest.of("demo", graph.build(), "main").withMaxParallel(4);
      System.out.printf(
          "Swarm worker up on %s (%s), agent: %s; a graph of %d tasks, each task in its own cell, "
              + "green changes integrated into %s:%n%n",
          worker.temporalTarget(),
          options.containsKey("target") ? "Temporal cluster" : "embedded server",
          agentDescription,
          TASKS.size(),
          request.targetBranch());
      String workflowId = client.startDag(request);
      CompletableFuture<DagResult> result = client.dagResultAsync(workflowId);
      followProgress(client, workflowId, result, start);
      DagResult dag = result.join();
      System.out.printf("%n%s", dag.toTable());

      boolean asExpected = true;
      for (DemoTask task : TASKS) {
        DagResult.TaskStatus status = dag.task(task.id()).map(DagResult.Task::status).orElse(null);
        if (status != task.expected()) {
          System.out.printf(
              "UNEXPECTED: %s ended %s, expected %s%n", task.id(), status, task.expected());
          asExpected = false;
        }
      }
      String head = repo.resolveRevision(request.targetBranch());
      boolean greenHead = testsPassAt(repo, head, home.resolve("head-check"));
      boolean clean =
          worker.liveCells() == 0
              && worker.ports().allocatedCount() == 0
              && worker.worktrees().leasedCount() == 0;
      System.out.printf(
          "%n%d integrated, %d reverted, %d skipped, %d failed in %.1f s; %s is at %s and its tests "
              + "%s; ports leased now: %d, worktrees leased now: %d%n",
          dag.count(DagResult.TaskStatus.INTEGRATED),
          dag.count(DagResult.TaskStatus.REVERTED),
          dag.count(DagResult.TaskStatus.SKIPPED),
          dag.count(DagResult.TaskStatus.FAILED),
          (System.nanoTime() - start) / 1e9,
          request.targetBranch(),
          head.substring(0, 10),
          greenHead ? "pass" : "FAIL",
          worker.ports().allocatedCount(),
          worker.worktrees().leasedCount());
      System.out.println(
          "history of "
              + request.targetBranch()
              + ":\n  "
              + repo.git("log", "--format=%h %s", "main.." + request.targetBranch())
                  .strip()
                  .replace("\n", "\n  "));
      System.out.print("\n" + MetricsSummary.format(metrics));
      return asExpected && greenHead && clean ? 0 : 1;
    }
  }

  /** Runs the project's test script on a fresh checkout of {@code commit}, outside any cell. */
  private static boolean testsPassAt(TemporaryRepository repo, String commit, Path checkout) {
    repo.git("worktree", "add", "--detach", "--quiet", checkout.toString(), commit);
    try {
      Process test =
          new ProcessBuilder("sh", "test.sh")
              .directory(checkout.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return test.waitFor() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run the tests at " + commit, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      repo.git("worktree", "remove", "--force", checkout.toString());
    }
  }

  /** The in-process agent of the default run: applies each task's edits, chosen by the prompt. */
  private static ScriptedAgent scriptedAgent() {
    Map<String, DemoTask> byPrompt = new LinkedHashMap<>();
    TASKS.forEach(task -> byPrompt.put(task.prompt(), task));
    return ScriptedAgent.newBuilder()
        .edits(
            prompt -> {
              DemoTask task = byPrompt.get(prompt);
              if (task == null) {
                throw new IllegalArgumentException("no demo task has the prompt " + prompt);
              }
              return task.edits().entrySet().stream()
                  .map(edit -> ScriptedAgent.FileEdit.write(edit.getKey(), edit.getValue()))
                  .toList();
            })
        .turnDelay(Duration.ofMillis(300))
        .build();
  }

  /**
   * The prompt an OpenCode agent gets: the task, and its exact edit spelled out for a real model.
   */
  static String openCodePrompt(DemoTask task) {
    StringBuilder prompt =
        new StringBuilder(task.prompt())
            .append(
                ". Make exactly these changes and nothing else "
                    + "(do not run the tests, do not commit):");
    new TreeMap<>(task.edits())
        .forEach(
            (path, content) ->
                prompt
                    .append("\n- write the file ")
                    .append(path)
                    .append(" with exactly this content: ")
                    .append(content.strip()));
    return prompt.toString();
  }

  /**
   * What the fake model answers to a task's prompt: OpenCode's write tool for each edit, then a
   * short summary.
   */
  static FakeModelServer.Script script(DemoTask task) {
    FakeModelServer.Script script = FakeModelServer.script();
    for (Map.Entry<String, String> edit : new TreeMap<>(task.edits()).entrySet()) {
      script = script.write(edit.getKey(), edit.getValue());
    }
    return script.thenText("Done: " + task.prompt() + ".");
  }

  /**
   * Points OpenCode at a real model: a provider OpenCode knows, or any OpenAI-compatible endpoint
   * with {@code --base-url}; the API key only by the name of its variable.
   */
  static void configureRealModel(OpenCodeOptions.Builder openCode, Map<String, String> options) {
    String model =
        Objects.requireNonNull(options.get("model"), "the model option is required here");
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
   * Prints a line each time a task changes state, and while a task runs, each time its cell moves
   * to its next step: the DAG's {@code status()} query says which tasks run, each task attempt's
   * child workflow says its step.
   */
  private static void followProgress(
      SwarmClient client, String workflowId, CompletableFuture<DagResult> result, long start) {
    Map<String, String> last = new LinkedHashMap<>();
    while (!result.isDone()) {
      try {
        for (DagResult.Task task : client.dagProgress(workflowId).tasks()) {
          String state = task.status().name();
          if (task.status() == DagResult.TaskStatus.RUNNING) {
            state =
                "attempt "
                    + task.attempts()
                    + ": "
                    + cellStep(client, workflowId + "-" + task.taskId() + "-" + task.attempts());
          } else if (task.status().finalState()) {
            state =
                task.status()
                    + (task.commit() == null ? "" : " " + task.commit().substring(0, 10))
                    + (task.detail() == null ? "" : "  " + firstLine(task.detail()));
          }
          if (!state.equals(last.put(task.taskId(), state))
              && task.status() != DagResult.TaskStatus.PENDING) {
            System.out.printf(
                Locale.ROOT,
                "[%5.2f s] %-16s %s%n",
                (System.nanoTime() - start) / 1e9,
                task.taskId(),
                state);
          }
        }
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException notStartedYet) {
        // The workflow has not run its first task yet; ask again.
      }
    }
  }

  /** The step the cell of a task attempt is at, from the attempt's own status query. */
  private static String cellStep(SwarmClient client, String attemptWorkflowId) {
    try {
      TcrWorkflow.Progress status = client.progress(attemptWorkflowId);
      String step =
          status.done() ? "DONE" : status.step() == null ? "STARTING" : status.step().name();
      return step + (status.cellId() == null ? "" : "  (cell " + status.cellId() + ")");
    } catch (RuntimeException notStartedYet) {
      return "STARTING";
    }
  }

  private static String firstLine(String text) {
    return text.lines().findFirst().orElse("");
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
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + args[i]
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
      throw new IllegalArgumentException(
          "--model must be provider/model, e.g. openai/gpt-4.1, but was " + model);
    }
    if ((options.containsKey("base-url") || options.containsKey("api-key-env")) && model == null) {
      throw new IllegalArgumentException(
          "--base-url and --api-key-env need --model provider/model");
    }
    String baseUrl = options.get("base-url");
    if (baseUrl != null) {
      URI uri;
      try {
        uri = URI.create(baseUrl);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--base-url must be an http(s) URL but was " + baseUrl, e);
      }
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "--base-url must be an http(s) URL such as https://api.openai.com/v1 "
                + "but was "
                + baseUrl);
      }
    }
    String keyVariable = options.get("api-key-env");
    if (keyVariable != null && !keyVariable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException(
          "--api-key-env must name an environment variable but was " + keyVariable);
    }
    return options;
  }
}
