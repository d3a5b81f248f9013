package io.openswarm.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;
import io.openswarm.temporal.SwarmWorkerBuilder;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.graph.TaskGraph;
import io.openswarm.core.history.HistoryOptions;
import io.openswarm.core.port.PortLease;
import io.openswarm.core.port.PortManager;
import io.openswarm.core.sandbox.NetworkAccess;
import io.openswarm.infra.agent.CommandAgent;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.setup.WorktreeSetupOptions;
import io.openswarm.infra.testrun.TestEnvironment;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.AgentFactory;
import io.openswarm.temporal.CapacityOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.DagRequest;
import io.openswarm.temporal.DagResult;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmProfile;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.TestOptions;
import io.openswarm.testkit.SwarmExtension;
import io.openswarm.testkit.agent.ScriptedAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Java examples of {@code README.md} and {@code docs/*.md}, as code the build compiles. Each region between
 * {@code // snippet: NAME} and {@code // end: NAME} is shown, dedented, in the Markdown block that follows a
 * {@code <!-- snippet: NAME -->} line; {@link DocSnippetsTest} fails when the two differ, and rewrites the Markdown
 * from here when run with {@code -Ddocs.snippets.write=true}.
 *
 * <p>The methods are never called: they only have to compile. Their parameters stand for what the surrounding prose
 * has already introduced (a worker, an outcome, a state folder).
 */
@SuppressWarnings({"unused", "try"})
final class DocSnippets {

  private DocSnippets() {}

  static void readme() throws Exception {
    // snippet: readme
    try (SwarmWorker worker = SwarmWorker.newBuilder()
            .repository(Path.of("/srv/checkout"))                    // the git repository cells work on
            .testCommand("./gradlew", "test", "--offline")           // an argument list, never a shell line
            .openCode(OpenCodeOptions.newBuilder()                   // the real OpenCode server per cell
                .model("anthropic/claude-sonnet-4-5").apiKeyVariable("ANTHROPIC_API_KEY").build())
            .capacity(CapacityOptions.newBuilder()                   // concurrency, timeouts, ports (docs/configuration.md)
                .profile(SwarmProfile.STAGING).build())
            .start()) {
      SwarmClient client = worker.client();
      CellOutcome outcome = client.runTcr(TaskSpec.of("add-readme", "Add a README that explains the build", "main"));
      // outcome.status(): COMMITTED (commit on branch swarm/add-readme), NO_CHANGES, REVERTED (test output), FAILED
    }
    // end: readme
  }

  static OpenCodeOptions localModel() {
    return
    // snippet: agents-local-model
    OpenCodeOptions.newBuilder().model("local/qwen2.5-coder:7b").apiKeyVariable("LOCAL_KEY")
        .providerConfigJson("{\"local\":{\"npm\":\"@ai-sdk/openai-compatible\",\"options\":{\"baseURL\":"
            + "\"http://127.0.0.1:11434/v1\",\"apiKey\":\"{env:LOCAL_KEY}\"},\"models\":{\"qwen2.5-coder:7b\":"
            + "{\"tool_call\":true}}}}")
        .build();
    // end: agents-local-model
  }

  static SwarmWorkerBuilder commandAgent(SwarmWorkerBuilder builder) {
    // snippet: agents-command
    builder.agent(supervisor -> CommandAgent.newBuilder(supervisor)
        .command("aider", "--yes", "--no-auto-commits", "--message", "{prompt}")
        .environment(ProcessEnvironment.newBuilder().inheritDefaults().inherit("OPENAI_API_KEY").build())
        .build());
    // end: agents-command
    return builder;
  }

  static final class SwarmExtensionExample {
    // snippet: agents-testkit
    @RegisterExtension
    static final SwarmExtension swarm = SwarmExtension.newBuilder()
        .repository(repo -> repo.write("test.sh", "#!/bin/sh\ntest -f done.txt\n").executable("test.sh"))
        .testCommand("sh", "test.sh")
        .agent(ScriptedAgent.writing(ScriptedAgent.FileEdit.write("done.txt", "yes")))
        .build();

    @Test
    void commits(SwarmClient client, TemporaryRepository repo) {
      assertThat(client.runTcr(TaskSpec.of("t1", "finish it", "main")).status()).isEqualTo(CellStatus.COMMITTED);
    }
    // end: agents-testkit
  }

  static SwarmWorkerBuilder cluster() {
    return
    // snippet: configuration-cluster
    SwarmWorker.newBuilder().connection(ConnectionOptions.newBuilder()
        .target("temporal.internal:7233").namespace("swarm")
        .clientCertificate(Path.of("client.pem"), Path.of("client.key"))   // mTLS, and/or
        .trustedCertificates(Path.of("ca.pem"))
        .apiKey(System.getenv("TEMPORAL_API_KEY"))                         // Temporal Cloud; never logged
        .build())
    // end: configuration-cluster
    ;
  }

  static SwarmWorkerBuilder sparse(SwarmWorkerBuilder builder, Path checkout, Path stateDirectory) {
    // snippet: configuration-sparse
    builder.worktrees(WorktreePoolOptions.newBuilder()
        .repository(checkout)
        .root(stateDirectory.resolve("worktrees"))
        .sparseCheckout(List.of("services/api", "libs/common"))   // git's cone mode; git 2.36 or newer
        .build());
    // end: configuration-sparse
    return builder;
  }

  static SwarmWorker npmSetup(AgentFactory agent) {
    // snippet: configuration-setup
    SwarmWorker worker = SwarmWorker.newBuilder()
        .repository(Path.of("/work/my-npm-app"))
        .setup(WorktreeSetupOptions.newBuilder()
            .command("npm", "ci", "--no-audit", "--no-fund")    // argument list, no shell
            .inputs("package-lock.json")                        // npm ci again when this changes
            .copyFromCheckout(".env")                           // untracked, ignored; copied into each worktree
            .build())
        .testCommand("npx", "mocha")
        .agent(agent)
        .start();
    // end: configuration-setup
    return worker;
  }

  static SwarmWorkerBuilder testEnvironment() {
    // snippet: configuration-test-environment
    Path home = Path.of(System.getProperty("user.home"));
    SwarmWorkerBuilder builder = SwarmWorker.newBuilder().tests(TestOptions.newBuilder()
        .command("mvn", "-o", "-q", "-B", "test")
        .environment(TestEnvironment.newBuilder()
            .cache(home.resolve(".m2"))            // writable, shared by all cells: a dependency an agent adds resolves
            .homeFile(home.resolve(".npmrc"))      // read-only
            .inherit("MAVEN_OPTS")                 // worker variables, by name
            .put("SPRING_PROFILES_ACTIVE", "test") // explicit values
            .build())
        .network(NetworkAccess.NONE)               // offline builds need no network
        .build());
    // end: configuration-test-environment
    return builder;
  }

  static void verifyBase(TaskGraph graph) {
    // snippet: configuration-verify-base
    TestOptions.newBuilder().command("make", "test").verifyBase(true);   // every cell, unless its task or DAG says so
    TaskSpec.of("fix-login", "...", "main").withVerifyBase(false);   // a task's choice beats the DAG's and the worker's
    DagRequest.of("orders", graph, "main").withVerifyBase(true);     // a DAG's choice beats the worker's
    // end: configuration-verify-base
  }

  static void dag(SwarmWorker worker) {
    // snippet: dag
    TaskGraph graph = TaskGraph.newBuilder()
        .task("schema", "Add the orders table")
        .task("api", "Add the order endpoints", "schema")          // depends on schema
        .task("ui", "Add the order page", "schema")
        .task("e2e", "Add an end-to-end test of placing an order", "api", "ui")
        .build();                                                  // validated here
    DagResult result = worker.client().runDag(DagRequest.of("orders", graph, "main").withMaxParallel(4));
    System.out.print(result.toTable());
    // end: dag
  }

  static void ports(Path stateDir) throws Exception {
    // snippet: operations-ports
    PortManager ports = PortManager.newBuilder()
        .range(8000, 9000)                          // inclusive: 1001 ports
        .leaseDirectory(stateDir.resolve("ports"))  // share the range safely with other worker JVMs on this host
        .build();

    try (PortLease lease = ports.allocate(Duration.ofSeconds(30))) {   // waits (FIFO) when every port is taken
      startAgentServer(lease.port());
    }
    // end: operations-ports
  }

  private static void startAgentServer(int port) {}

  static SwarmWorker metrics(SwarmWorkerBuilder builder) {
    // snippet: operations-metrics
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SwarmWorker worker = builder.meterRegistry(registry).start();
    // end: operations-metrics
    return worker;
  }

  static SwarmWorkerBuilder keepReports(SwarmWorkerBuilder builder) {
    // snippet: operations-reports
    builder.history(HistoryOptions.newBuilder().keepReports("target/surefire-reports", "build/test-results").build());
    // end: operations-reports
    return builder;
  }

  static void history(SwarmWorker worker, CellOutcome outcome) {
    // snippet: operations-history
    SwarmClient client = worker.client();
    List<Path> logs = client.logs(outcome.cellId());          // the kept log files of the cell's newest run here
    Optional<String> diff = client.diff(outcome.cellId());    // its rejected (or committed) change as a unified diff
    // end: operations-history
  }
}
