package io.openswarm.testkit.opencode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.openswarm.core.CellId;
import io.openswarm.core.CellOutcome;
import io.openswarm.core.CellStatus;
import io.openswarm.core.CellStep;
import io.openswarm.core.TaskSpec;
import io.openswarm.core.port.PortRange;
import io.openswarm.infra.journal.LeaseJournal;
import io.openswarm.infra.journal.LeaseKind;
import io.openswarm.infra.journal.LeaseRecord;
import io.openswarm.infra.opencode.OpenCodeOptions;
import io.openswarm.infra.worktree.WorktreePoolOptions;
import io.openswarm.temporal.ConnectionOptions;
import io.openswarm.temporal.SwarmClient;
import io.openswarm.temporal.SwarmWorker;
import io.openswarm.temporal.SwarmWorkerBuilder;
import io.openswarm.testkit.HistoryCheck;
import io.openswarm.testkit.LeakCheck;
import io.openswarm.testkit.git.TemporaryRepository;
import io.openswarm.testkit.model.FakeModelServer;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.CanceledFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TCR end to end with the real OpenCode: an embedded Temporal server, a worker configured with
 * {@link SwarmWorkerBuilder#openCode(OpenCodeOptions)}, the {@link FakeModelServer} as the model,
 * and a test command that turns green once the agent has written the file. Each test starts one
 * OpenCode server.
 */
class OpenCodeTcrIT {

  @TempDir static Path temp;

  static TemporaryRepository repo;
  static FakeModelServer model;
  static SwarmWorker worker;
  static SwarmClient client;

  @BeforeAll
  static void startWorker() {
    repo =
        TemporaryRepository.create(temp.resolve("repo"))
            .write("check.sh", "#!/bin/sh\ntest \"$(cat greeting.txt 2>/dev/null)\" = hello\n")
            .executable("check.sh")
            .commit("a project whose test wants a greeting");
    model = FakeModelServer.start();
    worker =
        SwarmWorker.newBuilder()
            .repository(repo.path())
            .stateDirectory(temp.resolve("state"))
            .testCommand(List.of("sh", "check.sh"))
            .connection(ConnectionOptions.newBuilder().hostId("opencode-it").build())
            .worktrees(
                WorktreePoolOptions.newBuilder()
                    .repository(repo.path())
                    .root(temp.resolve("state").resolve("worktrees"))
                    .minIdle(0)
                    .maxIdle(2)
                    .maxTotal(4)
                    .build())
            .openCode(
                OpenCodeOptions.newBuilder()
                    .model(model.openCodeModel())
                    .providerConfigJson(model.openCodeProviderConfig())
                    .build())
            .ports(new PortRange(21340, 21360))
            .start();
    client = worker.client();
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
    if (model != null) {
      model.close();
    }
  }

  @AfterEach
  void nothingLeaks() {
    LeakCheck.of(worker).repository(repo).grace(Duration.ofSeconds(10)).assertClean();
  }

  @Test
  void aTaskRunByTheRealOpenCodeCommitsExactlyTheFileItWrote() {
    String prompt = "Create greeting.txt saying hello";
    model.enqueue(
        prompt,
        FakeModelServer.script()
            .write("greeting.txt", "hello\n")
            .thenText("Created greeting.txt."));

    CellOutcome outcome = client.runTcr(TaskSpec.of("greet", prompt, "main"));

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(outcome.changedFiles()).containsExactly("greeting.txt");
    assertThat(repo.changedIn(outcome.commit()))
        .as("no logs, no OpenCode files")
        .containsExactly("greeting.txt");
    assertThat(repo.show(outcome.commit(), "greeting.txt")).isEqualTo("hello\n");
    assertThat(outcome.timings())
        .extracting(t -> t.step())
        .contains(
            CellStep.AGENT_START,
            CellStep.AGENT_READY,
            CellStep.EXECUTE,
            CellStep.TEST,
            CellStep.COMMIT,
            CellStep.TEARDOWN);
    assertThat(outcome.cleanTeardown()).isTrue();
  }

  @Test
  void theServerPasswordNeverAppearsInTheWorkflowHistory() throws Exception {
    // The turn waits on a gate in its worktree, so the agent is certainly running while its
    // environment is read.
    String prompt = "Greet once the gate opens";
    model.enqueue(
        prompt,
        FakeModelServer.script()
            .bash("while [ ! -f go.flag ]; do sleep 0.1; done; rm go.flag")
            .thenWrite("greeting.txt", "hello\n")
            .thenText("Greeted."));
    CellId cell = CellId.of("secretive");
    int asked = model.chatRequests().size();
    String workflowId = client.startTcr(TaskSpec.of(cell.value(), prompt, "main"));
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () -> model.chatRequests().size() > asked && worker.worktrees().find(cell).isPresent());

    String password;
    try {
      password = agentPassword();
    } finally {
      Files.writeString(
          worker.worktrees().find(cell).orElseThrow().path().resolve("go.flag"), "go\n");
    }
    CellOutcome outcome = client.result(workflowId);

    assertThat(outcome.status()).as("%s", outcome).isEqualTo(CellStatus.COMMITTED);
    assertThat(password).hasSizeGreaterThanOrEqualTo(16);
    HistoryCheck.assertAbsent(client.workflowClient(), workflowId, password);
    assertThat(HistoryCheck.occurrences(client.workflowClient(), workflowId, outcome.commit()))
        .as("the search itself works: the commit is in the history")
        .isNotEmpty();
  }

  /**
   * The {@code OPENCODE_SERVER_PASSWORD} of the running agent, from {@code /proc/<pid>/environ} of
   * the processes the worker journaled and their descendants (with bubblewrap the server runs in a
   * PID namespace under the journaled process). Fails loudly when no such process carries it, so
   * the history check can never pass vacuously.
   */
  private static String agentPassword() throws IOException {
    List<Long> candidates = new ArrayList<>();
    for (LeaseRecord record : LeaseJournal.open(temp.resolve("state/journal")).records()) {
      String pid = record.attribute("pid");
      if (record.kind() == LeaseKind.PROCESS && pid != null) {
        ProcessHandle.of(Long.parseLong(pid))
            .ifPresent(
                process -> {
                  candidates.add(process.pid());
                  process.descendants().forEach(child -> candidates.add(child.pid()));
                });
      }
    }
    String prefix = "OPENCODE_SERVER_PASSWORD=";
    for (long pid : candidates) {
      byte[] environ;
      try {
        environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
      } catch (IOException e) {
        continue; // the process ended meanwhile
      }
      for (String entry : new String(environ, StandardCharsets.UTF_8).split("\0")) {
        if (entry.startsWith(prefix) && entry.length() > prefix.length()) {
          return entry.substring(prefix.length());
        }
      }
    }
    throw new AssertionError(
        "no journaled process (or descendant) carries " + prefix + "; looked at " + candidates);
  }

  @Test
  void cancellingATaskAbortsTheRealAgentMidTurnAndTearsTheCellDown() {
    String prompt = "Think about greetings forever";
    model.enqueue(prompt, FakeModelServer.script().hang());
    String workflowId = client.startTcr(TaskSpec.of("ponder", prompt, "main"));
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                model.hangingRequests() > 0
                    && client.progress(workflowId).step() == CellStep.EXECUTE);
    long start = System.nanoTime();

    client.cancel(workflowId);

    assertThatThrownBy(() -> client.result(workflowId))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    await().atMost(Duration.ofSeconds(30)).until(() -> worker.liveCells() == 0);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    assertThat(repo.hasBranch("swarm/ponder")).isFalse();
  }
}
