package io.openswarm.testkit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.core.testrun.TestRunner;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.process.ProcessEnvironment;
import io.openswarm.infra.process.ProcessSupervisor;
import io.openswarm.infra.testrun.CommandTestRunner;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.testkit.HistoryCheck;
import io.openswarm.testkit.InvariantCheck;
import io.openswarm.testkit.agent.ChildProcessAgent;
import io.openswarm.testkit.git.TemporaryRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The threat model's promises about secrets and shells, end to end on a worker (embedded Temporal
 * server, default sandbox): the worker's environment (a Temporal API key, other secrets) reaches
 * neither the agent's process nor the tests' processes unless allowlisted, and is not written into
 * the workflow history; a user's strings (prompt, commit message, test arguments) never reach a
 * shell. Failsafe puts {@code TEMPORAL_API_KEY} and {@code OPENSWARM_TEST_SECRET} into this JVM's
 * environment.
 */
class SecurityIT {

  private static final List<String> SECRET_NAMES =
      List.of("TEMPORAL_API_KEY", "OPENSWARM_TEST_SECRET");

  @TempDir static Path temp;
  static TemporaryRepository repo;
  static SwarmWorker worker;
  static SwarmClient client;
  static final AtomicReference<ChildProcessAgent> agent = new AtomicReference<>();

  @BeforeAll
  static void startWorker() {
    for (String name : SECRET_NAMES) {
      assertThat(System.getenv(name)).as("Failsafe must set %s for this test", name).isNotBlank();
    }
    repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("test.sh", "#!/bin/sh\n# Green whatever the arguments say.\nexit 0\n")
            .write(
                "env-test.sh",
                "#!/bin/sh\n# Shows the tests' environment, then fails so that it is reported.\n"
                    + "env\nexit 1\n")
            .executable("test.sh")
            .executable("env-test.sh")
            .commit("a project with tests");
    worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .testCommand(List.of("sh", "test.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("security-host").build())
            .agent(
                supervisor -> {
                  agent.set(
                      ChildProcessAgent.newBuilder(supervisor)
                          .promptCommands()
                          .turnDelay(Duration.ofSeconds(1))
                          .build());
                  return agent.get();
                })
            .ports(new PortRange(24600, 24619))
            .start();
    client = worker.client();
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
  }

  @AfterEach
  void nothingLeaks() {
    InvariantCheck.of(worker)
        .repository(repo.path())
        .processes(() -> agent.get().startedProcesses())
        .assertHolds();
  }

  @Test
  void theWorkersSecretsReachNeitherTheAgentNorTheTestsNorTheHistory() throws Exception {
    String workflowId =
        client.startTcr(
            TaskSpec.of("env-check", "write seen.txt nothing", "main")
                .withTestCommand(List.of("sh", "env-test.sh")));
    // While the agent works, read the environment its process really got from the kernel.
    LeaseJournal journal = LeaseJournal.open(temp.resolve("state/journal"));
    String agentPid =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    journal.records().stream()
                        .filter(
                            r ->
                                r.kind() == LeaseKind.PROCESS
                                    && "agent of cell env-check".equals(r.attribute("description")))
                        .map(r -> r.attribute("pid"))
                        .findFirst()
                        .orElse(null),
                pid -> pid != null);
    String agentEnvironment =
        new String(
                Files.readAllBytes(Path.of("/proc", agentPid, "environ")), StandardCharsets.UTF_8)
            .replace('\0', '\n');

    CellOutcome outcome = client.result(workflowId);

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.REVERTED);
    assertThat(agentEnvironment).contains("PATH=");
    assertThat(outcome.testOutputTail()).as("the tests' environment").contains("PATH=");
    for (String name : SECRET_NAMES) {
      String value = System.getenv(name);
      assertThat(agentEnvironment).doesNotContain(name).doesNotContain(value);
      assertThat(outcome.testOutputTail()).doesNotContain(name).doesNotContain(value);
    }
    HistoryCheck.assertAbsent(
        client.workflowClient(),
        workflowId,
        SECRET_NAMES.stream().map(System::getenv).toArray(String[]::new));
  }

  @Test
  void aSecretThatDoesGetIntoAWorkflowIsFoundInItsHistory() {
    String planted = "planted-" + UUID.randomUUID();
    String workflowId =
        client.startTcr(TaskSpec.of("planted", "write planted.txt " + planted, "main"));
    client.result(workflowId);

    assertThat(HistoryCheck.occurrences(client.workflowClient(), workflowId, planted))
        .isNotEmpty()
        .allSatisfy(line -> assertThat(line).doesNotContain(planted));
  }

  @Test
  void anAllowlistedVariableDoesReachTheTests() throws Exception {
    Path worktree = Files.createDirectories(temp.resolve("allowlist/worktree"));
    Path state = Files.createDirectories(temp.resolve("allowlist/state"));
    try (ProcessSupervisor supervisor = ProcessSupervisor.newBuilder().build()) {
      CommandTestRunner defaults =
          CommandTestRunner.newBuilder(supervisor).command(List.of("env")).build();
      CommandTestRunner allowlisted =
          CommandTestRunner.newBuilder(supervisor)
              .command(List.of("env"))
              .environment(
                  ProcessEnvironment.newBuilder()
                      .inheritDefaults()
                      .inherit("OPENSWARM_TEST_SECRET")
                      .build())
              .build();
      TestRunner.Request request = new TestRunner.Request(CellId.of("allowlist"), worktree, state);

      TestRunner.Result plain = defaults.run(request);
      TestRunner.Result allowed = allowlisted.run(request);

      assertThat(plain.outputTail()).doesNotContain("OPENSWARM_TEST_SECRET");
      assertThat(allowed.outputTail())
          .contains("OPENSWARM_TEST_SECRET=" + System.getenv("OPENSWARM_TEST_SECRET"))
          .doesNotContain("TEMPORAL_API_KEY");
    }
  }

  @Test
  void noPromptCommitMessageOrTestArgumentReachesAShell() throws Exception {
    String payload =
        "$(touch pwned-dollar) `touch pwned-tick`; touch pwned-semi | touch pwned-pipe && x='y' \"z\"";
    String message = "a message " + payload + "\n\nsecond paragraph " + payload;
    CellOutcome outcome =
        client.runTcr(
            TaskSpec.of("no-shell", "write note.txt " + payload, "main")
                .withCommitMessage(message)
                .withTestCommand(List.of("sh", "test.sh", payload, "$(touch pwned-arg)")));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(repo.show(outcome.commit(), "note.txt")).isEqualTo(payload);
    assertThat(repo.git("log", "-1", "--format=%B", outcome.commit()).strip()).isEqualTo(message);
    try (Stream<Path> everything = Files.walk(temp)) {
      assertThat(everything.map(path -> path.getFileName().toString()))
          .noneMatch(name -> name.startsWith("pwned"));
    }
  }
}
